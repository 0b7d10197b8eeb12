"""The simulated nodes' evidence pools, re-gossiped like the node's (issue 21).

The node keeps evidence it found or received in its pool and broadcasts it again with a
growing interval until a block records it (node/evidence_gossip.py), so one lost message
does not lose accountability: seed 1021241 forked, one side found evidence and its only
broadcast was lost. The simulator records no evidence in blocks, so every item is re-sent
a bounded number of times; a halted replica keeps re-sending (the node does too).
"""

import heapq
from dataclasses import dataclass, field

from protocol.evidence import Evidence

RESEND_FIRST_MS = 400
RESEND_CAP_MS = 3_200
RESENDS_MAX = 16
"""About 45 s of re-sends: longer than any scenario's time to GST plus its liveness bound."""


@dataclass
class _Pending:
    evidence: Evidence
    sends_left: int = RESENDS_MAX
    interval_ms: int = RESEND_FIRST_MS


@dataclass
class EvidencePools:
    """Per replica: pooled evidence and when to re-send it."""

    pools: dict[str, dict[bytes, _Pending]] = field(default_factory=dict)
    timers: list[tuple[int, str, bytes]] = field(default_factory=list)

    def add(self, replica: str, evidence: Evidence, now_ms: int) -> bool:
        """Pool evidence (False if already pooled); its first re-send is scheduled."""
        pool = self.pools.setdefault(replica, {})
        key = evidence.hash()
        if key in pool:
            return False
        pool[key] = _Pending(evidence)
        heapq.heappush(self.timers, (now_ms + RESEND_FIRST_MS, replica, key))
        return True

    def forget(self, replica: str) -> None:
        """A crash loses the in-memory pool."""
        self.pools.pop(replica, None)

    def next_ms(self) -> int | None:
        return self.timers[0][0] if self.timers else None

    def due(self, now_ms: int) -> list[tuple[str, Evidence]]:
        """Items to re-send now, by replica; each is rescheduled while sends are left."""
        out: list[tuple[str, Evidence]] = []
        while self.timers and self.timers[0][0] <= now_ms:
            _, replica, key = heapq.heappop(self.timers)
            pending = self.pools.get(replica, {}).get(key)
            if pending is None or pending.sends_left == 0:
                continue  # forgotten in a crash, or sent often enough
            pending.sends_left -= 1
            out.append((replica, pending.evidence))
            pending.interval_ms = min(pending.interval_ms * 2, RESEND_CAP_MS)
            heapq.heappush(self.timers, (now_ms + pending.interval_ms, replica, key))
        return out
