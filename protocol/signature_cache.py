"""Signatures already verified, so one signature is checked once, not at every step.

A tx's signatures are checked at admission, again when the proposer builds the block and
again when each validator re-executes it; a precommit is checked as a vote and again in the
certificate; evidence at peer intake, by the proposer and in the block. Each of those takes
the verify port (protocol.signing.VerifySignature); this cache answers it.

An entry is SHA-256(public_key || signature || message) over a 32-byte key and a 64-byte
signature, so a valid signature never vouches for another key or message. Only successes
are cached: a miss, or a triple of the wrong sizes, is verified for real.

Memory is bounded: at most entries_max entries, least recently used evicted first. An entry
(a 32-byte digest in an OrderedDict) costs 190-290 bytes at peak, table resizes included
(tracemalloc, CPython 3.11), so the default bound of 60,000 entries stays under 20 MB
(60,000 x ENTRY_BYTES_MAX = 19.2 MB) and still covers a full mempool (50,000 txs) of
single-signature txs. An evicted entry costs only a second verification, never a wrong
answer. A node also forgets a tx's entries once its block is committed (forget), so in
steady state the cache holds the pending txs' signatures and recent votes, not the last
60,000 txs of the chain (issue 20: it grew a node's memory by ~8 MB from 10^4 to 6 x 10^4
txs).

Pure apart from the lock it is given: the node shares one cache across its worker and
request threads and passes a threading.Lock; single-threaded users (the auditor, tests)
need none.
"""

from collections import OrderedDict
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager, nullcontext

from protocol.hashing import sha256
from protocol.signing import PUBLIC_KEY_SIZE, SIGNATURE_SIZE, VerifySignature, verify_signature

CACHE_ENTRIES_MAX = 60_000
"""Default bound: at most 19.2 MB of entries, see the module docstring."""

ENTRY_BYTES_MAX = 320
"""An upper bound on the peak memory of one entry, with margin; the unit test holds it."""


def signature_entry(public_key: bytes, message: bytes, signature: bytes) -> bytes:
    """The cache's entry of a triple whose key and signature have their sizes."""
    return sha256(public_key + signature + message)


def verified_entries(triples: Sequence[tuple[bytes, bytes, bytes]]) -> list[bytes]:
    """The entries of the triples verify_signature holds (key and signature of their sizes):
    what a process verifying for a cache in another process hands back for
    SignatureCache.remember (module level and plain data both ways, so it pickles)."""
    return [
        signature_entry(*triple)
        for triple in triples
        if len(triple[0]) == PUBLIC_KEY_SIZE
        and len(triple[2]) == SIGNATURE_SIZE
        and verify_signature(*triple)
    ]


class SignatureCache:
    """A bounded LRU set of verified (key, message, signature) triples."""

    def __init__(
        self,
        entries_max: int = CACHE_ENTRIES_MAX,
        *,
        verify: VerifySignature = verify_signature,
        lock: AbstractContextManager[object] | None = None,
    ) -> None:
        if entries_max < 1:
            raise ValueError("a signature cache holds at least one entry")
        self._verified: OrderedDict[bytes, None] = OrderedDict()
        self._entries_max = entries_max
        self._verify_uncached = verify
        self._lock: AbstractContextManager[object] = lock if lock is not None else nullcontext()
        self.hits = 0
        self.misses = 0

    @property
    def entries_max(self) -> int:
        return self._entries_max

    def __len__(self) -> int:
        return len(self._verified)

    def verify(self, public_key: bytes, message: bytes, signature: bytes) -> bool:
        """Same answer as the verify port it wraps, from the cache when possible."""
        if len(public_key) != PUBLIC_KEY_SIZE or len(signature) != SIGNATURE_SIZE:
            return self._verify_uncached(public_key, message, signature)
        entry = signature_entry(public_key, message, signature)
        with self._lock:
            if entry in self._verified:
                self._verified.move_to_end(entry)
                self.hits += 1
                return True
            self.misses += 1
        if not self._verify_uncached(public_key, message, signature):
            return False
        self.remember((entry,))
        return True

    def remember(self, entries: Iterable[bytes]) -> None:
        """Keep entries of triples verified elsewhere, as verify keeps the ones it verified:
        block sync verifies a block's tx signatures in a process of its own, which hands
        back verified_entries (node/sync_ahead.py). Only for entries verify_signature
        itself found valid: the cache answers True for them without verifying."""
        with self._lock:
            for entry in entries:
                self._verified[entry] = None
                self._verified.move_to_end(entry)
            while len(self._verified) > self._entries_max:
                self._verified.popitem(last=False)

    def forget(self, public_key: bytes, message: bytes, signature: bytes) -> None:
        """Drop the entry of a triple no step will ask about again (a committed tx's
        signatures: a node keeps entries for pending txs, not for the whole chain)."""
        entry = signature_entry(public_key, message, signature)
        with self._lock:
            self._verified.pop(entry, None)

    def clear(self) -> None:
        with self._lock:
            self._verified.clear()
