"""Tx ids peers announced that this node lacks: when to ask for them, and whom (no I/O).

A validator announces the ids of txs it admitted from a client instead of gossiping the
txs: a client sends each tx to every validator (DESIGN.md §2 step 1), so a peer nearly
always holds it already. A peer that does not asks for the missing ones after a grace
period (its own copy from the client may still be in admission: a longer grace while its
admission has work queued), from one announcer at
a time; an announcer that does not answer within the fetch timeout is passed over for
the next one, and an id nobody serves is forgotten. Nothing waits on a fetch: a proposal
carries its txs in full, so a missing tx delays no block, it only cannot be proposed by
this node. Memory is bounded per announcing peer, so a peer announcing ids it never
serves can fill only its own share, and only until the timeouts clear it. Every now_ms is
the caller's monotonic clock (node/tx_relay.py), never the wall clock, which can step back.
"""

from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from protocol.hashing import Hash32
from protocol.signing import PublicKey

GRACE_MS = 250
"""How long an announced id may stay missing before it is asked for: the client's own copy
is usually in admission here at the same time (batches of 500 take ~100 ms to admit)."""
BUSY_GRACE_MS = 2_000
"""The grace while this node's admission has work queued (its own copy may be in there):
under load a batch can wait here longer than GRACE_MS, and fetching it then would only
bring copies to refuse as known."""
FETCH_TIMEOUT_MS = 2_000
"""How long an asked peer has to answer before the next announcer is asked."""
PEER_WANTS_MAX = 20_000
"""Ids one peer may have announced and this node still track (a 1,000-tx batch to each
of several validators fits many times over)."""
READY_PER_ROUND_MAX = 5_000
"""Ids one due() takes up (each is looked up in the mempool and the tx index, on the event
loop): a peer's 20,000 unserved ids, all timing out at once, held the loop ~0.1-0.3 s in one
piece on the 2-core test box; the rest wait for the next round (0.1 s later)."""


@dataclass(slots=True)
class _Want:
    first_ms: int
    announcers: list[PublicKey]
    asked: PublicKey | None = None
    asked_ms: int = 0


@dataclass(slots=True)
class WantStats:
    """Counters for /metrics and tests."""

    announced: int = 0
    refused_over_quota: int = 0
    asked: int = 0
    timed_out: int = 0
    forgotten: int = 0
    examined: int = 0
    """Wants due() looked at: those whose grace or fetch timeout had passed, never every
    tracked one (a peer's 20,000 unserved ids were scanned every ASK_INTERVAL_S)."""
    per_peer: dict[PublicKey, int] = field(default_factory=dict)


class TxWants:
    """Announced ids not known here yet, with their announcers in order of announcement."""

    def __init__(
        self,
        *,
        grace_ms: int = GRACE_MS,
        busy_grace_ms: int = BUSY_GRACE_MS,
        fetch_timeout_ms: int = FETCH_TIMEOUT_MS,
        peer_wants_max: int = PEER_WANTS_MAX,
        ready_max: int = READY_PER_ROUND_MAX,
    ) -> None:
        self._wants: dict[Hash32, _Want] = {}
        self._unasked: deque[tuple[int, Hash32]] = deque()
        """(first_ms, id) of each want as it was made, oldest first: due() takes from the
        front only those past their grace. An entry whose want left or was asked for is
        skipped when it comes up (it matches no unasked want of that first_ms)."""
        self._asked: deque[tuple[int, Hash32]] = deque()
        """(asked_ms, id) of each ask, oldest first, for the fetch timeout alike."""
        self._grace_ms = grace_ms
        self._busy_grace_ms = busy_grace_ms
        self._timeout_ms = fetch_timeout_ms
        self._peer_max = peer_wants_max
        self._ready_max = ready_max
        self.stats = WantStats()

    def __len__(self) -> int:
        return len(self._wants)

    def __contains__(self, tx_id: object) -> bool:
        return tx_id in self._wants

    def announced(self, peer: PublicKey, tx_ids: Iterable[Hash32], now_ms: int) -> None:
        """Note that peer holds tx_ids. Requires each id unknown here (the caller checks)."""
        per_peer = self.stats.per_peer
        for tx_id in tx_ids:
            want = self._wants.get(tx_id)
            if want is not None and peer in want.announcers:
                continue
            if per_peer.get(peer, 0) >= self._peer_max:
                self.stats.refused_over_quota += 1
                continue
            if want is None:
                self._wants[tx_id] = _Want(first_ms=now_ms, announcers=[peer])
                self._unasked.append((now_ms, tx_id))
            else:
                want.announcers.append(peer)
            per_peer[peer] = per_peer.get(peer, 0) + 1
            self.stats.announced += 1

    def arrived(self, tx_ids: Iterable[Hash32]) -> None:
        """These txs are here now (admitted, or committed): stop wanting them."""
        for tx_id in tx_ids:
            want = self._wants.pop(tx_id, None)
            if want is not None:
                self._release(want.announcers)

    def due(
        self,
        now_ms: int,
        still_missing: Callable[[list[Hash32]], set[Hash32]],
        *,
        admitting: bool = False,
    ) -> dict[PublicKey, list[Hash32]]:
        """Whom to ask for what now: ids past their grace (the longer one while this node is
        admitting) or whose asked peer timed out, that still_missing confirms are missing,
        grouped by the announcer to ask."""
        grace_ms = self._busy_grace_ms if admitting else self._grace_ms
        ready = self._ready(now_ms, grace_ms)
        if not ready:
            return {}
        missing = still_missing(ready)
        self.arrived(tx_id for tx_id in ready if tx_id not in missing)
        asks: dict[PublicKey, list[Hash32]] = {}
        for tx_id in ready:
            want = self._wants.get(tx_id)
            if want is None:
                continue
            peer = self._next_announcer(tx_id, want)
            if peer is not None:
                want.asked, want.asked_ms = peer, now_ms
                self._asked.append((now_ms, tx_id))
                asks.setdefault(peer, []).append(tx_id)
                self.stats.asked += 1
        return asks

    def _ready(self, now_ms: int, grace_ms: int) -> list[Hash32]:
        """Ids past their grace unasked, then asked ones past the fetch timeout, each once and
        at most ready_max: taken from the fronts of the two queues, so the wants not ready
        are not looked at."""
        ready: dict[Hash32, None] = {}
        unasked, asked = self._unasked, self._asked
        while unasked and now_ms - unasked[0][0] >= grace_ms and len(ready) < self._ready_max:
            first_ms, tx_id = unasked.popleft()
            want = self._wants.get(tx_id)
            if want is not None and want.asked is None and want.first_ms == first_ms:
                ready[tx_id] = None
        while asked and now_ms - asked[0][0] >= self._timeout_ms and len(ready) < self._ready_max:
            asked_ms, tx_id = asked.popleft()
            want = self._wants.get(tx_id)
            if want is not None and want.asked is not None and want.asked_ms == asked_ms:
                ready[tx_id] = None
        self.stats.examined += len(ready)
        return list(ready)

    def _next_announcer(self, tx_id: Hash32, want: _Want) -> PublicKey | None:
        """The announcer to ask next; the one that did not answer is passed over for good."""
        if want.asked is not None:
            self.stats.timed_out += 1
            want.announcers.remove(want.asked)
            self._release([want.asked])
        if not want.announcers:
            del self._wants[tx_id]
            self.stats.forgotten += 1
            return None
        return want.announcers[0]

    def _release(self, peers: Iterable[PublicKey]) -> None:
        per_peer = self.stats.per_peer
        for peer in peers:
            left = per_peer[peer] - 1
            if left:
                per_peer[peer] = left
            else:
                del per_peer[peer]
