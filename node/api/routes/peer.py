"""/peer/...: validator-to-validator traffic, every message a signed envelope.

Refused messages are answered 202 like accepted ones and counted in /metrics. The answer's
`accepted` says what this node knows before it answers: false when the message was dropped
(its envelope refused, its body malformed, a vote or proposal far ahead, a checkpoint line
that does not verify or is out of the window, evidence refused, a full consensus queue),
true when it was taken on: a consensus message queued for the engine, which checks its
signatures and rounds later, on its own loop (docs/OPERATIONS.md "Hostile peers"). Before,
a body dropped after its envelope opened answered true. Only a body over the size limit
gets a 413, sent by
RequestLimits as soon as the streamed bytes pass it, and a validator past its byte budget
(node/peer_budget.py) a 429: it is told to slow down, and its bytes are not opened, nor
read past the authentication line when the body declares more than the budget holds.
Authentication (one Ed25519 check per envelope) and the decoding of the body run in one
trip off the event loop; only handing the result on runs on it. Consensus envelopes take
that trip on a thread of their own. Evidence takes a second trip for its own signatures,
after the pool's cheap checks on the loop (node/peering.py, PeerInbox.pool_evidence).

PeerFastPath answers these POSTs below the node's own middlewares (request id, metrics,
size and time limits) and above FastAPI's routing, request and response layers: each
height costs a validator about eight of them, and those layers cost more CPU than the
message's own work, on the cores the next consensus step waits for. The routes stay
registered (the same handlers), for the route label and for any other method.
"""

import asyncio
import json
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from fastapi import APIRouter, Request
from fastapi.routing import APIRoute
from starlette.types import Receive, Scope, Send

from consensus import MessageReceived
from node.api.errors import ApiError, error_body
from node.api.limits import CLAIMED_SENDER, header_value
from node.api.middleware import HttpMiddleware
from node.api.schemas import PeerAccepted
from node.peer_envelope import AUTH_LINE_BYTES, DropReason, PeerKind
from node.peering import MissingTxs, PeerInbox
from protocol.encoding import JsonObject
from protocol.evidence import Evidence
from protocol.hashing import Hash32
from protocol.signing import PublicKey
from protocol.votes import SignedVote

router = APIRouter(tags=["peer"], include_in_schema=False)


def _inbox(request: Request) -> PeerInbox:
    inbox: PeerInbox = request.app.state.inbox
    return inbox


T = TypeVar("T")
# What one kind of peer message does once its envelope is open: parse is CPU work and runs
# off the event loop right after the envelope's one signature check (None: dropped, and
# counted by the inbox); apply runs on the event loop with what parse returned (False:
# dropped there, and counted). Either is the answer's `accepted`.
Parse = Callable[[PeerInbox, PublicKey, JsonObject], T | None]
Apply = Callable[[PeerInbox, PublicKey, T], Awaitable[bool]]


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


OVER_BUDGET_CODE = "PEER_OVER_BUDGET"
OVER_BUDGET_DETAIL = "this sender's envelope bytes per second are spent; retry later"
OVER_BUDGET_HEADERS = {"Retry-After": "1"}


async def _receive(request: Request, kind: PeerKind, handler: _Handler[T]) -> PeerAccepted:
    """Open and parse off the event loop, then apply; the answer is 202 either way, but
    429 for a sender past its byte budget."""
    # RequestLimits (node/api/limits.py) already refused a body over ENVELOPE_BYTES_MAX
    # while it streamed in; open_envelope checks the size again for its other callers.
    data = await request.body()
    accepted = await _accept(_inbox(request), data, kind, handler)
    if accepted is None:
        raise ApiError(429, OVER_BUDGET_CODE, OVER_BUDGET_DETAIL, OVER_BUDGET_HEADERS)
    return PeerAccepted(accepted=accepted)


async def _accept(
    inbox: PeerInbox, data: bytes, kind: PeerKind, handler: _Handler[T]
) -> bool | None:
    """Open and parse off the event loop, then apply; False when the envelope is refused or
    its body dropped, None when its sender is past its byte budget (checked first, on the
    loop: the cheap refusal must not wait in the opener's queue behind the bytes it
    refuses)."""
    if inbox.over_budget(data, len(data)):
        return None
    loop = asyncio.get_running_loop()
    opened = await loop.run_in_executor(
        handler.executor, lambda: _open_and_parse(inbox, data, kind, handler.parse)
    )
    if opened is DropReason.OVER_BUDGET:
        return None
    if isinstance(opened, DropReason):
        return False
    sender, parsed = opened
    if parsed is None:
        return False
    return await handler.apply(inbox, sender, parsed)


def _open_and_parse(
    inbox: PeerInbox, data: bytes, kind: PeerKind, parse: Parse[T]
) -> tuple[PublicKey, T | None] | DropReason:
    """One trip to a worker thread: the signature check, then the body's decoding."""
    opened = inbox.open(data, kind)
    if isinstance(opened, DropReason):
        return opened
    sender, body = opened
    return sender, parse(inbox, sender, body)


Consensus = tuple[MessageReceived, Evidence | None]
"""A decoded consensus message, and the evidence an old precommit in it proved, if any."""


def _consensus(inbox: PeerInbox, sender: PublicKey, body: JsonObject) -> Consensus | None:
    received = inbox.consensus_message(sender, body)
    if received is None:
        return None
    message = received.message
    old = inbox.old_precommits.evidence(message) if isinstance(message, SignedVote) else None
    return received, old


async def _deliver(inbox: PeerInbox, _sender: PublicKey, parsed: Consensus) -> bool:
    received, evidence = parsed
    queued = inbox.deliver(received)
    if evidence is not None:
        await inbox.pool_evidence(evidence)
    return queued


def _compact(
    inbox: PeerInbox, sender: PublicKey, body: JsonObject
) -> MessageReceived | MissingTxs | None:
    return inbox.compact_proposal(sender, body)


async def _deliver_compact(
    inbox: PeerInbox, _sender: PublicKey, outcome: MessageReceived | MissingTxs
) -> bool:
    if isinstance(outcome, MessageReceived):
        return inbox.deliver(outcome)
    if inbox.runtime is not None:
        inbox.runtime.proposals.ask_for_block(outcome.sender, outcome.request)
    return True


def _txs(inbox: PeerInbox, _sender: PublicKey, body: JsonObject) -> list[bytes] | None:
    return inbox.tx_payloads(body)


async def _admit(inbox: PeerInbox, _sender: PublicKey, payloads: list[bytes]) -> bool:
    # Taken: each tx's own outcome is counted in lantan_txs_submitted_total.
    if payloads:
        await inbox.service.submit(payloads, gossip=False)
    return True


def _tx_ids(inbox: PeerInbox, _sender: PublicKey, body: JsonObject) -> list[Hash32] | None:
    return inbox.tx_ids(body)


async def _announced(inbox: PeerInbox, sender: PublicKey, tx_ids: list[Hash32]) -> bool:
    if inbox.service.relay is not None:
        inbox.service.relay.announced(sender, tx_ids)
    return True


async def _wanted(inbox: PeerInbox, sender: PublicKey, tx_ids: list[Hash32]) -> bool:
    if inbox.service.relay is not None:
        await inbox.service.relay.wanted(sender, tx_ids)
    return True


def _body(_inbox: PeerInbox, _sender: PublicKey, body: JsonObject) -> JsonObject:
    return body


async def _checkpoint(inbox: PeerInbox, sender: PublicKey, body: JsonObject) -> bool:
    # On the event loop: the checkpoint book is the loop's (after_commit writes it too).
    return inbox.checkpoint(sender, body)


def _evidence(inbox: PeerInbox, _sender: PublicKey, body: JsonObject) -> Evidence | None:
    return inbox.evidence(body)


async def _pool_evidence(inbox: PeerInbox, _sender: PublicKey, evidence: Evidence) -> bool:
    return await inbox.pool_evidence(evidence)


# One handler per kind; the path is /peer/<kind>, as node/transport.py posts it.
_HANDLERS: dict[PeerKind, _Handler[Any]] = {
    PeerKind.CONSENSUS: _Handler(_consensus, _deliver, CONSENSUS_OPENER),
    # The same thread as consensus envelopes: a proposal keeps its place among the votes.
    PeerKind.PROPOSAL: _Handler(_compact, _deliver_compact, CONSENSUS_OPENER),
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


_FAST: dict[str, tuple[PeerKind, _Handler[Any], APIRoute]] = {}
"""Path -> what PeerFastPath needs to answer it: the kind, its handler, its route."""
for _kind, _handler in _HANDLERS.items():
    router.add_api_route(
        f"/peer/{_kind.value}",
        _endpoint(_kind, _handler),
        methods=["POST"],
        status_code=202,
        name=f"peer_{_kind.value}",
    )
    _route = router.routes[-1]
    assert isinstance(_route, APIRoute)
    _FAST[_route.path] = (_kind, _handler, _route)
_ANSWERS: dict[bool | None, tuple[int, bytes]] = {
    accepted: (202, PeerAccepted(accepted=accepted).model_dump_json().encode())
    for accepted in (True, False)
}
_ANSWERS[None] = (
    429,
    json.dumps(error_body(OVER_BUDGET_CODE, OVER_BUDGET_DETAIL), separators=(",", ":")).encode(),
)


class PeerFastPath(HttpMiddleware):
    """POST /peer/<kind> answered here with what the route would answer (202 and
    {"accepted": ...}); every other request goes on to the app. Sits inside RequestLimits,
    whose receive enforces the body's size and time limits as before."""

    async def handle_http(self, scope: Scope, receive: Receive, send: Send) -> None:
        found = _FAST.get(scope["path"]) if scope["method"] == "POST" else None
        if found is None:
            await self.app(scope, receive, send)
            return
        kind, handler, route = found
        scope["route"] = route  # RequestObserver labels the request by its template
        inbox: PeerInbox = scope["app"].state.inbox
        data = await _read_body(scope, receive, inbox, _declared_length(scope))
        if data is None:
            return  # the peer hung up: nobody to answer, as for a route
        unread = isinstance(data, DropReason)
        if isinstance(data, DropReason):
            accepted = None if data is DropReason.OVER_BUDGET else False
        else:
            accepted = await _accept(inbox, data, kind, handler)
        status, body = _ANSWERS[accepted]
        headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
        if accepted is None:
            headers += [(k.lower().encode(), v.encode()) for k, v in OVER_BUDGET_HEADERS.items()]
        if unread:
            # The rest of the body is never read: the connection ends with this answer.
            headers.append((b"connection", b"close"))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def _declared_length(scope: Scope) -> int:
    """The body's Content-Length (RequestLimits has refused one not decimal or over the
    limit); 0 without one (chunked: only the bytes counted so far)."""
    claimed = header_value(scope, b"content-length")
    return 0 if claimed is None else int(claimed)


async def _read_body(
    scope: Scope, receive: Receive, inbox: PeerInbox, declared: int
) -> bytes | DropReason | None:
    """The whole request body; None when the client disconnected first; OVER_BUDGET as
    soon as the sender its authentication line names lacks the budget for the declared
    length, or (chunked) for the bytes counted so far: the rest is never read; the same
    for an authentication line that is malformed or names no validator (a witness, an
    observer, anyone). Before, each refused envelope was read whole first (up to 8 MiB,
    hostile pass of stop 50)."""
    chunks = []
    head = b""
    received = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        chunks.append(chunk)
        received += len(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)  # whole: _accept checks the budget for all of it
        if len(head) < AUTH_LINE_BYTES:
            head += chunk[: AUTH_LINE_BYTES - len(head)]
            if len(head) == AUTH_LINE_BYTES:
                refused = inbox.refused_sender(head)
                if refused is not None:
                    return refused
                scope[CLAIMED_SENDER] = head[:16].decode()
        if inbox.over_budget(head, max(declared, received)):
            return DropReason.OVER_BUDGET
