"""Signatures this node has already verified, so a tx is checked once, not three times.

Admission verifies every tx's signatures; building the block and re-executing a peer's
proposal run admission again (contracts.apply_block), and would verify the same signatures
again. The contracts take the verifier as a port; this cache answers it. An entry is keyed
by public key, signature AND the message's hash, so a valid signature can never be reused
for another message. Only successes are cached; a miss is verified for real.
"""

import hashlib
import threading

from protocol.signing import verify_signature

CACHE_ENTRIES_MAX = 200_000


class SignatureCache:
    """A bounded, thread-safe set of verified (key, message, signature) triples."""

    def __init__(self, entries_max: int = CACHE_ENTRIES_MAX) -> None:
        self._verified: dict[bytes, None] = {}
        self._entries_max = entries_max
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def verify(self, public_key: bytes, message: bytes, signature: bytes) -> bool:
        """Same answer as protocol.signing.verify_signature, from the cache when possible."""
        key = public_key + signature + hashlib.sha256(message).digest()
        with self._lock:
            if key in self._verified:
                self.hits += 1
                return True
        self.misses += 1
        if not verify_signature(public_key, message, signature):
            return False
        with self._lock:
            self._verified[key] = None
            if len(self._verified) > self._entries_max:
                # Dicts keep insertion order: drop the oldest entry.
                del self._verified[next(iter(self._verified))]
        return True
