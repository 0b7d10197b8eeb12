"""protocol/log.py: the append-only MerkleLog over a LogStore, and MemoryLogStore."""

from collections.abc import Callable

import pytest

from protocol.errors import InclusionProofError
from protocol.log import LogStore, MemoryLogStore, MerkleLog
from protocol.merkle import (
    EMPTY_ROOT,
    hash_children,
    hash_leaf,
    root_from_leaf_hashes,
    verify_consistency,
    verify_inclusion,
)

ENTRIES = [f"header {i}".encode() for i in range(21)]


def filled_log(count: int, store: LogStore | None = None) -> MerkleLog:
    log = MerkleLog(store if store is not None else MemoryLogStore())
    for entry in ENTRIES[:count]:
        log.append(entry)
    return log


class CountingStore(MemoryLogStore):
    """A MemoryLogStore that counts writes and reads, to pin the cost of each operation."""

    __slots__ = ("gets", "puts")

    def __init__(self) -> None:
        super().__init__()
        self.puts = 0
        self.gets = 0

    def put_node(self, level: int, index: int, node_hash: bytes) -> None:
        self.puts += 1
        super().put_node(level, index, node_hash)

    def get_node(self, level: int, index: int) -> bytes | None:
        self.gets += 1
        return super().get_node(level, index)


def test_empty_log() -> None:
    log = MerkleLog(MemoryLogStore())
    assert log.size == 0
    assert log.root() == EMPTY_ROOT
    assert log.root(0) == EMPTY_ROOT
    with pytest.raises(ValueError, match="index < size"):
        log.inclusion_proof(0)
    with pytest.raises(ValueError, match="0 < size1"):
        log.consistency_proof(0, 0)


def test_append_returns_indices_and_hashes_with_leaf_prefix() -> None:
    log = MerkleLog(MemoryLogStore())
    assert [log.append(entry) for entry in ENTRIES[:3]] == [0, 1, 2]
    assert log.size == 3
    assert log.leaf_hash(1) == hash_leaf(ENTRIES[1])


def test_size_one_log() -> None:
    log = filled_log(1)
    assert log.root() == hash_leaf(ENTRIES[0])
    assert log.inclusion_proof(0) == ()
    assert log.consistency_proof(1) == ()


def test_append_leaf_hash_equals_append() -> None:
    by_data, by_hash = filled_log(9), MerkleLog(MemoryLogStore())
    for entry in ENTRIES[:9]:
        by_hash.append_leaf_hash(hash_leaf(entry))
    assert by_hash.root() == by_data.root()


@pytest.mark.parametrize("length", [31, 33])
def test_append_leaf_hash_requires_32_bytes(length: int) -> None:
    log = MerkleLog(MemoryLogStore())
    with pytest.raises(ValueError, match="32 bytes"):
        log.append_leaf_hash(bytes(length))
    assert log.size == 0


def test_root_at_every_past_size_matches_a_fresh_tree() -> None:
    log = filled_log(len(ENTRIES))
    leaf_hashes = [hash_leaf(entry) for entry in ENTRIES]
    for size in range(len(ENTRIES) + 1):
        assert log.root(size) == root_from_leaf_hashes(leaf_hashes[:size])


def test_stores_every_perfect_subtree_node() -> None:
    store = MemoryLogStore()
    filled_log(6, store)
    a, b, c, d, e, f = (hash_leaf(entry) for entry in ENTRIES[:6])
    assert store.get_node(1, 0) == hash_children(a, b)
    assert store.get_node(1, 2) == hash_children(e, f)
    assert store.get_node(2, 0) == hash_children(hash_children(a, b), hash_children(c, d))
    assert store.get_node(2, 1) is None  # leaves 4..7 are not all there yet
    assert store.get_node(0, 6) is None
    assert store.get_size() == 6


def test_append_writes_amortised_two_nodes() -> None:
    store = CountingStore()
    log = MerkleLog(store)
    for i in range(1024):
        log.append_leaf_hash(hash_leaf(i.to_bytes(4, "big")))
    # One leaf plus one node per trailing 1 bit: 2n - popcount(n) writes in all.
    assert store.puts == 2 * 1024 - 1


def test_root_and_proofs_read_logarithmically_many_nodes() -> None:
    store = CountingStore()
    log = MerkleLog(store)
    for i in range(1000):
        log.append_leaf_hash(hash_leaf(i.to_bytes(4, "big")))
    for read in (
        log.root,
        lambda: log.inclusion_proof(517),
        lambda: log.consistency_proof(333),
    ):
        store.gets = 0
        read()
        assert store.gets <= 2 * 10 + 2


def test_reopening_on_same_store_gives_same_log() -> None:
    store = MemoryLogStore()
    first = filled_log(13, store)
    reopened = MerkleLog(store)
    assert reopened.size == 13
    assert reopened.root() == first.root()
    assert reopened.inclusion_proof(5, 11) == first.inclusion_proof(5, 11)
    reopened.append(ENTRIES[13])
    assert MerkleLog(store).root() == filled_log(14).root()
    assert first.size == 14  # the state lives in the store, not in the object


def test_proofs_at_past_sizes_verify() -> None:
    log = filled_log(len(ENTRIES))
    for size in range(1, len(ENTRIES) + 1):
        for index in range(size):
            proof = log.inclusion_proof(index, size)
            verify_inclusion(index, size, log.leaf_hash(index), proof, log.root(size))
        for size1 in range(1, size + 1):
            proof = log.consistency_proof(size1, size)
            verify_consistency(size1, size, log.root(size1), log.root(size), proof)


def test_proof_against_wrong_size_fails_when_the_path_shape_differs() -> None:
    log = filled_log(11)
    proof = log.inclusion_proof(3, 11)
    for wrong_size in (8, 17):
        with pytest.raises(InclusionProofError):
            verify_inclusion(3, wrong_size, log.leaf_hash(3), proof, log.root(11))
    # Sizes 11 and 12 give leaf 3 the same path shape ([8, size) is one right sibling), so
    # the same hashes pass: an RFC 9162 root does not commit to its size. Checkpoints sign
    # (size, root) together for that reason.
    verify_inclusion(3, 12, log.leaf_hash(3), proof, log.root(11))


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        (lambda log: log.leaf_hash(5), "not below log size"),
        (lambda log: log.root(6), "within log size"),
        (lambda log: log.root(-1), "within log size"),
        (lambda log: log.inclusion_proof(0, 6), "within log size"),
        (lambda log: log.inclusion_proof(5, 5), "index < size"),
        (lambda log: log.consistency_proof(2, 6), "within log size"),
        (lambda log: log.consistency_proof(4, 3), "size1 <= size2"),
        (lambda log: log.subtree_hash(3, 6), "inside log size"),
        (lambda log: log.subtree_hash(3, 3), "inside log size"),
    ],
)
def test_out_of_range_requests_are_rejected(
    request_: Callable[[MerkleLog], object], message: str
) -> None:
    """Each request reaches past a 5-leaf log (or asks for an empty range) and is refused."""
    with pytest.raises(ValueError, match=message):
        request_(filled_log(5))


def test_subtree_hash_of_unaligned_range_is_mth_of_that_slice() -> None:
    log = filled_log(12)
    leaf_hashes = [hash_leaf(entry) for entry in ENTRIES[:12]]
    for start in range(12):
        for end in range(start + 1, 13):
            assert log.subtree_hash(start, end) == root_from_leaf_hashes(leaf_hashes[start:end])


def test_corrupted_store_is_an_assertion_not_a_wrong_root() -> None:
    class LossyStore(MemoryLogStore):
        def get_node(self, level: int, index: int) -> bytes | None:
            return None if (level, index) == (1, 0) else super().get_node(level, index)

    log = filled_log(3, LossyStore())
    with pytest.raises(AssertionError, match=r"lacks node \(1, 0\)"):
        log.root()
