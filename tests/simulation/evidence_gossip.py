"""The simulated nodes' evidence pools, re-gossiped on the node's schedule (issue 21).

The node keeps evidence it found or received in its pool and broadcasts it again with a
growing interval until a block records it, so one lost message does not lose
accountability: seed 1021241 forked, one side found evidence and its only broadcast was
lost. When an item is due again is consensus/evidence_regossip.py, the node's own rule; the
simulator runs it with shorter intervals. It records no evidence in blocks, so every item
is re-sent a bounded number of times; a halted replica keeps re-sending (the node does too).
"""

import heapq
from dataclasses import dataclass, field

from consensus.evidence_regossip import RegossipPolicy, Resend, first_resend, next_resend
from protocol.evidence import Evidence

RESEND = RegossipPolicy(first_ms=400, cap_ms=3_200, sends_max=16)
"""About 45 s of re-sends: longer than any scenario's time to GST plus its liveness bound."""


@dataclass
class _Pending:
    evidence: Evidence
    resend: Resend


@dataclass
class EvidencePools:
    """Per replica: pooled evidence and when to re-send it."""

    pools: dict[str, dict[bytes, _Pending]] = field(default_factory=dict)
    timers: list[tuple[int, str, bytes]] = field(default_factory=list)
    """(due_ms, replica, key): a heap, one timer per re-send to come."""

    def add(self, replica: str, evidence: Evidence, now_ms: int) -> bool:
        """Pool evidence (False if already pooled); its first re-send is scheduled."""
        pool = self.pools.setdefault(replica, {})
        key = evidence.hash()
        if key in pool:
            return False
        pending = _Pending(evidence, first_resend(RESEND, now_ms))
        pool[key] = pending
        heapq.heappush(self.timers, (pending.resend.due_ms, replica, key))
        return True

    def forget(self, replica: str) -> None:
        """A crash loses the in-memory pool."""
        self.pools.pop(replica, None)

    def next_ms(self) -> int | None:
        return self.timers[0][0] if self.timers else None

    def due(self, now_ms: int) -> list[tuple[str, Evidence]]:
        """Items to re-send now, by replica; each is rescheduled while sends are left.

        A timer fires its item whatever the item's own due_ms: after a crash and a
        re-pooling the old timer may come first (the seeded runs' counts rest on that).
        """
        out: list[tuple[str, Evidence]] = []
        while self.timers and self.timers[0][0] <= now_ms:
            _, replica, key = heapq.heappop(self.timers)
            pending = self.pools.get(replica, {}).get(key)
            if pending is None or pending.resend.sends_left == 0:
                continue  # forgotten in a crash, or sent often enough
            out.append((replica, pending.evidence))
            pending.resend = next_resend(RESEND, pending.resend, now_ms)
            heapq.heappush(self.timers, (pending.resend.due_ms, replica, key))
        return out
