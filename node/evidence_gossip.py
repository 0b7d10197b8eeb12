"""Re-gossip of pooled evidence until a block records it (issue 21).

consensus/evidence_regossip.py says when an item is due again; this keeps each pooled
item's schedule and its sealed peer envelope. An envelope is sealed (encoded and signed)
once, when the item is pooled, and the same bytes are queued again each round: Ed25519
signatures are deterministic, so re-sealing produced the very same bytes at the cost of a
signature and an encoding per item and round.
"""

from collections.abc import Container
from dataclasses import dataclass

from consensus.evidence_regossip import (
    RegossipPolicy,
    Resend,
    first_resend,
    next_resend,
    resend_due,
)

REGOSSIP = RegossipPolicy(first_ms=2_000, cap_ms=60_000, sends_max=16)
"""About 12 minutes of re-sends per item."""


@dataclass(slots=True)
class _Pooled:
    resend: Resend
    sealed: bytes
    """The peer envelope broadcast when the item was pooled."""


class EvidenceRegossip:
    """When each pooled item is broadcast again, and its envelope. Not thread-safe: the event
    loop owns it. Holds no more items than the pool (due() forgets the others)."""

    def __init__(self, policy: RegossipPolicy = REGOSSIP) -> None:
        self.policy = policy
        self._pooled: dict[bytes, _Pooled] = {}

    def pooled(self, key: bytes, now_ms: int, sealed: bytes) -> None:
        """key entered the pool and its sealed envelope was just broadcast."""
        self._pooled[key] = _Pooled(first_resend(self.policy, now_ms), sealed)

    def due(self, pool: Container[bytes], now_ms: int) -> list[bytes]:
        """Sealed envelopes of pooled items to broadcast now; items no longer pooled are
        forgotten."""
        for key in [k for k in self._pooled if k not in pool]:
            del self._pooled[key]
        out = []
        for item in self._pooled.values():
            if resend_due(item.resend, now_ms):
                out.append(item.sealed)
                item.resend = next_resend(self.policy, item.resend, now_ms)
        return out
