"""How many envelope bytes each authenticated peer may have this node decode, per second.

Opening an envelope costs CPU in proportion to its size (the Ed25519 check hashes all of
it; decoding and the canonical re-check walk it), about 0.13 s per 7 MiB: a validator
posting maximal, validly signed envelopes without pause kept the thread that opens votes
and proposals busy, and the honest validators' own votes waited behind it (stop 48,
tests/adversary/test_byzantine_heavy.py). Each sender gets a token bucket of bytes; an
envelope its bucket cannot cover is answered 429 before its signature is checked (and,
should two race for the last bytes, after the check and before the decoding). Charged
only once the signature verifies, so nobody can spend another validator's budget.
"""

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from node.peer_envelope import ENVELOPE_BYTES_MAX
from protocol.signing import PublicKey

PEER_BYTES_PER_S = 8 * 1024 * 1024
"""Bytes per second one sender's envelopes may add to its bucket. An honest validator's
steady traffic is its votes, compact proposals and the tx bodies its peers ask for (~0.7 MB/s
at 1,400 tx/s of ~500 B each; ~2.5 MB/s if a box three times this one's speed sent 5,000
tx/s through one node): 8 MiB/s keeps that headroom, and a hostile sender's envelopes cost
at most ~0.15 s of CPU a second (0.13 s per 7 MiB). A whole block (at most 8 MiB) sent now
and then fits in the burst."""
PEER_BURST_BYTES = 2 * ENVELOPE_BYTES_MAX
"""What the bucket holds when full: two envelopes of the largest size, back to back."""


@dataclass(slots=True)
class _Bucket:
    tokens: float
    refilled_s: float


class PeerByteBudget:
    """A byte budget per sender; thread-safe (envelopes are opened on worker threads)."""

    def __init__(
        self,
        bytes_per_s: int = PEER_BYTES_PER_S,
        burst_bytes: int = PEER_BURST_BYTES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        assert bytes_per_s > 0 and burst_bytes >= ENVELOPE_BYTES_MAX
        self._rate = bytes_per_s
        self._burst = burst_bytes
        self._clock = clock
        self._buckets: dict[PublicKey, _Bucket] = {}
        self._lock = threading.Lock()

    def covers(self, sender: PublicKey, size: int) -> bool:
        """Whether sender's bucket holds size bytes now. Only reads: a stranger naming a
        validator's key costs that validator nothing (only verified envelopes spend), and
        a key never verified gets no bucket."""
        with self._lock:
            return sender not in self._buckets or self._refilled(sender).tokens >= size

    def take(self, sender: PublicKey, size: int) -> bool:
        """Spend size bytes of a verified sender's budget; False (nothing spent) when the
        bucket holds fewer."""
        with self._lock:
            bucket = self._refilled(sender)
            if bucket.tokens < size:
                return False
            bucket.tokens -= size
            return True

    def _refilled(self, sender: PublicKey) -> _Bucket:
        now = self._clock()
        bucket = self._buckets.get(sender)
        if bucket is None:
            # Senders are the validator sets' keys (checked before take), so this stays
            # small; a key that left the set keeps its few bytes until the process ends.
            bucket = self._buckets[sender] = _Bucket(float(self._burst), now)
        bucket.tokens = min(self._burst, bucket.tokens + (now - bucket.refilled_s) * self._rate)
        bucket.refilled_s = now
        return bucket
