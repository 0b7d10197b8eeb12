"""protocol/merkle.py and protocol/log.py agree with pymerkle 7, an independent RFC 9162 tree.

pymerkle's InmemoryTree with sha256 and security on (its default) hashes leaves as
SHA-256(0x00 || data) and nodes as SHA-256(0x01 || left || right), as RFC 9162 §2.1.1 does.
Its leaf indices count from one; its inclusion path starts with the leaf hash itself.
"""

import pymerkle
import pytest

from protocol.log import MemoryLogStore, MerkleLog
from protocol.merkle import EMPTY_ROOT, hash_leaf, verify_consistency

SIZES = (1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 31, 33, 64, 65, 99, 100)
ENTRIES = [f"lantan header {i}".encode() for i in range(max(SIZES))]


def build_both(size: int) -> tuple[MerkleLog, pymerkle.InmemoryTree]:
    log = MerkleLog(MemoryLogStore())
    tree = pymerkle.InmemoryTree(algorithm="sha256")
    for entry in ENTRIES[:size]:
        log.append(entry)
        tree.append_entry(entry)
    return log, tree


def test_pymerkle_uses_rfc_9162_prefixes() -> None:
    tree = pymerkle.InmemoryTree(algorithm="sha256")
    assert tree.security
    tree.append_entry(b"x")
    assert tree.get_leaf(1) == hash_leaf(b"x")
    assert tree.get_root(0) == EMPTY_ROOT


@pytest.mark.parametrize("size", SIZES)
def test_roots_agree_at_every_size(size: int) -> None:
    log, tree = build_both(size)
    for past_size in range(size + 1):
        assert log.root(past_size) == tree.get_root(past_size)


@pytest.mark.parametrize("size", SIZES)
def test_inclusion_paths_agree(size: int) -> None:
    log, tree = build_both(size)
    for index in range(size):
        theirs = tree.prove_inclusion(index + 1, size)
        assert theirs.path[0] == log.leaf_hash(index)
        assert list(log.inclusion_proof(index, size)) == theirs.path[1:]
        pymerkle.verify_inclusion(log.leaf_hash(index), log.root(size), theirs)


@pytest.mark.parametrize("size", SIZES)
def test_consistency_proofs_verify_across_implementations(size: int) -> None:
    # pymerkle 7 lays out consistency paths its own way (it splits an old size equal to k
    # to the right, where RFC 9162 SUBPROOF goes left), so the hash lists differ; both
    # proofs must still tie the same two roots together.
    log, tree = build_both(size)
    for size1 in range(1, size + 1):
        root1, root2 = log.root(size1), log.root(size)
        theirs = tree.prove_consistency(size1, size)
        pymerkle.verify_consistency(root1, root2, theirs)
        verify_consistency(
            size1,
            size,
            tree.get_root(size1),
            tree.get_root(size),
            log.consistency_proof(size1, size),
        )


def test_pymerkle_rejects_a_root_we_did_not_compute() -> None:
    log, tree = build_both(9)
    theirs = tree.prove_inclusion(3, 9)
    with pytest.raises(pymerkle.InvalidProof):
        pymerkle.verify_inclusion(log.leaf_hash(2), log.root(8), theirs)
