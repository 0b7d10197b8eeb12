"""Tx gossip by announcement: send ids, serve the txs a peer asks for, ask for what we lack.

A validator that admits txs from a client broadcasts their ids (/peer/tx_ids, 64 hex
digits each) instead of the txs (~700 bytes each): the client sent them to every validator
already, so a full copy would cost each peer an envelope, a parse and a lookup for nothing.
It announces them ANNOUNCE_AFTER_MS later, and only those still pending: a tx committed by
then (a single tx at light load commits within ~100 ms) is held by every validator, and its
announcement would only cost each peer an HTTP request on the way to the next block.
A peer missing some asks the announcer for them (/peer/tx_want) after node/tx_wants.py's
grace period, and the announcer answers with the txs on /peer/txs, which enter admission
like any other (signatures checked before the pool; fetched txs are not announced again).
Every step is bounded (ids per message, ids tracked per peer, bytes per answer), runs on
the event loop without blocking, and one failing round never ends the loop.
"""

import asyncio
import logging
from collections import deque
from collections.abc import Callable, Iterable, Sequence

from node.ledger import Ledger
from node.mempool import Mempool
from node.peer_envelope import PeerKind
from node.runtime_settings import Clock
from node.transport import PeerTransport
from node.tx_wants import TxWants
from protocol.encoding import JsonObject, JsonValue
from protocol.fields import expect_object, parse_hex, read_list
from protocol.hashing import HASH_SIZE, Hash32
from protocol.signing import PublicKey
from protocol.tx import SignedTx

IDS_PER_MESSAGE_MAX = 5_000
"""Ids in one announcement or request (~340 KB of JSON): a client batch of 1,000 fits."""
ANSWER_BYTES_MAX = 2 * 1024 * 1024
"""Tx bytes in one answer to a request, well under the 8 MiB envelope bound."""
SERVE_TXS_PER_S = 5_000
SERVE_TXS_BURST = IDS_PER_MESSAGE_MAX
"""Txs served to one peer: a burst of one full request, then SERVE_TXS_PER_S. Fetching is
the fallback for txs a client did not send to every validator, so an honest peer asks for
few; one asking without end gets this rate, and the rest of its ids are not served."""
ASK_INTERVAL_S = 0.1
ANNOUNCE_AFTER_MS = 100
"""How long an admitted tx waits before its id is announced (then ANNOUNCE_AFTER_MS to
ANNOUNCE_AFTER_MS + ASK_INTERVAL_S after admission). A peer's own copy from the client is
in its pool by then as a rule, so its grace (node/tx_wants.py) rarely runs out; a client that
reached one validator only gets its tx to the others this much later."""
HAND_OVER_WINDOW_MS = 3_000
"""How far back a stopping validator looks for client txs to hand to its peers (hand_over):
a tx admitted earlier was announced ANNOUNCE_AFTER_MS after admission, and a peer lacking
it has asked for it within its grace (node/tx_wants.py, at most BUSY_GRACE_MS) since."""
HAND_OVER_WAIT_S = 2.0
"""How long a stopping validator waits for its hand-over to be posted (an unreachable peer
is given up on at once, a slow one within this)."""
log = logging.getLogger("lantan.tx_relay")


def parse_tx_ids(body: JsonObject) -> list[Hash32]:
    """The ids of an announcement or a request; raises ProtocolError when malformed."""
    obj = expect_object(body, "tx ids", ("tx_ids",))
    items = read_list(obj, "tx_ids", max_items=IDS_PER_MESSAGE_MAX)
    return [Hash32(parse_hex(item, "tx_id", size=HASH_SIZE)) for item in items]


def ids_body(tx_ids: Sequence[Hash32]) -> JsonObject:
    return {"tx_ids": [tx_id.hex() for tx_id in tx_ids]}


class TxRelay:
    """One validator's side of announce-and-fetch, over its transport and mempool."""

    def __init__(
        self,
        *,
        transport: PeerTransport,
        mempool: Mempool,
        ledger: Ledger,
        clock: Clock,
        admitting: Callable[[], bool] = lambda: False,
        wants: TxWants | None = None,
    ) -> None:
        self.transport = transport
        self.mempool = mempool
        self.ledger = ledger
        self.clock = clock
        self._admitting = admitting
        """True while this node's admission has submissions queued or in progress."""
        self.wants = wants or TxWants()
        self.served = 0
        self._spent: dict[PublicKey, tuple[float, int]] = {}
        """Per peer: serving tokens left and when they were counted (monotonic ms)."""
        self._task: asyncio.Task[None] | None = None
        self._to_announce: deque[tuple[int, list[Hash32]]] = deque()
        """(admitted at, in monotonic ms, ids) in admission order, waiting for
        ANNOUNCE_AFTER_MS; bounded by what admission lets into the mempool in that time. Every
        delay and rate here runs on the monotonic clock: on the wall clock, a step back (NTP)
        held every announcement, ask and answer until the clock had passed the step again."""
        self._recent: deque[tuple[int, list[Hash32]]] = deque()
        """(admitted at, ids) of the client txs of the last HAND_OVER_WINDOW_MS: bounded by
        what admission takes in that time."""

    def start(self) -> None:
        self._task = asyncio.create_task(self._ask_loop())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    def announce(self, txs: Sequence[SignedTx]) -> None:
        """Tell every peer, ANNOUNCE_AFTER_MS from now (announce_due), the ids of txs this
        node admitted from a client that are still pending then."""
        now_ms = self.clock.monotonic_ms()
        ids = [signed.tx_id for signed in txs]
        self._to_announce.append((now_ms, ids))
        self._recent.append((now_ms, ids))
        while self._recent and self._recent[0][0] < now_ms - HAND_OVER_WINDOW_MS:
            self._recent.popleft()

    async def hand_over(self) -> int:
        """Before this validator stops: full copies of the client txs it admitted in the
        last HAND_OVER_WINDOW_MS that are still pending, to every peer, so that a tx it
        answered "pending" a moment before a stop is not lost with its mempool (an
        integrator's probe: a tx accepted 0.2-0.5 s before a SIGTERM was unknown on every
        node after). Peers admit them as any txs (signatures checked), holding most already;
        the caller drains the transport. How many txs were handed over."""
        window_start = self.clock.monotonic_ms() - HAND_OVER_WINDOW_MS
        ids = [i for at, batch in self._recent if at >= window_start for i in batch]
        txs = [tx for tx in map(self.mempool.get, dict.fromkeys(ids)) if tx is not None]
        if not txs:
            return 0
        loop = asyncio.get_running_loop()
        for data in await loop.run_in_executor(None, self._seal_answers, txs):
            self.transport.broadcast_sealed(PeerKind.TXS, data)
        return len(txs)

    def announce_due(self) -> int:
        """Broadcast the ids admitted ANNOUNCE_AFTER_MS ago or earlier that are still in the
        mempool (the others were committed or dropped); how many were announced."""
        due_ms = self.clock.monotonic_ms() - ANNOUNCE_AFTER_MS
        ids: list[Hash32] = []
        while self._to_announce and self._to_announce[0][0] <= due_ms:
            ids.extend(i for i in self._to_announce.popleft()[1] if i in self.mempool)
        for start in range(0, len(ids), IDS_PER_MESSAGE_MAX):
            chunk = ids[start : start + IDS_PER_MESSAGE_MAX]
            self.transport.broadcast(PeerKind.TX_IDS, ids_body(chunk))
        return len(ids)

    def announced(self, peer: PublicKey, tx_ids: Iterable[Hash32]) -> None:
        """A peer holds these txs: remember the ones the mempool lacks."""
        unknown = [tx_id for tx_id in tx_ids if tx_id not in self.mempool]
        if unknown:
            self.wants.announced(peer, unknown, self.clock.monotonic_ms())

    def arrived(self, tx_ids: Iterable[Hash32]) -> None:
        self.wants.arrived(tx_ids)

    async def wanted(self, peer: PublicKey, tx_ids: Sequence[Hash32]) -> int:
        """A peer asks for txs: send those still pending here, within the peer's serving
        budget, in answers of bounded size sealed off the event loop. How many were sent."""
        budget = self._budget(peer)
        txs: list[SignedTx] = []
        for tx_id in tx_ids:
            if len(txs) >= budget:
                break
            signed = self.mempool.get(tx_id)
            if signed is not None:  # else committed or dropped: not needed any more
                txs.append(signed)
        if not txs:
            return 0
        self._spent[peer] = (self._spent[peer][0] - len(txs), self._spent[peer][1])
        loop = asyncio.get_running_loop()
        answers = await loop.run_in_executor(None, self._seal_answers, txs)
        for data in answers:
            self.transport.send_sealed(peer, PeerKind.TXS, data)
        self.served += len(txs)
        return len(txs)

    def _budget(self, peer: PublicKey) -> int:
        """Txs peer may be served now: a bucket of SERVE_TXS_BURST refilled at
        SERVE_TXS_PER_S, so asking without end costs this node a bounded rate of work."""
        now_ms = self.clock.monotonic_ms()
        tokens, last_ms = self._spent.get(peer, (float(SERVE_TXS_BURST), now_ms))
        refill = max(0, now_ms - last_ms) * SERVE_TXS_PER_S / 1000
        tokens = min(float(SERVE_TXS_BURST), tokens + refill)
        self._spent[peer] = (tokens, now_ms)
        return int(tokens)

    def _seal_answers(self, txs: list[SignedTx]) -> list[bytes]:
        """Envelopes of at most ANSWER_BYTES_MAX tx bytes each (on a worker thread)."""
        answers: list[bytes] = []
        chunk: list[JsonValue] = []
        size = 0
        for signed in txs:
            tx_bytes = len(signed.canonical_bytes())
            if chunk and size + tx_bytes > ANSWER_BYTES_MAX:
                answers.append(self.transport.seal(PeerKind.TXS, {"txs": chunk}))
                chunk, size = [], 0
            chunk.append(signed.to_json())
            size += tx_bytes
        if chunk:
            answers.append(self.transport.seal(PeerKind.TXS, {"txs": chunk}))
        return answers

    def ask_due(self) -> int:
        """Ask announcers for the ids past their grace that are still missing; how many."""
        now_ms, admitting = self.clock.monotonic_ms(), self._admitting()
        asks = self.wants.due(now_ms, self._still_missing, admitting=admitting)
        for peer, ids in asks.items():
            for start in range(0, len(ids), IDS_PER_MESSAGE_MAX):
                chunk = ids[start : start + IDS_PER_MESSAGE_MAX]
                self.transport.send(peer, PeerKind.TX_WANT, ids_body(chunk))
        return sum(len(ids) for ids in asks.values())

    def _still_missing(self, tx_ids: list[Hash32]) -> set[Hash32]:
        store = self.ledger.store
        return {i for i in tx_ids if i not in self.mempool and store.find_tx(i) is None}

    async def _ask_loop(self) -> None:
        while True:
            await asyncio.sleep(ASK_INTERVAL_S)
            try:
                self.announce_due()
                self.ask_due()
            except Exception as error:
                # One bad round must not end gossip for good (DESIGN.md §0.3).
                log.exception("announcing or asking for txs failed: %s", error)
