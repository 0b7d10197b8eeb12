"""The append-only RFC 9162 history log (ADR 0004) over a storage port. Pure: no I/O.

The log stores every perfect subtree as node (level, index), the hash of leaves
[index * 2**level, (index + 1) * 2**level), and its size; nothing else. So roots and proofs
at any past size come from O(log n) node reads, and a log reopened on the same store is
the same log.
"""

from typing import Protocol

from protocol.hashing import HASH_SIZE, Hash32
from protocol.merkle import (
    EMPTY_ROOT,
    consistency_proof,
    hash_children,
    hash_leaf,
    inclusion_proof,
    split_point,
)


class LogStore(Protocol):
    """Where a MerkleLog keeps its nodes and size; node/ implements it on LevelDB."""

    def get_node(self, level: int, index: int) -> bytes | None:
        """The stored hash of node (level, index), or None if it was never put."""
        ...

    def put_node(self, level: int, index: int, node_hash: bytes) -> None:
        """Store the hash of node (level, index); a node is put once and never changes."""
        ...

    def get_size(self) -> int:
        """The number of leaves; 0 for a new store."""
        ...

    def set_size(self, size: int) -> None:
        """Record the number of leaves, after the nodes the new size needs were put."""
        ...


class MemoryLogStore:
    """A LogStore held in a dict, for genesis/, client replay and tests."""

    __slots__ = ("_nodes", "_size")

    def __init__(self) -> None:
        self._nodes: dict[tuple[int, int], bytes] = {}
        self._size = 0

    def get_node(self, level: int, index: int) -> bytes | None:
        return self._nodes.get((level, index))

    def put_node(self, level: int, index: int, node_hash: bytes) -> None:
        self._nodes[level, index] = node_hash

    def get_size(self) -> int:
        return self._size

    def set_size(self, size: int) -> None:
        self._size = size


class MerkleLog:
    """An append-only RFC 9162 log whose whole state lives in its LogStore."""

    __slots__ = ("_store",)

    def __init__(self, store: LogStore) -> None:
        self._store = store

    @property
    def size(self) -> int:
        """The number of leaves appended so far."""
        return self._store.get_size()

    def append(self, data: bytes) -> int:
        """Append one entry's bytes as a leaf (hashed with 0x00); return its index."""
        return self.append_leaf_hash(hash_leaf(data))

    def append_leaf_hash(self, leaf_hash: bytes) -> int:
        """Append a leaf given its RFC 9162 leaf hash; return its index. Requires 32 bytes."""
        if len(leaf_hash) != HASH_SIZE:
            raise ValueError(f"a leaf hash has {HASH_SIZE} bytes, not {len(leaf_hash)}")
        store = self._store
        index = store.get_size()
        store.put_node(0, index, leaf_hash)
        # A node at an odd position completes a perfect subtree with its left sibling, so
        # each append writes one node per trailing 1 bit of index: amortised two writes.
        level, position, node_hash = 0, index, leaf_hash
        while position & 1:
            node_hash = hash_children(self._node(level, position - 1), node_hash)
            level, position = level + 1, position >> 1
            store.put_node(level, position, node_hash)
        store.set_size(index + 1)
        return index

    def leaf_hash(self, index: int) -> Hash32:
        """The leaf hash at index. Requires 0 <= index < size."""
        if not 0 <= index < self.size:
            raise ValueError(f"leaf index {index} is not below log size {self.size}")
        return self._node(0, index)

    def root(self, size: int | None = None) -> Hash32:
        """MTH of the first `size` leaves (default: all). Requires 0 <= size <= self.size."""
        size = self._checked_size(size)
        return EMPTY_ROOT if size == 0 else self._range_hash(0, size)

    def subtree_hash(self, start: int, end: int) -> Hash32:
        """MTH(D[start:end]) from stored nodes. Requires 0 <= start < end <= size."""
        if not 0 <= start < end <= self.size:
            raise ValueError(f"range [{start}, {end}) is not inside log size {self.size}")
        return self._range_hash(start, end)

    def inclusion_proof(self, index: int, size: int | None = None) -> tuple[Hash32, ...]:
        """RFC 9162 §2.1.3.1 proof of leaf index at size (default: all).

        Requires 0 <= index < size <= self.size.
        """
        return inclusion_proof(index, self._checked_size(size), self._range_hash)

    def consistency_proof(self, size1: int, size2: int | None = None) -> tuple[Hash32, ...]:
        """RFC 9162 §2.1.4.1 proof that size2 (default: all) extends size1.

        Requires 0 < size1 <= size2 <= self.size.
        """
        return consistency_proof(size1, self._checked_size(size2), self._range_hash)

    def _checked_size(self, size: int | None) -> int:
        current = self.size
        if size is None:
            return current
        if not 0 <= size <= current:
            raise ValueError(f"size {size} is not within log size {current}")
        return size

    def _range_hash(self, start: int, end: int) -> Hash32:
        # An aligned perfect range is one stored node; any other range splits as RFC 9162
        # §2.1.1 does, and the ranges proofs ask for need O(log n) reads.
        width = end - start
        if width & (width - 1) == 0 and start & (width - 1) == 0:
            level = width.bit_length() - 1
            return self._node(level, start >> level)
        k = split_point(width)
        return hash_children(self._range_hash(start, start + k), self._range_hash(start + k, end))

    def _node(self, level: int, index: int) -> Hash32:
        node_hash = self._store.get_node(level, index)
        # append puts every perfect subtree below size, so a gap is a corrupted store.
        assert node_hash is not None, f"log store lacks node ({level}, {index})"
        return Hash32(node_hash)
