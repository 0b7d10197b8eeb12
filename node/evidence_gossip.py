"""Re-gossip of pooled evidence until a block records it (issue 21).

Evidence is broadcast once when it enters the pool. A lost broadcast used to lose it for
good on the other side of a fork (simulator seed 1021241): both sides halt, so no block
ever records it, and only the side that found it could name the double-signer. Like the
consensus retransmission, pooled evidence is therefore broadcast again with a doubling
interval (first_ms, 2 first_ms, ... up to cap_ms), at most sends_max times per item, and
never after it left the pool (recorded in a block, or found stale at proposal time).
"""

from collections.abc import Mapping
from dataclasses import dataclass

from protocol.evidence import Evidence

REGOSSIP_FIRST_MS = 2_000
REGOSSIP_CAP_MS = 60_000
REGOSSIP_SENDS_MAX = 16
"""About 12 minutes of re-sends per item with the defaults."""


@dataclass(slots=True)
class _Schedule:
    due_ms: int
    interval_ms: int
    sends_left: int


class EvidenceRegossip:
    """When each pooled item is broadcast again. Not thread-safe: the event loop owns it."""

    def __init__(
        self,
        first_ms: int = REGOSSIP_FIRST_MS,
        cap_ms: int = REGOSSIP_CAP_MS,
        sends_max: int = REGOSSIP_SENDS_MAX,
    ) -> None:
        self.first_ms, self.cap_ms, self.sends_max = first_ms, cap_ms, sends_max
        self._schedules: dict[bytes, _Schedule] = {}

    def pooled(self, key: bytes, now_ms: int) -> None:
        """key entered the pool and was just broadcast."""
        self._schedules[key] = _Schedule(now_ms + self.first_ms, self.first_ms, self.sends_max)

    def due(self, pool: Mapping[bytes, Evidence], now_ms: int) -> list[Evidence]:
        """Items of the pool to broadcast now; items no longer pooled are forgotten."""
        for key in [k for k in self._schedules if k not in pool]:
            del self._schedules[key]
        out = []
        for key, schedule in self._schedules.items():
            if schedule.sends_left == 0 or schedule.due_ms > now_ms:
                continue
            out.append(pool[key])
            schedule.sends_left -= 1
            schedule.interval_ms = min(schedule.interval_ms * 2, self.cap_ms)
            schedule.due_ms = now_ms + schedule.interval_ms
        return out
