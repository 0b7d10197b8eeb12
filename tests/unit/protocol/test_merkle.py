"""protocol/merkle.py: hashing, proof generation edge cases and RFC 9162 verification rules."""

import hashlib

import pytest

from protocol.errors import ConsistencyProofError, InclusionProofError, RootMismatchError
from protocol.merkle import (
    EMPTY_ROOT,
    consistency_proof,
    hash_children,
    hash_leaf,
    inclusion_proof,
    is_consistency_valid,
    is_inclusion_valid,
    root_from_inclusion_proof,
    root_from_leaf_hashes,
    roots_from_consistency_proof,
    split_point,
    subtree_hash_over,
    verify_consistency,
    verify_inclusion,
)

LEAF_HASHES = [hash_leaf(bytes([i])) for i in range(7)]
SUBTREE = subtree_hash_over(LEAF_HASHES)


def root(size: int) -> bytes:
    return root_from_leaf_hashes(LEAF_HASHES[:size])


def test_hashes_use_rfc_9162_prefixes() -> None:
    assert hash_leaf(b"abc") == hashlib.sha256(b"\x00abc").digest()
    left, right = bytes(32), bytes([1]) * 32
    assert hash_children(left, right) == hashlib.sha256(b"\x01" + left + right).digest()
    assert hashlib.sha256(b"").digest() == EMPTY_ROOT
    assert EMPTY_ROOT.hex().startswith("e3b0c442")


@pytest.mark.parametrize(
    ("size", "k"), [(2, 1), (3, 2), (4, 2), (5, 4), (8, 4), (9, 8), (2**40 + 1, 2**40)]
)
def test_split_point_is_largest_power_of_two_below(size: int, k: int) -> None:
    assert split_point(size) == k


def test_roots_of_small_trees() -> None:
    a, b, c = LEAF_HASHES[:3]
    assert root(0) == EMPTY_ROOT
    assert root(1) == a
    assert root(2) == hash_children(a, b)
    assert root(3) == hash_children(hash_children(a, b), c)


def test_size_one_tree_has_empty_proof_and_root_equal_to_leaf() -> None:
    assert inclusion_proof(0, 1, SUBTREE) == ()
    verify_inclusion(0, 1, LEAF_HASHES[0], [], LEAF_HASHES[0])
    assert consistency_proof(1, 1, SUBTREE) == ()


def test_generation_rejects_out_of_range_arguments() -> None:
    with pytest.raises(ValueError, match="index < size"):
        inclusion_proof(3, 3, SUBTREE)
    with pytest.raises(ValueError, match="index < size"):
        inclusion_proof(-1, 3, SUBTREE)
    with pytest.raises(ValueError, match="index < size"):
        inclusion_proof(0, 0, SUBTREE)
    with pytest.raises(ValueError, match="0 < size1"):
        consistency_proof(0, 3, SUBTREE)
    with pytest.raises(ValueError, match="size1 <= size2"):
        consistency_proof(4, 3, SUBTREE)


def test_inclusion_rejects_index_equal_to_size() -> None:
    proof = inclusion_proof(2, 3, SUBTREE)
    with pytest.raises(InclusionProofError, match="not below tree size"):
        verify_inclusion(3, 3, LEAF_HASHES[2], proof, root(3))


def test_inclusion_rejects_size_zero() -> None:
    with pytest.raises(InclusionProofError, match="not below tree size 0"):
        verify_inclusion(0, 0, LEAF_HASHES[0], [], EMPTY_ROOT)


def test_inclusion_rejects_negative_index() -> None:
    with pytest.raises(InclusionProofError):
        root_from_inclusion_proof(-1, 3, LEAF_HASHES[0], inclusion_proof(0, 3, SUBTREE))


@pytest.mark.parametrize("length", [0, 31, 33])
def test_inclusion_rejects_wrong_hash_lengths(length: int) -> None:
    proof = list(inclusion_proof(1, 5, SUBTREE))
    good_root, leaf = root(5), LEAF_HASHES[1]
    bad = bytes(length)
    with pytest.raises(InclusionProofError, match=f"leaf hash has {length} bytes"):
        verify_inclusion(1, 5, bad, proof, good_root)
    with pytest.raises(InclusionProofError, match=f"root has {length} bytes"):
        verify_inclusion(1, 5, leaf, proof, bad)
    with pytest.raises(InclusionProofError, match=rf"proof\[1\] has {length} bytes"):
        verify_inclusion(1, 5, leaf, [proof[0], bad, *proof[2:]], good_root)


def test_inclusion_rejects_too_long_and_too_short_proofs() -> None:
    proof = list(inclusion_proof(1, 5, SUBTREE))
    with pytest.raises(InclusionProofError, match="more than size needs"):
        verify_inclusion(1, 5, LEAF_HASHES[1], [*proof, proof[0]], root(5))
    with pytest.raises(InclusionProofError, match="fewer than size needs"):
        verify_inclusion(1, 5, LEAF_HASHES[1], proof[:-1], root(5))


def test_inclusion_root_mismatch_carries_both_roots() -> None:
    proof = inclusion_proof(4, 7, SUBTREE)
    wrong_root = root(6)
    with pytest.raises(RootMismatchError) as caught:
        verify_inclusion(4, 7, LEAF_HASHES[4], proof, wrong_root)
    assert caught.value.expected_root == wrong_root
    assert caught.value.computed_root == root(7)


def test_root_from_inclusion_proof_recomputes_root() -> None:
    for size in range(1, 8):
        for index in range(size):
            proof = inclusion_proof(index, size, SUBTREE)
            assert root_from_inclusion_proof(index, size, LEAF_HASHES[index], proof) == root(size)


def test_boolean_wrappers() -> None:
    proof = inclusion_proof(2, 6, SUBTREE)
    assert is_inclusion_valid(2, 6, LEAF_HASHES[2], proof, root(6))
    assert not is_inclusion_valid(3, 6, LEAF_HASHES[2], proof, root(6))
    assert not is_inclusion_valid(2, 6, LEAF_HASHES[2], proof, bytes(31))
    consistency = consistency_proof(3, 6, SUBTREE)
    assert is_consistency_valid(3, 6, root(3), root(6), consistency)
    assert not is_consistency_valid(3, 6, root(3), root(5), consistency)
    assert not is_consistency_valid(0, 6, EMPTY_ROOT, root(6), consistency)


def test_consistency_from_size_zero_is_rejected() -> None:
    with pytest.raises(ConsistencyProofError, match="no consistency proof from size 0"):
        verify_consistency(0, 3, EMPTY_ROOT, root(3), [root(3)])
    with pytest.raises(ConsistencyProofError, match="no consistency proof from size 0"):
        verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])


def test_consistency_rejects_size1_greater_than_size2() -> None:
    with pytest.raises(ConsistencyProofError, match="greater than size2"):
        verify_consistency(4, 3, root(4), root(3), [])


def test_consistency_equal_sizes_need_empty_proof_and_equal_roots() -> None:
    verify_consistency(5, 5, root(5), root(5), [])
    with pytest.raises(ConsistencyProofError, match="empty proof"):
        verify_consistency(5, 5, root(5), root(5), [root(5)])
    with pytest.raises(RootMismatchError) as caught:
        verify_consistency(5, 5, root(5), root(4), [])
    assert caught.value.expected_root == root(4)
    assert caught.value.computed_root == root(5)


def test_consistency_rejects_empty_proof_for_growing_tree() -> None:
    with pytest.raises(ConsistencyProofError, match="non-empty proof"):
        verify_consistency(2, 4, root(2), root(4), [])


@pytest.mark.parametrize("length", [0, 31, 33])
def test_consistency_rejects_wrong_hash_lengths(length: int) -> None:
    proof = list(consistency_proof(3, 7, SUBTREE))
    bad = bytes(length)
    with pytest.raises(ConsistencyProofError, match=f"root1 has {length} bytes"):
        verify_consistency(3, 7, bad, root(7), proof)
    with pytest.raises(ConsistencyProofError, match=f"root2 has {length} bytes"):
        verify_consistency(3, 7, root(3), bad, proof)
    with pytest.raises(ConsistencyProofError, match=rf"proof\[0\] has {length} bytes"):
        verify_consistency(3, 7, root(3), root(7), [bad, *proof[1:]])


def test_consistency_rejects_too_long_and_too_short_proofs() -> None:
    proof = list(consistency_proof(3, 7, SUBTREE))
    with pytest.raises(ConsistencyProofError, match="more than sizes need"):
        verify_consistency(3, 7, root(3), root(7), [*proof, proof[0]])
    with pytest.raises(ConsistencyProofError, match="fewer than sizes need"):
        verify_consistency(3, 7, root(3), root(7), proof[:-1])


def test_consistency_mismatch_names_the_root_that_differs() -> None:
    proof = consistency_proof(3, 7, SUBTREE)
    with pytest.raises(RootMismatchError) as first:
        verify_consistency(3, 7, root(2), root(7), proof)
    assert (first.value.expected_root, first.value.computed_root) == (root(2), root(3))
    with pytest.raises(RootMismatchError) as second:
        verify_consistency(3, 7, root(3), root(6), proof)
    assert (second.value.expected_root, second.value.computed_root) == (root(6), root(7))


def test_power_of_two_old_size_omits_old_root_from_proof() -> None:
    proof = consistency_proof(4, 7, SUBTREE)
    assert root(4) not in proof
    assert roots_from_consistency_proof(4, 7, root(4), proof) == (root(4), root(7))


def test_roots_from_consistency_proof_rejects_bad_input_with_typed_errors() -> None:
    with pytest.raises(ConsistencyProofError, match="non-empty proof"):
        roots_from_consistency_proof(3, 5, root(3), [])
    with pytest.raises(ConsistencyProofError, match="0 < size1 < size2"):
        roots_from_consistency_proof(5, 5, root(5), [])
    with pytest.raises(ConsistencyProofError, match="0 < size1 < size2"):
        roots_from_consistency_proof(0, 5, EMPTY_ROOT, [root(5)])
    with pytest.raises(ConsistencyProofError, match="root1 has 31 bytes"):
        roots_from_consistency_proof(4, 5, bytes(31), consistency_proof(4, 5, SUBTREE))
