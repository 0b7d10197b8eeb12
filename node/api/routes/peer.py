"""/peer/...: validator-to-validator traffic, every message a signed envelope.

Refused messages are answered 202 like accepted ones (a sender learns nothing from
probing) and counted in /metrics; only a body over the size limit gets a 413, sent by
RequestLimits as soon as the streamed bytes pass it. Authentication and parsing run off the
event loop.
"""

import asyncio
from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Request

from node.api.schemas import PeerAccepted
from node.peer_envelope import PeerKind
from node.peering import PeerInbox
from protocol.encoding import JsonObject
from protocol.signing import PublicKey

router = APIRouter(tags=["peer"], include_in_schema=False)


def _inbox(request: Request) -> PeerInbox:
    inbox: PeerInbox = request.app.state.inbox
    return inbox


# What one kind of peer message does once its envelope is open: (inbox, sender, body).
Handler = Callable[[PeerInbox, PublicKey, JsonObject], Awaitable[None]]


async def _receive(request: Request, kind: PeerKind, handle: Handler) -> PeerAccepted:
    """Open the envelope off the event loop and hand it on; the answer is 202 either way."""
    # RequestLimits (node/api/limits.py) already refused a body over ENVELOPE_BYTES_MAX
    # while it streamed in; open_envelope checks the size again for its other callers.
    data = await request.body()
    inbox = _inbox(request)
    # Signature checks are CPU work: keep them off the event loop.
    opened = await asyncio.get_running_loop().run_in_executor(None, inbox.open, data, kind)
    if opened is not None:
        sender, body = opened
        await handle(inbox, sender, body)
    return PeerAccepted(accepted=opened is not None)


async def _consensus(inbox: PeerInbox, sender: PublicKey, body: JsonObject) -> None:
    inbox.consensus(sender, body)


async def _txs(inbox: PeerInbox, _sender: PublicKey, body: JsonObject) -> None:
    payloads = inbox.tx_payloads(body)
    if payloads:
        await inbox.service.submit(payloads, gossip=False)


async def _checkpoint(inbox: PeerInbox, _sender: PublicKey, body: JsonObject) -> None:
    inbox.checkpoint(body)


async def _evidence(inbox: PeerInbox, _sender: PublicKey, body: JsonObject) -> None:
    loop = asyncio.get_running_loop()
    evidence = await loop.run_in_executor(None, inbox.evidence, body)
    if evidence is not None and inbox.runtime is not None:
        inbox.runtime.pool_evidence(evidence)


@router.post("/peer/consensus", status_code=202)
async def peer_consensus(request: Request) -> PeerAccepted:
    return await _receive(request, PeerKind.CONSENSUS, _consensus)


@router.post("/peer/txs", status_code=202)
async def peer_txs(request: Request) -> PeerAccepted:
    return await _receive(request, PeerKind.TXS, _txs)


@router.post("/peer/checkpoint", status_code=202)
async def peer_checkpoint(request: Request) -> PeerAccepted:
    return await _receive(request, PeerKind.CHECKPOINT, _checkpoint)


@router.post("/peer/evidence", status_code=202)
async def peer_evidence(request: Request) -> PeerAccepted:
    return await _receive(request, PeerKind.EVIDENCE, _evidence)
