"""The storage ports of protocol/ and contracts/ over one key-value space.

LogStore, SmtStore and StateView become reads and writes of the keys in
node/storage/keys.py. The key-value space underneath is either an overlay's write set or
the committed database (read-only). These adapters never write to LevelDB themselves.
"""

import threading
from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol

from node.storage import keys
from node.storage.keys import LEGACY_VERSION_BYTES
from node.storage.smt_top import SmtTopLevels
from node.storage.tree_records import (
    NODE_BYTE,
    PREIMAGE_SIZE,
    child_versions,
    held_record,
    held_version,
    interior_record,
)
from protocol.hashing import Hash32
from protocol.smt_proof import EMPTY_HASH, LEAF_PREFIX

LEAF_BYTE = LEAF_PREFIX[0]


class KeyValueSpace(Protocol):
    """Byte keys to byte values; put(key, None) deletes."""

    def get(self, key: bytes) -> bytes | None: ...

    def put(self, key: bytes, value: bytes | None) -> None: ...


class LogNodes:
    """protocol.log.LogStore over a key-value space."""

    __slots__ = ("_space",)

    def __init__(self, space: KeyValueSpace) -> None:
        self._space = space

    def get_node(self, level: int, index: int) -> bytes | None:
        return self._space.get(keys.log_node_key(level, index))

    def put_node(self, level: int, index: int, node_hash: bytes) -> None:
        self._space.put(keys.log_node_key(level, index), node_hash)

    def get_size(self) -> int:
        stored = self._space.get(keys.LOG_SIZE_KEY)
        return 0 if stored is None else keys.decode_int(stored)

    def set_size(self, size: int) -> None:
        self._space.put(keys.LOG_SIZE_KEY, keys.encode_int(size))


class KeyValueReader(Protocol):
    """Bytes by key: a plyvel database or snapshot, SeekReads, or any byte map (what an
    overlay reads through to, and the tree database a port reads nodes from)."""

    def get(self, key: bytes) -> bytes | None: ...


class _Versions(threading.local):
    """The versions a thread's walks learned, by hash: of nodes (from their parents' records
    and the roots) and of values (from the leaves naming them). Each is kept as its 8 key
    bytes (keys.encode_int), as the parent's record holds it."""

    def __init__(self) -> None:
        self.nodes: dict[bytes, bytes] = {}
        self.values: dict[bytes, bytes] = {}


VERSIONS_KEPT_MAX = 4096
"""Past this many learned versions a thread's are forgotten at its next root read: every
walk and update starts there, so none is in the middle of a path. A walk learns ~2 per
level; a block's update learns tens of thousands, on its own overlay, which is dropped with
them. So a thread that serves proofs from the committed store keeps at most ~0.6 MB."""


def read_node_record(
    space: KeyValueReader, tree: KeyValueReader, node_hash: bytes, version: bytes
) -> bytes | None:
    """The stored record of a state tree node at its version (encoded): in the tree database
    (ADR 0038), or for LEGACY_VERSION in the main database's space, as written before it."""
    if version == LEGACY_VERSION_BYTES:
        return space.get(keys.smt_node_key(node_hash))
    return tree.get(keys.tree_node_key(version, node_hash))


def _held_nothing(node_hash: bytes) -> bytes | None:
    """The held levels' get for a port without them: holds nothing."""
    return None


_EMPTY_VERSION = keys.encode_int(0)
"""The version an EMPTY child is named at in its parent's record (tree_records.py)."""


class SmtNodes:
    """protocol.smt.SmtStore over the main database's key-value space (roots, the latest
    version, and nodes and values written before ADR 0038) and the tree database (nodes and
    values keyed by version, ADR 0038; node/storage/keys.py).

    A node's version is where its parent's record says it is stored; each thread keeps the
    versions its walks learned (a walk reads a parent before its children, and every walk
    and update starts at a root record). Node reads look in `top` first (the committed
    tree's upper levels, node/storage/smt_top.py): a node's bytes are fixed by its hash, so
    it answers as the store would. An update's new nodes and values are buffered until
    put_root names their version; `tree_writes` then holds them for the store's commit.
    """

    __slots__ = (
        "_learned",
        "_new_nodes",
        "_new_values",
        "_replaced",
        "_space",
        "_top",
        "_tree",
        "_written",
        "tracks_replaced",
        "tree_writes",
    )

    def __init__(
        self,
        space: KeyValueSpace,
        tree: KeyValueReader,
        top: SmtTopLevels | None = None,
    ) -> None:
        self._space = space
        self._tree = tree
        self._top = top
        self._learned = _Versions()
        self._new_nodes: dict[bytes, bytes] = {}
        self._new_values: dict[bytes, bytes] = {}
        self._written: dict[bytes, bytes] = {}
        self.tree_writes: dict[bytes, bytes] = {}
        """Tree database key -> record or value, for LevelDbStore.commit (the overlay's)."""
        self._replaced: list[bytes] = []
        self.tracks_replaced = top is not None
        """protocol.smt.ReplacedTrackingSmtStore: an overlay's port, whose commit lets the
        held levels go of the nodes its update replaced (replaced_nodes)."""

    def get_node(self, node_hash: bytes) -> bytes | None:
        # Below the held levels every insert reads ~3 nodes at 10^5 records, each through
        # here: one function, the version as the key bytes its parent's record holds.
        if self._top is not None:
            held = self._top.get(node_hash)
            if held is not None:
                kind = held[0]
                if held[-1] and kind == NODE_BYTE:
                    # The deepest held level: its children are read from the database.
                    self._learn_children(held_record(held))
                elif kind == LEAF_BYTE:
                    self._learned.values[held[33:65]] = held_version(held)
                return held[:PREIMAGE_SIZE]
        record = self._written.get(node_hash)
        if record is None:
            learned = self._learned
            version = learned.nodes.get(node_hash, LEGACY_VERSION_BYTES)
            record = read_node_record(self._space, self._tree, node_hash, version)
            if record is None:
                return None
            if record[0] == LEAF_BYTE:
                if version != LEGACY_VERSION_BYTES:
                    learned.values[record[33:65]] = version
                return record[:PREIMAGE_SIZE]
        if record[0] == NODE_BYTE:
            self._learn_children(record)
        return record[:PREIMAGE_SIZE]

    def _learn_children(self, record: bytes) -> None:
        left_version, right_version = child_versions(record)
        learned = self._learned.nodes
        learned[record[1:33]] = left_version
        learned[record[33:65]] = right_version

    def put_nodes(self, nodes: Mapping[bytes, bytes]) -> None:
        self._new_nodes.update(nodes)

    def nodes_replaced(self, node_hashes: Iterable[bytes]) -> None:
        self._replaced.extend(node_hashes)

    def replaced_nodes(self) -> Sequence[bytes]:
        """The nodes of the tree before this port's update that its new tree no longer
        holds (from the tree, protocol/smt.py): the store's commit drops them from the held
        levels instead of rebuilding those from the root."""
        return self._replaced

    def written_nodes(self) -> Mapping[bytes, bytes]:
        """Every node record put through this port, by hash: the store's commit fills its
        held levels from them instead of reading each back by its key."""
        return self._written

    def get_root(self, version: int) -> Hash32 | None:
        stored = self._space.get(keys.smt_root_key(version))
        if stored is None:
            return None
        root, node_version = keys.decode_root(stored)
        learned = self._learned
        if len(learned.nodes) > VERSIONS_KEPT_MAX:
            learned.nodes, learned.values = {}, {}
        learned.nodes[root] = node_version
        return Hash32(root)

    def put_root(self, version: int, root: Hash32) -> None:
        # The tree hands over every node its update made, some of which the tree already
        # holds (a leaf placed again under a new parent, a subtree the batch left as it
        # was): those keep the version they are stored at, so a leaf's value stays at its
        # leaf's version (values are written at the version of the update that set them).
        # A block of 1,000 inserts hands over ~7,000 nodes at 10^5 records, each below the
        # levels the block shares one more as the tree deepens: the lookups are hoisted
        # out of the loops (this was a third of the tree update's time at 10^5 records).
        learned_nodes = self._learned.nodes
        held = _held_nothing if self._top is None else self._top.get
        fresh = {
            node_hash: preimage
            for node_hash, preimage in self._new_nodes.items()
            if node_hash not in learned_nodes and held(node_hash) is None
        }
        writes, written = self.tree_writes, self._written
        this_version = keys.encode_int(version)
        node_key = keys.tree_node_key_prefix(version)
        child_version = self._child_version
        for node_hash, preimage in fresh.items():
            if preimage[0] == NODE_BYTE:
                left, right = preimage[1:33], preimage[33:65]
                record = interior_record(
                    preimage,
                    this_version if left in fresh else child_version(left),
                    this_version if right in fresh else child_version(right),
                )
            else:
                record = preimage
            # node_key + a 32-byte hash (the tree's own sha256) is keys.tree_node_key.
            writes[node_key + node_hash] = record
            written[node_hash] = record
        learned_values = self._learned.values
        for value_hash, value in self._new_values.items():
            writes[keys.tree_value_key(this_version, value_hash)] = value
            learned_values[value_hash] = this_version
        root_version = this_version if root in fresh else child_version(root)
        learned_nodes.update(dict.fromkeys(fresh, this_version))
        self._new_nodes, self._new_values = {}, {}
        self._space.put(keys.smt_root_key(version), keys.encode_root(root, root_version))
        latest = self.latest_version()
        # Same rule as MemorySmtStore: the latest version is the highest ever recorded.
        if latest is None or version > latest:
            self._space.put(keys.SMT_LATEST_KEY, keys.encode_int(version))

    def _child_version(self, node_hash: bytes) -> bytes:
        """The encoded version a node of the tree before the update (a new node's child, or
        an unchanged root) is stored at (put_root): a held node's is in its held value as
        it is encoded."""
        if node_hash == EMPTY_HASH:
            return _EMPTY_VERSION
        version = self._learned.nodes.get(node_hash)
        if version is not None:
            return version
        held = None if self._top is None else self._top.get(node_hash)
        if held is None:
            raise AssertionError(f"the version of node {node_hash.hex()} was never read")
        return held_version(held)

    def latest_version(self) -> int | None:
        stored = self._space.get(keys.SMT_LATEST_KEY)
        return None if stored is None else keys.decode_int(stored)

    def get_value(self, value_hash: Hash32) -> bytes | None:
        pending = self._new_values.get(value_hash)
        if pending is not None:
            return pending
        version = self._learned.values.get(value_hash, LEGACY_VERSION_BYTES)
        if version == LEGACY_VERSION_BYTES:
            return self._space.get(keys.smt_value_key(value_hash))
        key = keys.tree_value_key(version, value_hash)
        buffered = self.tree_writes.get(key)
        return buffered if buffered is not None else self._tree.get(key)

    def put_value(self, value_hash: Hash32, value: bytes) -> None:
        self._new_values[value_hash] = value


class StateRecords:
    """contracts.state.StateView over a key-value space, plus applying a block's writes."""

    __slots__ = ("_space",)

    def __init__(self, space: KeyValueSpace) -> None:
        self._space = space

    def get(self, key: str) -> bytes | None:
        return self._space.get(keys.state_key(key))

    def apply(self, writes: Mapping[str, bytes | None]) -> None:
        """Apply a block's state writes (None deletes), as contracts' StateOverlay yields."""
        for key, value in writes.items():
            self._space.put(keys.state_key(key), value)
