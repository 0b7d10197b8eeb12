"""Re-gossip of pooled evidence until a block records it (issue 21).

consensus/evidence_regossip.py says when an item is due again; this keeps each pooled
item's schedule and its sealed peer envelope. An envelope is sealed (encoded and signed)
once, when the item is pooled, and the same bytes are queued again each round: Ed25519
signatures are deterministic, so re-sealing produced the very same bytes at the cost of a
signature and an encoding per item and round. After the node's key rotated (ADR 0022) an
item is sealed again, once, with the new key: the old key leaves the validator set, and
peers drop what it seals.
"""

from collections.abc import Callable, Container
from dataclasses import dataclass

from consensus.evidence_regossip import (
    RegossipPolicy,
    Resend,
    first_resend,
    next_resend,
    resend_due,
)
from protocol.signing import PublicKey

REGOSSIP = RegossipPolicy(first_ms=2_000, cap_ms=60_000, sends_max=16)
"""About 12 minutes of re-sends per item."""


@dataclass(slots=True)
class _Pooled:
    resend: Resend
    sealed: bytes
    """The peer envelope broadcast last: sealed when the item was pooled, or again after
    the node's key rotated."""
    sealer: PublicKey
    """The key that sealed it."""


class EvidenceRegossip:
    """When each pooled item is broadcast again, and its envelope. Not thread-safe: the event
    loop owns it. Holds no more items than the pool (due() forgets the others)."""

    def __init__(self, policy: RegossipPolicy = REGOSSIP) -> None:
        self.policy = policy
        self._pooled: dict[bytes, _Pooled] = {}

    def pooled(self, key: bytes, now_ms: int, sealed: bytes, sealer: PublicKey) -> None:
        """key entered the pool and its envelope, sealed by sealer, was just broadcast."""
        self._pooled[key] = _Pooled(first_resend(self.policy, now_ms), sealed, sealer)

    def due(
        self,
        pool: Container[bytes],
        now_ms: int,
        sealer: PublicKey,
        seal: Callable[[bytes], bytes],
    ) -> list[bytes]:
        """Sealed envelopes of pooled items to broadcast now; items no longer pooled are
        forgotten. sealer is the key that seals now; an item sealed by another is sealed
        again with seal(its key)."""
        for key in [k for k in self._pooled if k not in pool]:
            del self._pooled[key]
        out = []
        for key, item in self._pooled.items():
            if resend_due(item.resend, now_ms):
                if item.sealer != sealer:
                    item.sealed, item.sealer = seal(key), sealer
                out.append(item.sealed)
                item.resend = next_resend(self.policy, item.resend, now_ms)
        return out
