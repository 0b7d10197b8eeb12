"""/peer/...: validator-to-validator traffic, every message a signed envelope.

Refused messages are answered 202 like accepted ones (a sender learns nothing from
probing) and counted in /metrics; only a body over the size limit gets a 413, sent by
RequestLimits as soon as the streamed bytes pass it. Authentication (one Ed25519 check per
envelope) and the decoding of the body run in one trip off the event loop; only handing
the result on runs on it. Consensus envelopes take that trip on a thread of their own.
"""

import asyncio
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from fastapi import APIRouter, Request

from consensus import MessageReceived
from node.api.schemas import PeerAccepted
from node.peer_envelope import PeerKind
from node.peering import PeerInbox
from protocol.encoding import JsonObject
from protocol.evidence import Evidence
from protocol.hashing import Hash32
from protocol.signing import PublicKey

router = APIRouter(tags=["peer"], include_in_schema=False)


def _inbox(request: Request) -> PeerInbox:
    inbox: PeerInbox = request.app.state.inbox
    return inbox


T = TypeVar("T")
# What one kind of peer message does once its envelope is open: parse is CPU work and runs
# off the event loop right after the envelope's one signature check (None: dropped, and
# counted by the inbox); apply runs on the event loop with what parse returned.
Parse = Callable[[PeerInbox, PublicKey, JsonObject], T | None]
Apply = Callable[[PeerInbox, PublicKey, T], Awaitable[None]]


# Votes and proposals must not queue behind tx work: in the default pool they waited for
# every tx batch parse, evidence check and want answer queued before them (peers, a
# Byzantine one too, can queue those without bound), and with several threads they
# overtook one another. One thread keeps them in arrival order; opening one is an Ed25519
# check and a decode (a vote's few hundred bytes, a proposal's block).
CONSENSUS_OPENER: Executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="peer-consensus")


@dataclass(frozen=True, slots=True)
class _Handler(Generic[T]):
    parse: Parse[T]
    apply: Apply[T]
    executor: Executor | None = None
    """Where parse runs: None is the event loop's default pool."""


async def _receive(request: Request, kind: PeerKind, handler: _Handler[T]) -> PeerAccepted:
    """Open and parse off the event loop, then apply; the answer is 202 either way."""
    # RequestLimits (node/api/limits.py) already refused a body over ENVELOPE_BYTES_MAX
    # while it streamed in; open_envelope checks the size again for its other callers.
    data = await request.body()
    inbox = _inbox(request)
    loop = asyncio.get_running_loop()
    opened = await loop.run_in_executor(
        handler.executor, lambda: _open_and_parse(inbox, data, kind, handler.parse)
    )
    if opened is None:
        return PeerAccepted(accepted=False)
    sender, parsed = opened
    if parsed is not None:
        await handler.apply(inbox, sender, parsed)
    return PeerAccepted(accepted=True)


def _open_and_parse(
    inbox: PeerInbox, data: bytes, kind: PeerKind, parse: Parse[T]
) -> tuple[PublicKey, T | None] | None:
    """One trip to a worker thread: the signature check, then the body's decoding."""
    opened = inbox.open(data, kind)
    if opened is None:
        return None
    sender, body = opened
    return sender, parse(inbox, sender, body)


def _consensus(inbox: PeerInbox, sender: PublicKey, body: JsonObject) -> MessageReceived | None:
    return inbox.consensus_message(sender, body)


async def _deliver(inbox: PeerInbox, _sender: PublicKey, received: MessageReceived) -> None:
    inbox.deliver(received)


def _txs(inbox: PeerInbox, _sender: PublicKey, body: JsonObject) -> list[bytes] | None:
    return inbox.tx_payloads(body)


async def _admit(inbox: PeerInbox, _sender: PublicKey, payloads: list[bytes]) -> None:
    if payloads:
        await inbox.service.submit(payloads, gossip=False)


def _tx_ids(inbox: PeerInbox, _sender: PublicKey, body: JsonObject) -> list[Hash32] | None:
    return inbox.tx_ids(body)


async def _announced(inbox: PeerInbox, sender: PublicKey, tx_ids: list[Hash32]) -> None:
    if inbox.service.relay is not None:
        inbox.service.relay.announced(sender, tx_ids)


async def _wanted(inbox: PeerInbox, sender: PublicKey, tx_ids: list[Hash32]) -> None:
    if inbox.service.relay is not None:
        await inbox.service.relay.wanted(sender, tx_ids)


def _body(_inbox: PeerInbox, _sender: PublicKey, body: JsonObject) -> JsonObject:
    return body


async def _checkpoint(inbox: PeerInbox, _sender: PublicKey, body: JsonObject) -> None:
    # On the event loop: the checkpoint book is the loop's (after_commit writes it too).
    inbox.checkpoint(body)


def _evidence(inbox: PeerInbox, _sender: PublicKey, body: JsonObject) -> Evidence | None:
    return inbox.evidence(body)


async def _pool_evidence(inbox: PeerInbox, _sender: PublicKey, evidence: Evidence) -> None:
    if inbox.runtime is not None:
        inbox.runtime.pool_evidence(evidence)


# One handler per kind; the path is /peer/<kind>, as node/transport.py posts it.
_HANDLERS: dict[PeerKind, _Handler[Any]] = {
    PeerKind.CONSENSUS: _Handler(_consensus, _deliver, CONSENSUS_OPENER),
    PeerKind.TXS: _Handler(_txs, _admit),
    PeerKind.CHECKPOINT: _Handler(_body, _checkpoint),
    PeerKind.EVIDENCE: _Handler(_evidence, _pool_evidence),
    PeerKind.TX_IDS: _Handler(_tx_ids, _announced),
    PeerKind.TX_WANT: _Handler(_tx_ids, _wanted),
}


def _endpoint(
    kind: PeerKind, handler: _Handler[Any]
) -> Callable[[Request], Awaitable[PeerAccepted]]:
    async def receive(request: Request) -> PeerAccepted:
        return await _receive(request, kind, handler)

    return receive


for _kind, _handler in _HANDLERS.items():
    router.add_api_route(
        f"/peer/{_kind.value}",
        _endpoint(_kind, _handler),
        methods=["POST"],
        status_code=202,
        name=f"peer_{_kind.value}",
    )
