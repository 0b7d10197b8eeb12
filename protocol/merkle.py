"""RFC 9162 §2.1 Merkle trees: tree hash, inclusion and consistency proofs. Pure: no I/O.

Proof generation works over a subtree-hash function (MTH of a leaf range), so the same code
serves an in-memory list of leaves and the persisted history log (protocol/log.py).
Verification follows the iterative algorithms of RFC 9162 §2.1.3.2 and §2.1.4.2.
"""

from collections.abc import Callable, Sequence
from typing import Final

from protocol.errors import (
    ConsistencyProofError,
    InclusionProofError,
    ProofError,
    RootMismatchError,
)
from protocol.hashing import HASH_SIZE, Hash32, sha256

LEAF_PREFIX: Final = b"\x00"
"""RFC 9162 §2.1.1: a leaf hash is SHA-256(0x00 || data)."""
NODE_PREFIX: Final = b"\x01"
"""RFC 9162 §2.1.1: an interior node hash is SHA-256(0x01 || left || right)."""
EMPTY_ROOT: Final = sha256(b"")
"""RFC 9162 §2.1.1: the hash of the empty tree is SHA-256 of the empty string."""

SubtreeHash = Callable[[int, int], Hash32]
"""subtree_hash(start, end) = MTH(D[start:end]); called only with 0 <= start < end."""


def hash_leaf(data: bytes) -> Hash32:
    """The RFC 9162 leaf hash of one entry's bytes."""
    return sha256(LEAF_PREFIX + data)


def hash_children(left: bytes, right: bytes) -> Hash32:
    """The RFC 9162 interior node hash. Requires 32-byte left and right hashes."""
    return sha256(NODE_PREFIX + left + right)


def split_point(size: int) -> int:
    """k of RFC 9162 §2.1.1: the largest power of two smaller than size. Requires size >= 2."""
    assert size >= 2, size
    return 1 << ((size - 1).bit_length() - 1)


def root_from_leaf_hashes(leaf_hashes: Sequence[bytes]) -> Hash32:
    """MTH over leaf hashes (RFC 9162 §2.1.1); EMPTY_ROOT for no leaves."""
    if not leaf_hashes:
        return EMPTY_ROOT
    # Pairing level by level and carrying a lone last node up unchanged builds exactly the
    # left-balanced tree of §2.1.1: every left subtree is the largest perfect power of two.
    level = list(leaf_hashes)
    while len(level) > 1:
        paired: list[bytes] = [
            hash_children(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)
        ]
        if len(level) & 1:
            paired.append(level[-1])
        level = paired
    return Hash32(level[0])


def subtree_hash_over(leaf_hashes: Sequence[bytes]) -> SubtreeHash:
    """A SubtreeHash over an in-memory list of leaf hashes (a block's txs or results)."""
    return lambda start, end: root_from_leaf_hashes(leaf_hashes[start:end])


def inclusion_proof(index: int, size: int, subtree_hash: SubtreeHash) -> tuple[Hash32, ...]:
    """PATH(index, D[0:size]) of RFC 9162 §2.1.3.1, leaf side first. Requires 0 <= index < size."""
    if not 0 <= index < size:
        raise ValueError(f"an inclusion proof requires 0 <= index < size, got {index}, {size}")
    # Walk from the root down to the leaf; each step records the sibling subtree the RFC
    # recursion appends after its recursive call, so the list is reversed at the end.
    siblings: list[tuple[int, int]] = []
    start, end = 0, size
    while end - start > 1:
        k = split_point(end - start)
        if index < start + k:
            siblings.append((start + k, end))
            end = start + k
        else:
            siblings.append((start, start + k))
            start += k
    return tuple(subtree_hash(a, b) for a, b in reversed(siblings))


def consistency_proof(size1: int, size2: int, subtree_hash: SubtreeHash) -> tuple[Hash32, ...]:
    """PROOF(size1, D[0:size2]) of RFC 9162 §2.1.4.1. Requires 0 < size1 <= size2."""
    if not 0 < size1 <= size2:
        raise ValueError(f"a consistency proof requires 0 < size1 <= size2, got {size1}, {size2}")
    # Iterative SUBPROOF(m, D[start:end], b): m counts old leaves inside [start, end), and
    # b stays true while the walk has only gone left, i.e. [start, end) starts at leaf 0.
    siblings: list[tuple[int, int]] = []
    start, end, m, from_left_edge = 0, size2, size1, True
    while m != end - start:
        k = split_point(end - start)
        if m <= k:
            siblings.append((start + k, end))
            end = start + k
        else:
            siblings.append((start, start + k))
            start, m, from_left_edge = start + k, m - k, False
    # SUBPROOF with m == n returns MTH(D[n]) unless it is the whole old tree (b true).
    ranges = ([] if from_left_edge else [(start, end)]) + siblings[::-1]
    return tuple(subtree_hash(a, b) for a, b in ranges)


def _require_hash_size(value: bytes, what: str, error: type[ProofError]) -> None:
    # RFC 9162 §2.1: every node hash is the 32-byte output of SHA-256; anything else can
    # only be garbage, so it is rejected before any hashing.
    if len(value) != HASH_SIZE:
        raise error(f"{what} has {len(value)} bytes, not {HASH_SIZE}")


def root_from_inclusion_proof(
    index: int, size: int, leaf_hash: bytes, proof: Sequence[bytes]
) -> Hash32:
    """The root an inclusion proof implies (RFC 9162 §2.1.3.2 steps 1-4).

    Raises InclusionProofError unless 0 <= index < size and the proof has exactly the
    length and 32-byte hashes that index and size call for.
    """
    if not 0 <= index < size:
        raise InclusionProofError(f"leaf index {index} is not below tree size {size}")
    _require_hash_size(leaf_hash, "leaf hash", InclusionProofError)
    fn, sn, r = index, size - 1, leaf_hash
    for position, p in enumerate(proof):
        _require_hash_size(p, f"proof[{position}]", InclusionProofError)
        if sn == 0:
            raise InclusionProofError(f"proof has {len(proof)} hashes, more than size needs")
        if fn & 1 or fn == sn:
            r = hash_children(p, r)
            # A right-edge node with no right sibling is carried up levels unchanged.
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = hash_children(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise InclusionProofError(f"proof has {len(proof)} hashes, fewer than size needs")
    return Hash32(r)


def verify_inclusion(
    index: int, size: int, leaf_hash: bytes, proof: Sequence[bytes], root: bytes
) -> None:
    """Check that leaf_hash is leaf `index` of the tree (size, root), per RFC 9162 §2.1.3.2.

    Raises InclusionProofError for a malformed proof, RootMismatchError for a wrong root.
    """
    _require_hash_size(root, "root", InclusionProofError)
    computed = root_from_inclusion_proof(index, size, leaf_hash, proof)
    if computed != root:
        raise RootMismatchError(root, computed)


def is_inclusion_valid(
    index: int, size: int, leaf_hash: bytes, proof: Sequence[bytes], root: bytes
) -> bool:
    """True when verify_inclusion accepts; never raises for a bad proof."""
    try:
        verify_inclusion(index, size, leaf_hash, proof, root)
    except (InclusionProofError, RootMismatchError):
        return False
    return True


def roots_from_consistency_proof(
    size1: int, size2: int, root1: bytes, proof: Sequence[bytes]
) -> tuple[Hash32, Hash32]:
    """(fr, sr), the old and new roots a consistency proof implies (RFC 9162 §2.1.4.2 steps
    1-6). Raises ConsistencyProofError unless 0 < size1 < size2 and the proof has exactly
    the length and 32-byte hashes those sizes call for."""
    if not 0 < size1 < size2:
        raise ConsistencyProofError(f"sizes must satisfy 0 < size1 < size2, got {size1}, {size2}")
    _require_hash_size(root1, "root1", ConsistencyProofError)
    for position, c in enumerate(proof):
        _require_hash_size(c, f"proof[{position}]", ConsistencyProofError)
    if not proof:
        raise ConsistencyProofError(f"sizes {size1} < {size2} need a non-empty proof")
    # Step 2: when size1 is a power of two the old root is itself a node of the new tree
    # and the proof omits it, so the verifier supplies it.
    path = [root1, *proof] if size1 & (size1 - 1) == 0 else list(proof)
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ConsistencyProofError(f"proof has {len(proof)} hashes, more than sizes need")
        if fn & 1 or fn == sn:
            fr, sr = hash_children(c, fr), hash_children(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = hash_children(sr, c)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ConsistencyProofError(f"proof has {len(proof)} hashes, fewer than sizes need")
    return Hash32(fr), Hash32(sr)


def verify_consistency(
    size1: int, size2: int, root1: bytes, root2: bytes, proof: Sequence[bytes]
) -> None:
    """Check that tree (size2, root2) extends tree (size1, root1), per RFC 9162 §2.1.4.2.

    Raises ConsistencyProofError for bad sizes or a malformed proof (size1 == 0 is always
    rejected), RootMismatchError when a recomputed root differs.
    """
    _require_hash_size(root1, "root1", ConsistencyProofError)
    _require_hash_size(root2, "root2", ConsistencyProofError)
    # Edge rules of RFC 9162 §2.1.4: a proof from the empty tree proves nothing (every tree
    # extends it), a tree only extends a smaller one, and equal sizes need equal roots.
    if size1 <= 0:
        raise ConsistencyProofError(f"no consistency proof from size {size1}; size1 must be > 0")
    if size1 > size2:
        raise ConsistencyProofError(f"size1 {size1} is greater than size2 {size2}")
    if size1 == size2:
        if proof:
            raise ConsistencyProofError(f"equal sizes need an empty proof, not {len(proof)} hashes")
        # The empty proof "recomputes" root2 as root1.
        if root1 != root2:
            raise RootMismatchError(root2, root1)
        return
    first, second = roots_from_consistency_proof(size1, size2, root1, proof)
    if first != root1:
        raise RootMismatchError(root1, first)
    if second != root2:
        raise RootMismatchError(root2, second)


def is_consistency_valid(
    size1: int, size2: int, root1: bytes, root2: bytes, proof: Sequence[bytes]
) -> bool:
    """True when verify_consistency accepts; never raises for a bad proof."""
    try:
        verify_consistency(size1, size2, root1, root2, proof)
    except (ConsistencyProofError, RootMismatchError):
        return False
    return True
