"""When this node first saw each pending tx, so a commit can observe first seen -> committed.

A tx is first seen when it enters the mempool (from a client or a peer's gossip) or, if it
never did, inside a proposal this node validates. Entries leave on commit or expiry; the
table is bounded so txs that never commit (a losing proposal's) cannot grow it forever.
Called from the event loop and the ledger's worker thread, hence the lock.
"""

import threading
import time
from collections import OrderedDict
from collections.abc import Iterable

from prometheus_client import Histogram

from protocol.hashing import Hash32

SEEN_TXS_MAX = 100_000
"""Twice the mempool's tx limit: room for a full mempool plus a proposal's strangers."""


class TxFirstSeen:
    """tx_id -> monotonic seconds when first seen; a commit observes the latency."""

    def __init__(self, histogram: Histogram, *, capacity: int = SEEN_TXS_MAX) -> None:
        self._histogram = histogram
        self._capacity = capacity
        self._seen: OrderedDict[Hash32, float] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._seen)

    def seen(self, tx_ids: Iterable[Hash32]) -> None:
        """Record now for each tx not seen before."""
        now = time.monotonic()
        with self._lock:
            for tx_id in tx_ids:
                if tx_id not in self._seen:
                    self._seen[tx_id] = now
            while len(self._seen) > self._capacity:
                self._seen.popitem(last=False)

    def committed(self, tx_ids: Iterable[Hash32]) -> None:
        """Observe one latency per committed tx; one never seen counts as seen just now."""
        now = time.monotonic()
        with self._lock:
            latencies = [now - self._seen.pop(tx_id, now) for tx_id in tx_ids]
        for latency in latencies:
            self._histogram.observe(latency)

    def forget(self, tx_ids: Iterable[Hash32]) -> None:
        """Drop txs that can no longer commit (expired)."""
        with self._lock:
            for tx_id in tx_ids:
                self._seen.pop(tx_id, None)
