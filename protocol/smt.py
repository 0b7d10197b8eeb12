"""The sparse Merkle state tree behind state_root (DESIGN.md §3), over a node-store port.

Nodes are content-addressed and never pruned, so every version stays provable. A store
holds each node's hash preimage keyed by its hash; the in-memory stores are in
protocol/smt_store.py (MemorySmtStore is re-exported here for older importers).
Hashing and proof verification live in protocol/smt_proof.py. Pure: no I/O.
"""

import hashlib
from bisect import bisect_left
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

from protocol.hashing import Hash32, sha256
from protocol.smt_proof import (
    EMPTY_HASH,
    LEAF_PREFIX,
    NODE_PREFIX,
    SMT_DEPTH,
    SmtLeaf,
    SmtProof,
    path_bit,
    shared_prefix_bits,
)
from protocol.smt_store import MemorySmtStore

__all__ = ["MemorySmtStore", "ReplacedTrackingSmtStore", "SmtStore", "SparseMerkleTree"]

_LEAF_BYTE = LEAF_PREFIX[0]
_node_sha256 = hashlib.sha256
"""A node's hash is SHA-256(preimage) (protocol.hashing.sha256): called here directly where
an update hashes every new node, one Python call fewer per node."""


class SmtStore(Protocol):
    """Where the tree keeps nodes, values and per-version roots. Nothing is ever deleted.

    A node's stored bytes are its hash preimage: 0x02||key_hash||value_hash for a leaf,
    0x03||left||right for an interior node. EMPTY_HASH is never stored.
    """

    def get_node(self, node_hash: bytes) -> bytes | None: ...

    def put_nodes(self, nodes: Mapping[bytes, bytes]) -> None:
        """Store every node of one update (hash -> preimage) at once."""
        ...

    def get_root(self, version: int) -> Hash32 | None: ...

    def put_root(self, version: int, root: Hash32) -> None: ...

    def latest_version(self) -> int | None: ...

    def get_value(self, value_hash: Hash32) -> bytes | None: ...

    def put_value(self, value_hash: Hash32, value: bytes) -> None: ...


class ReplacedTrackingSmtStore(SmtStore, Protocol):
    """A store told which nodes each update replaced: when tracks_replaced is true, the tree
    hands nodes_replaced the nodes of the tree before the update that its new tree no
    longer holds, after putting the update's new nodes. The auditor's replay, which keeps
    only the latest version, drops them (protocol/smt_store.py LatestMemorySmtStore: older
    roots stay recorded, but proofs at them can no longer be made); a node's store lets its
    held upper levels go of them (node/storage/smt_top.py)."""

    @property
    def tracks_replaced(self) -> bool: ...

    def nodes_replaced(self, node_hashes: Iterable[bytes]) -> None: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class _Batch:
    """Writes sorted by key hash, as parallel lists; None in value_hashes deletes.

    key_ints holds each key hash as a big-endian integer, so splitting a sorted run by
    one path bit is a single bisect instead of a bit test per key.
    """

    key_ints: list[int]
    key_hashes: list[bytes]
    value_hashes: list[bytes | None]

    def split(self, depth: int, lo: int, hi: int) -> int:
        """First index in [lo, hi) whose bit `depth` is 1. Requires lo < hi and that the
        keys in [lo, hi) share their first `depth` bits (they are in one subtree)."""
        shift = SMT_DEPTH - 1 - depth
        boundary = ((self.key_ints[lo] >> shift) | 1) << shift
        return bisect_left(self.key_ints, boundary, lo, hi)


def _sorted_batch(entries: list[tuple[bytes, bytes | None]]) -> _Batch:
    entries.sort()
    return _Batch(
        key_ints=[int.from_bytes(key_hash, "big") for key_hash, _ in entries],
        key_hashes=[key_hash for key_hash, _ in entries],
        value_hashes=[value_hash for _, value_hash in entries],
    )


# Whether a subtree hash is empty, a single (collapsed) leaf or an interior node decides
# the collapse rule at its parent; _UNKNOWN marks an untouched child not yet looked up.
_EMPTY, _LEAF, _NODE, _UNKNOWN = 0, 1, 2, 3


class SparseMerkleTree:
    """The versioned state tree. All reads and writes go through the SmtStore port."""

    def __init__(self, store: SmtStore) -> None:
        self._store = store
        self._new: dict[bytes, bytes] = {}
        """The nodes the running update made: handed to the store in one call at its end
        (one block makes thousands; an update reads only nodes of the tree before it)."""
        self._on_replaced: Callable[[Iterable[bytes]], None] | None = (
            getattr(store, "nodes_replaced", None)
            if getattr(store, "tracks_replaced", False)
            else None
        )
        self._replaced: list[bytes] = []
        """With a ReplacedTrackingSmtStore: the nodes of the tree before the running update that
        its tree no longer holds. A node's hash fixes its content and so its one place in a
        tree (an interior node sits where its leaves' paths part, a leaf on its key's
        path): a changed interior node is gone, and a leaf is gone when its key was
        deleted or given another value (a leaf met by another key's insert moves down,
        one left alone by a delete moves up, and stays)."""

    def root(self, version: int | None = None) -> Hash32:
        """The root at version (default: the latest; EMPTY_HASH if none is recorded).

        Raises LookupError for a version that was never recorded.
        """
        if version is None:
            version = self._store.latest_version()
            if version is None:
                return EMPTY_HASH
        root = self._store.get_root(version)
        if root is None:
            raise LookupError(f"no state root recorded for version {version}")
        return root

    def update(self, version: int, writes: Mapping[bytes, bytes | None]) -> Hash32:
        """Apply one block's writes (key -> value bytes, None deletes); record and return
        the new root. Requires version >= 0 and greater than the latest recorded version."""
        latest = self._store.latest_version()
        if version < 0 or (latest is not None and version <= latest):
            raise ValueError(f"version {version} must be >= 0 and above latest {latest}")
        entries: list[tuple[bytes, bytes | None]] = []
        for key, value in writes.items():
            if value is None:
                entries.append((sha256(key), None))
            else:
                value_hash = sha256(value)
                self._store.put_value(value_hash, value)
                entries.append((sha256(key), value_hash))
        root = self.root(latest) if latest is not None else EMPTY_HASH
        if entries:
            batch = _sorted_batch(entries)
            self._new = {}
            self._replaced = []
            root = Hash32(self._update(root, 0, batch, 0, len(entries))[0])
            self._store.put_nodes(self._new)
            if self._on_replaced is not None:
                self._on_replaced(self._replaced)
            self._new, self._replaced = {}, []
        self._store.put_root(version, root)
        return root

    def get(self, key: bytes, version: int | None = None) -> bytes | None:
        """The value bytes stored under key at version (default latest), or None."""
        key_hash = sha256(key)
        leaf = self._walk(key_hash, self.root(version), None)
        if leaf is None or leaf.key_hash != key_hash:
            return None
        value = self._store.get_value(leaf.value_hash)
        assert value is not None, "store lost a value its tree still references"
        return value

    def prove(self, key: bytes, version: int | None = None) -> SmtProof:
        """An inclusion proof if key has a value at version (default latest), else a
        non-inclusion proof ending at an empty subtree or at another key's leaf."""
        siblings: list[Hash32] = []
        leaf = self._walk(sha256(key), self.root(version), siblings)
        return SmtProof(siblings=tuple(siblings), leaf=leaf)

    def _walk(
        self, key_hash: bytes, node_hash: bytes, siblings: list[Hash32] | None
    ) -> SmtLeaf | None:
        """Follow key_hash's path to an empty subtree (None) or a leaf, collecting siblings."""
        depth = 0
        while node_hash != EMPTY_HASH:
            preimage = self._node(node_hash)
            if preimage[0] == _LEAF_BYTE:
                return SmtLeaf(key_hash=Hash32(preimage[1:33]), value_hash=Hash32(preimage[33:65]))
            if path_bit(key_hash, depth):
                node_hash, sibling = preimage[33:65], preimage[1:33]
            else:
                node_hash, sibling = preimage[1:33], preimage[33:65]
            if siblings is not None:
                siblings.append(Hash32(sibling))
            depth += 1
        return None

    def _node(self, node_hash: bytes) -> bytes:
        preimage = self._store.get_node(node_hash)
        assert preimage is not None, f"store lost node {node_hash.hex()}"
        return preimage

    def _update(
        self, node_hash: bytes, depth: int, batch: _Batch, lo: int, hi: int
    ) -> tuple[bytes, int]:
        """Apply batch[lo:hi] to the subtree node_hash at depth; return its new hash and kind.

        Requires lo < hi and that batch[lo:hi] holds exactly the writes under this subtree.
        """
        if hi - lo == 1:
            return self._update_one(node_hash, depth, batch, lo)
        if node_hash == EMPTY_HASH:
            return self._build_from_batch(depth, batch, lo, hi, None)
        preimage = self._node(node_hash)
        if preimage[0] == _LEAF_BYTE:
            if self._on_replaced is not None and _leaf_replaced(preimage, batch, lo, hi):
                self._replaced.append(node_hash)
            return self._build_from_batch(depth, batch, lo, hi, preimage)
        mid = batch.split(depth, lo, hi)
        left, left_kind = preimage[1:33], _UNKNOWN
        right, right_kind = preimage[33:65], _UNKNOWN
        if lo < mid:
            left, left_kind = self._update(left, depth + 1, batch, lo, mid)
        if mid < hi:
            right, right_kind = self._update(right, depth + 1, batch, mid, hi)
        updated = self._join(left, left_kind, right, right_kind)
        if self._on_replaced is not None and updated[0] != node_hash:
            # A changed interior node is gone: its hash fixes its place (self._replaced).
            self._replaced.append(node_hash)
        return updated

    def _update_one(
        self, node_hash: bytes, depth: int, batch: _Batch, index: int
    ) -> tuple[bytes, int]:
        """_update for the single write batch[index]: one walk down, then one rehash up.

        Below the levels a batch shares, most writes are alone in their subtree; loops
        here avoid a recursive call, a bisect and a tuple per level.
        """
        key_int = batch.key_ints[index]
        path: list[bytes] = []
        walked: list[bytes] = []
        track = self._on_replaced is not None
        current = node_hash
        preimage = b""
        get_node = self._store.get_node
        while current != EMPTY_HASH:
            found = get_node(current)
            assert found is not None, f"store lost node {current.hex()}"
            preimage = found
            if preimage[0] == _LEAF_BYTE:
                break
            if track:
                walked.append(current)
            path.append(preimage)
            if (key_int >> (SMT_DEPTH - depth - len(path))) & 1:
                current = preimage[33:65]
            else:
                current = preimage[1:33]
        old_leaf = None if current == EMPTY_HASH else preimage
        new, kind = self._replace_leaf(
            depth + len(path), old_leaf, batch.key_hashes[index], batch.value_hashes[index]
        )
        if new == current:
            # An unchanged value or the delete of an absent key: nothing above changes.
            return node_hash, _UNKNOWN
        if track:
            # Every interior node walked is rewritten; the leaf walked to is gone only if
            # this write was its key's (another key's leaf moves down, and stays).
            self._replaced += walked
            if old_leaf is not None and old_leaf[1:33] == batch.key_hashes[index]:
                self._replaced.append(current)
        return self._rehash_path(path, depth, key_int, new, kind)

    def _replace_leaf(
        self, depth: int, old_leaf: bytes | None, key_hash: bytes, value_hash: bytes | None
    ) -> tuple[bytes, int]:
        """The subtree at depth that held only old_leaf (None: empty) after one write."""
        old_key = None if old_leaf is None else old_leaf[1:33]
        if value_hash is None:
            if old_leaf is None or old_key == key_hash:
                return EMPTY_HASH, _EMPTY
            return sha256(old_leaf), _LEAF
        new_leaf = self._put(LEAF_PREFIX + key_hash + value_hash)
        if old_leaf is None or old_key == key_hash:
            return new_leaf, _LEAF
        assert old_key is not None
        # Two leaves: a node where their paths part, then a chain of nodes with one empty
        # child up to depth (collapse applies only to a single leaf).
        split_depth = shared_prefix_bits(key_hash, old_key)
        assert depth <= split_depth < SMT_DEPTH
        old_hash = sha256(old_leaf)
        if path_bit(key_hash, split_depth):
            node = self._put(NODE_PREFIX + old_hash + new_leaf)
        else:
            node = self._put(NODE_PREFIX + new_leaf + old_hash)
        for level in range(split_depth - 1, depth - 1, -1):
            if path_bit(key_hash, level):
                node = self._put(NODE_PREFIX + EMPTY_HASH + node)
            else:
                node = self._put(NODE_PREFIX + node + EMPTY_HASH)
        return node, _NODE

    def _rehash_path(
        self, path: list[bytes], depth: int, key_int: int, new: bytes, kind: int
    ) -> tuple[bytes, int]:
        """Rehash the interior nodes `path` (preimages, top first, the top at depth) after
        the child on key_int's path below the last one became `new` of `kind`."""
        level = len(path) - 1
        # Only an empty or single-leaf child can collapse into its parent; once the new
        # child is an interior node, every parent above is a plain interior node.
        while level >= 0 and kind != _NODE:
            preimage = path[level]
            if (key_int >> (SMT_DEPTH - 1 - depth - level)) & 1:
                new, kind = self._join(preimage[1:33], _UNKNOWN, new, kind)
            else:
                new, kind = self._join(new, kind, preimage[33:65], _UNKNOWN)
            level -= 1
        new_nodes = self._new
        for up in range(level, -1, -1):
            preimage = path[up]
            if (key_int >> (SMT_DEPTH - 1 - depth - up)) & 1:
                preimage = preimage[:33] + new
            else:
                preimage = NODE_PREFIX + new + preimage[33:65]
            new = _node_sha256(preimage).digest()
            new_nodes[new] = preimage
        return new, kind

    def _build_from_batch(
        self, depth: int, batch: _Batch, lo: int, hi: int, old_leaf: bytes | None
    ) -> tuple[bytes, int]:
        """The subtree at depth holding batch[lo:hi]'s values plus old_leaf unless the
        batch overwrites or deletes it. Requires the same of batch[lo:hi] as _update."""
        old_key = None if old_leaf is None else old_leaf[1:33]
        kept = _Batch(key_ints=[], key_hashes=[], value_hashes=[])
        for index in range(lo, hi):
            key_hash = batch.key_hashes[index]
            if old_key is not None and old_key <= key_hash:
                # Merge the old leaf in key order; an equal key in the batch replaces it.
                if old_key < key_hash:
                    _append_leaf(kept, old_key, old_leaf)
                old_key = None
            value_hash = batch.value_hashes[index]
            if value_hash is not None:
                kept.key_ints.append(batch.key_ints[index])
                kept.key_hashes.append(key_hash)
                kept.value_hashes.append(value_hash)
        if old_key is not None:
            _append_leaf(kept, old_key, old_leaf)
        return self._build(depth, kept, 0, len(kept.key_hashes))

    def _build(self, depth: int, batch: _Batch, lo: int, hi: int) -> tuple[bytes, int]:
        """A fresh subtree at depth over batch[lo:hi], all distinct upserts (no None)."""
        if lo == hi:
            return EMPTY_HASH, _EMPTY
        if hi - lo == 1:
            value_hash = batch.value_hashes[lo]
            assert value_hash is not None
            return self._put(LEAF_PREFIX + batch.key_hashes[lo] + value_hash), _LEAF
        # Two distinct 256-bit key hashes differ at some depth below SMT_DEPTH.
        assert depth < SMT_DEPTH
        mid = batch.split(depth, lo, hi)
        left = self._build(depth + 1, batch, lo, mid)[0]
        right = self._build(depth + 1, batch, mid, hi)[0]
        # Two or more leaves make an interior node even if one side is empty (collapse rule).
        return self._put(NODE_PREFIX + left + right), _NODE

    def _join(
        self, left: bytes, left_kind: int, right: bytes, right_kind: int
    ) -> tuple[bytes, int]:
        """The parent of two updated children: a lone leaf or nothing collapses upward."""
        if right == EMPTY_HASH:
            if left == EMPTY_HASH:
                return EMPTY_HASH, _EMPTY
            if self._kind(left, left_kind) == _LEAF:
                return left, _LEAF
        elif left == EMPTY_HASH and self._kind(right, right_kind) == _LEAF:
            return right, _LEAF
        return self._put(NODE_PREFIX + left + right), _NODE

    def _kind(self, node_hash: bytes, kind: int) -> int:
        if kind != _UNKNOWN:
            return kind
        return _LEAF if self._node(node_hash)[0] == _LEAF_BYTE else _NODE

    def _put(self, preimage: bytes) -> bytes:
        """Keep a new node under its hash for the store; rewriting an existing node is harmless."""
        node_hash = _node_sha256(preimage).digest()
        self._new[node_hash] = preimage
        return node_hash


def _leaf_replaced(leaf: bytes, batch: _Batch, lo: int, hi: int) -> bool:
    """Whether batch[lo:hi] deletes the leaf's key or gives it another value (the leaf is
    then gone; otherwise the update places the same leaf again, under a new node)."""
    key_hash = leaf[1:33]
    index = bisect_left(batch.key_hashes, key_hash, lo, hi)
    if index == hi or batch.key_hashes[index] != key_hash:
        return False
    return batch.value_hashes[index] != leaf[33:65]


def _append_leaf(batch: _Batch, key_hash: bytes, leaf: bytes | None) -> None:
    assert leaf is not None
    batch.key_ints.append(int.from_bytes(key_hash, "big"))
    batch.key_hashes.append(key_hash)
    batch.value_hashes.append(leaf[33:65])
