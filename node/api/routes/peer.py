"""/peer/...: validator-to-validator traffic, every message a signed envelope.

Refused messages are answered 202 like accepted ones (a sender learns nothing from
probing) and counted in /metrics; only a body over the size limit gets a 413, sent by
RequestLimits as soon as the streamed bytes pass it. Authentication and parsing run off the
event loop.
"""

import asyncio

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


Opened = tuple[PeerInbox, PublicKey, JsonObject]


async def _open(request: Request, kind: PeerKind) -> Opened | None:
    # RequestLimits (node/api/limits.py) already refused a body over ENVELOPE_BYTES_MAX
    # while it streamed in; open_envelope checks the size again for its other callers.
    data = await request.body()
    inbox = _inbox(request)
    # Signature checks are CPU work: keep them off the event loop.
    opened = await asyncio.get_running_loop().run_in_executor(None, inbox.open, data, kind)
    return None if opened is None else (inbox, opened[0], opened[1])


@router.post("/peer/consensus", status_code=202)
async def peer_consensus(request: Request) -> PeerAccepted:
    opened = await _open(request, PeerKind.CONSENSUS)
    if opened is not None:
        inbox, sender, body = opened
        inbox.consensus(sender, body)
    return PeerAccepted(accepted=opened is not None)


@router.post("/peer/txs", status_code=202)
async def peer_txs(request: Request) -> PeerAccepted:
    opened = await _open(request, PeerKind.TXS)
    if opened is not None:
        inbox, _sender, body = opened
        payloads = inbox.tx_payloads(body)
        if payloads:
            await inbox.service.submit(payloads, gossip=False)
    return PeerAccepted(accepted=opened is not None)


@router.post("/peer/checkpoint", status_code=202)
async def peer_checkpoint(request: Request) -> PeerAccepted:
    opened = await _open(request, PeerKind.CHECKPOINT)
    if opened is not None:
        inbox, _sender, body = opened
        inbox.checkpoint(body)
    return PeerAccepted(accepted=opened is not None)


@router.post("/peer/evidence", status_code=202)
async def peer_evidence(request: Request) -> PeerAccepted:
    opened = await _open(request, PeerKind.EVIDENCE)
    if opened is not None:
        inbox, _sender, body = opened
        loop = asyncio.get_running_loop()
        evidence = await loop.run_in_executor(None, inbox.evidence, body)
        if evidence is not None and inbox.runtime is not None:
            inbox.runtime.pool_evidence(evidence)
    return PeerAccepted(accepted=opened is not None)
