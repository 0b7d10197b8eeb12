"""Wire forms of RFC 9162 proofs, as nodes serve them and receipts carry them. Pure.

The proof hashes are computed and verified in protocol/merkle.py; this module only gives
them a strict JSON shape (docs/PROTOCOL.md §6).
"""

from dataclasses import dataclass

from protocol.encoding import JsonObject
from protocol.fields import expect_object, parse_hex, read_int, read_list
from protocol.hashing import HASH_SIZE, Hash32
from protocol.merkle import verify_consistency, verify_inclusion

PROOF_HASHES_MAX = 64
"""An RFC 9162 proof for fewer than 2**53 leaves has at most 2 * 53 hashes; 64 bounds ours."""


def _read_hashes(obj: JsonObject) -> tuple[Hash32, ...]:
    items = read_list(obj, "hashes", max_items=2 * PROOF_HASHES_MAX)
    return tuple(Hash32(parse_hex(h, "hashes[]", size=HASH_SIZE)) for h in items)


@dataclass(frozen=True, slots=True, kw_only=True)
class InclusionProof:
    """Leaf leaf_index is in the tree of tree_size leaves (RFC 9162 §2.1.3)."""

    leaf_index: int
    tree_size: int
    hashes: tuple[Hash32, ...]

    def to_json(self) -> JsonObject:
        return {
            "leaf_index": self.leaf_index,
            "tree_size": self.tree_size,
            "hashes": [h.hex() for h in self.hashes],
        }

    @classmethod
    def from_json(cls, value: object) -> "InclusionProof":
        obj = expect_object(value, "inclusion proof", ("leaf_index", "tree_size", "hashes"))
        return cls(
            leaf_index=read_int(obj, "leaf_index"),
            tree_size=read_int(obj, "tree_size"),
            hashes=_read_hashes(obj),
        )

    def verify(self, leaf_hash: bytes, root: bytes) -> None:
        """Raise InclusionProofError or RootMismatchError unless the proof holds."""
        verify_inclusion(self.leaf_index, self.tree_size, leaf_hash, self.hashes, root)


@dataclass(frozen=True, slots=True, kw_only=True)
class ConsistencyProof:
    """The tree of size2 leaves extends the tree of size1 leaves (RFC 9162 §2.1.4)."""

    size1: int
    size2: int
    hashes: tuple[Hash32, ...]

    def to_json(self) -> JsonObject:
        return {
            "size1": self.size1,
            "size2": self.size2,
            "hashes": [h.hex() for h in self.hashes],
        }

    @classmethod
    def from_json(cls, value: object) -> "ConsistencyProof":
        obj = expect_object(value, "consistency proof", ("size1", "size2", "hashes"))
        return cls(
            size1=read_int(obj, "size1"),
            size2=read_int(obj, "size2"),
            hashes=_read_hashes(obj),
        )

    def verify(self, root1: bytes, root2: bytes) -> None:
        """Raise ConsistencyProofError or RootMismatchError unless the proof holds."""
        verify_consistency(self.size1, self.size2, root1, root2, self.hashes)
