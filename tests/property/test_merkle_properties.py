"""Merkle proofs for every index and size up to 256, and tampering rejected (hypothesis).

One MerkleLog of 256 distinct leaves serves every size. protocol/merkle.py is checked
against the naive recursive RFC 6962 reference in merkle_reference.py.
"""

from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from protocol.errors import ConsistencyProofError, InclusionProofError, RootMismatchError
from protocol.log import MemoryLogStore, MerkleLog
from protocol.merkle import (
    is_consistency_valid,
    is_inclusion_valid,
    root_from_leaf_hashes,
    verify_consistency,
    verify_inclusion,
)
from tests.property.merkle_reference import (
    reference_leaf_hash,
    reference_mth,
    reference_path,
    reference_path_shape,
    reference_proof,
    reference_proof_shape,
)

SIZE_MAX = 256
REFERENCE_SIZE_MAX = 64  # the reference rehashes whole subtrees per proof: keep it small
ENTRIES = [i.to_bytes(2, "big") for i in range(SIZE_MAX)]
LOG = MerkleLog(MemoryLogStore())
for _entry in ENTRIES:
    LOG.append(_entry)
ROOTS = [LOG.root(size) for size in range(SIZE_MAX + 1)]
LEAF_HASHES = [LOG.leaf_hash(index) for index in range(SIZE_MAX)]

sizes = st.integers(min_value=1, max_value=SIZE_MAX)


@st.composite
def index_and_size(draw: st.DrawFn) -> tuple[int, int]:
    size = draw(sizes)
    return draw(st.integers(min_value=0, max_value=size - 1)), size


@st.composite
def size_pair(draw: st.DrawFn) -> tuple[int, int]:
    size2 = draw(sizes)
    return draw(st.integers(min_value=1, max_value=size2)), size2


def flip_bit(value: bytes, bit: int) -> bytes:
    position = bit % (8 * len(value))
    flipped = bytearray(value)
    flipped[position >> 3] ^= 1 << (position & 7)
    return bytes(flipped)


def test_every_root_matches_the_reference_and_the_flat_tree() -> None:
    for size in range(SIZE_MAX + 1):
        assert ROOTS[size] == root_from_leaf_hashes(LEAF_HASHES[:size])
    for size in range(REFERENCE_SIZE_MAX + 1):
        assert ROOTS[size] == reference_mth(ENTRIES[:size])
    assert ROOTS[SIZE_MAX] == reference_mth(ENTRIES)
    assert [reference_leaf_hash(entry) for entry in ENTRIES] == LEAF_HASHES


def test_every_inclusion_proof_up_to_256_verifies() -> None:
    checked = 0
    for size in range(1, SIZE_MAX + 1):
        for index in range(size):
            proof = LOG.inclusion_proof(index, size)
            verify_inclusion(index, size, LEAF_HASHES[index], proof, ROOTS[size])
            checked += 1
    assert checked == SIZE_MAX * (SIZE_MAX + 1) // 2


def test_every_consistency_proof_up_to_256_verifies() -> None:
    checked = 0
    for size2 in range(1, SIZE_MAX + 1):
        for size1 in range(1, size2 + 1):
            proof = LOG.consistency_proof(size1, size2)
            verify_consistency(size1, size2, ROOTS[size1], ROOTS[size2], proof)
            checked += 1
    assert checked == SIZE_MAX * (SIZE_MAX + 1) // 2


def test_every_proof_up_to_64_equals_the_reference() -> None:
    for size in range(1, REFERENCE_SIZE_MAX + 1):
        entries = ENTRIES[:size]
        for index in range(size):
            assert list(LOG.inclusion_proof(index, size)) == reference_path(index, entries)
            assert list(LOG.consistency_proof(index + 1, size)) == reference_proof(
                index + 1, entries
            )


@settings(max_examples=150, deadline=None)
@given(index_and_size())
def test_inclusion_proof_equals_the_reference(case: tuple[int, int]) -> None:
    index, size = case
    assert list(LOG.inclusion_proof(index, size)) == reference_path(index, ENTRIES[:size])


@settings(max_examples=150, deadline=None)
@given(size_pair())
def test_consistency_proof_equals_the_reference(case: tuple[int, int]) -> None:
    size1, size2 = case
    assert list(LOG.consistency_proof(size1, size2)) == reference_proof(size1, ENTRIES[:size2])


Flip = tuple[int, int]
FLIPS = st.tuples(st.integers(min_value=0), st.integers(min_value=0))
"""(which hash, which bit): reduced modulo the number of hashes and of bits."""


def flip_one(hashes: Sequence[bytes], flip: Flip) -> list[bytes]:
    """hashes with one bit flipped in the one hash that flip picks."""
    which, bit = flip
    target = which % len(hashes)
    return [flip_bit(h, bit) if i == target else h for i, h in enumerate(hashes)]


@settings(max_examples=300, deadline=None)
@given(index_and_size(), FLIPS)
def test_inclusion_rejects_a_flipped_bit_anywhere(case: tuple[int, int], flip: Flip) -> None:
    index, size = case
    hashes = [*LOG.inclusion_proof(index, size), LEAF_HASHES[index], ROOTS[size]]
    *proof, leaf, root = flip_one(hashes, flip)  # one of them altered
    with pytest.raises(RootMismatchError):
        verify_inclusion(index, size, leaf, proof, root)


@settings(max_examples=300, deadline=None)
@given(size_pair(), FLIPS)
def test_consistency_rejects_a_flipped_bit_anywhere(case: tuple[int, int], flip: Flip) -> None:
    size1, size2 = case
    hashes = [*LOG.consistency_proof(size1, size2), ROOTS[size1], ROOTS[size2]]
    *proof, root1, root2 = flip_one(hashes, flip)
    with pytest.raises(RootMismatchError):
        verify_consistency(size1, size2, root1, root2, proof)


@settings(max_examples=300, deadline=None)
@given(index_and_size(), st.integers(min_value=0, max_value=2 * SIZE_MAX))
def test_inclusion_rejects_a_wrong_index(case: tuple[int, int], wrong_index: int) -> None:
    index, size = case
    if wrong_index == index:
        wrong_index = index + 1
    proof = LOG.inclusion_proof(index, size)
    with pytest.raises((InclusionProofError, RootMismatchError)):
        verify_inclusion(wrong_index, size, LEAF_HASHES[index], proof, ROOTS[size])


@settings(max_examples=300, deadline=None)
@given(index_and_size(), st.integers(min_value=0, max_value=2 * SIZE_MAX))
def test_inclusion_rejects_a_wrong_size_of_another_shape(
    case: tuple[int, int], wrong_size: int
) -> None:
    index, size = case
    if wrong_size == size:
        wrong_size = size + 1
    proof = LOG.inclusion_proof(index, size)
    accepted = is_inclusion_valid(index, wrong_size, LEAF_HASHES[index], proof, ROOTS[size])
    # An RFC 9162 root does not commit to its size: a size whose path has the same shape
    # combines the same hashes the same way. Checkpoints sign (size, root) together.
    same_shape = index < wrong_size and (
        reference_path_shape(index, wrong_size) == reference_path_shape(index, size)
    )
    assert accepted == same_shape


@settings(max_examples=300, deadline=None)
@given(size_pair(), st.integers(min_value=0, max_value=2 * SIZE_MAX), st.booleans())
def test_consistency_rejects_a_wrong_size_of_another_shape(
    case: tuple[int, int], wrong: int, change_size1: bool
) -> None:
    size1, size2 = case
    proof = LOG.consistency_proof(size1, size2)
    claimed1, claimed2 = (wrong, size2) if change_size1 else (size1, wrong)
    if (claimed1, claimed2) == (size1, size2):
        return
    accepted = is_consistency_valid(claimed1, claimed2, ROOTS[size1], ROOTS[size2], proof)
    same_shape = 0 < claimed1 <= claimed2 and (
        reference_proof_shape(claimed1, claimed2) == reference_proof_shape(size1, size2)
    )
    assert accepted == same_shape
    if change_size1:
        assert not accepted  # the old size is pinned by the proof's shape within size2


def test_wrong_size_checks_can_see_both_outcomes() -> None:
    # Guards the two tests above against a shape helper that always or never matches.
    assert reference_path_shape(3, 11) == reference_path_shape(3, 12)
    assert reference_path_shape(3, 11) != reference_path_shape(3, 17)
    assert is_inclusion_valid(3, 12, LEAF_HASHES[3], LOG.inclusion_proof(3, 11), ROOTS[11])
    assert reference_proof_shape(3, 11) == reference_proof_shape(3, 12)
    assert is_consistency_valid(3, 12, ROOTS[3], ROOTS[11], LOG.consistency_proof(3, 11))
    assert not is_consistency_valid(3, 17, ROOTS[3], ROOTS[11], LOG.consistency_proof(3, 11))


def test_consistency_rejects_size_zero_and_reversed_sizes() -> None:
    with pytest.raises(ConsistencyProofError):
        verify_consistency(0, 5, ROOTS[0], ROOTS[5], LOG.consistency_proof(1, 5))
    with pytest.raises(ConsistencyProofError):
        verify_consistency(5, 4, ROOTS[5], ROOTS[4], LOG.consistency_proof(4, 5))
