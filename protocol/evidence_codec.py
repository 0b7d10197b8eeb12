"""What every kind of evidence shares: its bytes and its hash, computed once. Pure.

The pool, the proposer, evidence_root, the block's bytes and check_evidence each ask for
them, so each evidence type computes them at construction (protocol/evidence.py,
protocol/lock_violation.py).
"""

from protocol.codec import JsonCodec
from protocol.encoding import JsonObject, encode
from protocol.hashing import TAG_EVIDENCE, Hash32, tagged_hash


class EvidenceCodec(JsonCodec):
    """A frozen evidence type: canonical_bytes() is the evidence_root leaf, hash() its id.

    Each subclass checks its votes or notes in __post_init__, then calls _cache_bytes. The
    two values live in slots outside the dataclass fields, so equality, replace() and the
    JSON form ignore them.
    """

    __slots__ = ("_canonical", "_hash")
    _canonical: bytes
    _hash: Hash32

    def _cache_bytes(self, hashed: JsonObject | None = None) -> None:
        """_canonical = JCS(self), _hash = H(TAG_EVIDENCE || JCS(hashed or self))."""
        canonical = encode(self.to_json())
        digest = canonical if hashed is None else encode(hashed)
        object.__setattr__(self, "_canonical", canonical)
        object.__setattr__(self, "_hash", tagged_hash(TAG_EVIDENCE, digest))

    def canonical_bytes(self) -> bytes:
        """JCS(evidence): the evidence_root leaf."""
        return self._canonical

    def hash(self) -> Hash32:
        """H(TAG_EVIDENCE || JCS(evidence)); a kind may hash less than it carries."""
        return self._hash
