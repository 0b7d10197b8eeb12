"""Wire forms of RFC 9162 proofs, as nodes serve them and receipts carry them. Pure.

The proof hashes are computed and verified in protocol/merkle.py; this module only gives
them a strict JSON shape (docs/PROTOCOL.md §6).
"""

from dataclasses import dataclass
from typing import Annotated

from protocol.codec import HASH, JsonCodec, items
from protocol.hashing import Hash32
from protocol.merkle import verify_consistency, verify_inclusion

PROOF_HASHES_MAX = 64
"""An RFC 9162 proof for fewer than 2**53 leaves has at most 2 * 53 hashes; 64 bounds ours."""
ProofHashes = Annotated[tuple[Hash32, ...], items(HASH, max_items=2 * PROOF_HASHES_MAX)]


@dataclass(frozen=True, slots=True, kw_only=True)
class InclusionProof(JsonCodec, what="inclusion proof"):
    """Leaf leaf_index is in the tree of tree_size leaves (RFC 9162 §2.1.3)."""

    leaf_index: int
    tree_size: int
    hashes: ProofHashes

    def verify(self, leaf_hash: bytes, root: bytes) -> None:
        """Raise InclusionProofError or RootMismatchError unless the proof holds."""
        verify_inclusion(self.leaf_index, self.tree_size, leaf_hash, self.hashes, root)


@dataclass(frozen=True, slots=True, kw_only=True)
class ConsistencyProof(JsonCodec, what="consistency proof"):
    """The tree of size2 leaves extends the tree of size1 leaves (RFC 9162 §2.1.4)."""

    size1: int
    size2: int
    hashes: ProofHashes

    def verify(self, root1: bytes, root2: bytes) -> None:
        """Raise ConsistencyProofError or RootMismatchError unless the proof holds."""
        verify_consistency(self.size1, self.size2, root1, root2, self.hashes)
