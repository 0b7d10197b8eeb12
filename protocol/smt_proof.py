"""Sparse Merkle tree hashing and proofs (DESIGN.md §3, protocol v1). Pure: no I/O.

What an auditor needs to check a state record against a header's state_root: the leaf and
node hashes, the proof type and its verification. The tree that produces proofs is in
protocol/smt.py; this module does not depend on it.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Final

from protocol.codec import HASH, JsonCodec, items
from protocol.errors import RootMismatchError, SmtProofError
from protocol.hashing import HASH_SIZE, ZERO_HASH, Hash32, sha256

SMT_DEPTH: Final = 256
"""Bits in a key hash: no path is longer, and two distinct key hashes differ before it."""

LEAF_PREFIX: Final = b"\x02"
NODE_PREFIX: Final = b"\x03"

EMPTY_HASH: Final = ZERO_HASH
"""The hash of an empty subtree at any depth, and the root of an empty tree."""


def hash_leaf(key_hash: bytes, value_hash: bytes) -> Hash32:
    """SHA-256(0x02 || key_hash || value_hash): a leaf's hash at any depth (collapse rule)."""
    return sha256(LEAF_PREFIX + key_hash + value_hash)


def hash_node(left: bytes, right: bytes) -> Hash32:
    """SHA-256(0x03 || left || right): an interior node over two child hashes."""
    return sha256(NODE_PREFIX + left + right)


def path_bit(key_hash: bytes, depth: int) -> int:
    """Bit `depth` of the path, most significant bit first: 0 = left, 1 = right.

    Requires 0 <= depth < 8 * len(key_hash).
    """
    return (key_hash[depth >> 3] >> (7 - (depth & 7))) & 1


def shared_prefix_bits(first: bytes, second: bytes) -> int:
    """How many leading path bits two equal-length hashes share (their length in bits if equal)."""
    for index, (byte_a, byte_b) in enumerate(zip(first, second, strict=True)):
        if byte_a != byte_b:
            # bit_length of the XOR finds the highest differing bit within the byte.
            return 8 * index + 8 - (byte_a ^ byte_b).bit_length()
    return 8 * len(first)


@dataclass(frozen=True, slots=True, kw_only=True)
class SmtLeaf(JsonCodec, what="smt leaf"):
    """A leaf as a proof carries it: enough to recompute its hash."""

    key_hash: Hash32
    """SHA-256 of the state key's UTF-8 bytes; its bits are the leaf's path."""
    value_hash: Hash32
    """SHA-256 of the record's canonical JSON bytes."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SmtProof(JsonCodec, what="smt proof"):
    """The path from a root to where a key's leaf is, or would be."""

    siblings: Annotated[tuple[Hash32, ...], items(HASH, max_items=SMT_DEPTH)]
    """Sibling hashes from the root downward (depth 0 first), EMPTY_HASH included."""
    leaf: SmtLeaf | None
    """The leaf at the end of the path: the key's own (inclusion), another key's
    (non-inclusion), or None when the path ends at an empty subtree (non-inclusion)."""


def root_from_proof(key_hash: bytes, bottom_hash: bytes, siblings: Sequence[bytes]) -> Hash32:
    """Fold siblings from the deepest up onto bottom_hash along key_hash's path.

    Raises SmtProofError unless len(siblings) <= 256 and every hash is 32 bytes.
    """
    if len(siblings) > SMT_DEPTH:
        raise SmtProofError(f"{len(siblings)} siblings, more than {SMT_DEPTH}")
    if len(key_hash) != HASH_SIZE or len(bottom_hash) != HASH_SIZE:
        raise SmtProofError("key hash and bottom hash must be 32 bytes")
    current = bottom_hash
    for depth in range(len(siblings) - 1, -1, -1):
        sibling = siblings[depth]
        if len(sibling) != HASH_SIZE:
            raise SmtProofError(f"sibling at depth {depth} is {len(sibling)} bytes, not 32")
        if path_bit(key_hash, depth):
            current = hash_node(sibling, current)
        else:
            current = hash_node(current, sibling)
    return Hash32(current)


def verify_inclusion(root: bytes, key: bytes, value: bytes, proof: SmtProof) -> None:
    """Check that key maps to value (canonical JSON bytes) in the tree with this root.

    Raises SmtProofError for a malformed or mismatched proof, RootMismatchError otherwise.
    """
    key_hash = sha256(key)
    leaf = proof.leaf
    if leaf is None or leaf.key_hash != key_hash:
        raise SmtProofError("inclusion proof does not end at the key's own leaf")
    if leaf.value_hash != sha256(value):
        raise SmtProofError("inclusion proof leaf holds a different value hash")
    _check_root(
        root, root_from_proof(key_hash, hash_leaf(key_hash, leaf.value_hash), proof.siblings)
    )


def verify_non_inclusion(root: bytes, key: bytes, proof: SmtProof) -> None:
    """Check that key has no leaf in the tree with this root.

    Raises SmtProofError for a malformed or mismatched proof, RootMismatchError otherwise.
    """
    key_hash = sha256(key)
    leaf = proof.leaf
    if leaf is None:
        bottom_hash = EMPTY_HASH
    else:
        if len(leaf.key_hash) != HASH_SIZE or len(leaf.value_hash) != HASH_SIZE:
            raise SmtProofError("proof leaf hashes must be 32 bytes")
        if leaf.key_hash == key_hash:
            raise SmtProofError("non-inclusion proof ends at the key's own leaf")
        # The other leaf must sit on the queried path, or it proves nothing about this key.
        if shared_prefix_bits(leaf.key_hash, key_hash) < len(proof.siblings):
            raise SmtProofError("proof leaf is not on the queried key's path")
        bottom_hash = hash_leaf(leaf.key_hash, leaf.value_hash)
    _check_root(root, root_from_proof(key_hash, bottom_hash, proof.siblings))


def _check_root(expected_root: bytes, computed_root: bytes) -> None:
    if expected_root != computed_root:
        raise RootMismatchError(expected_root, computed_root)
