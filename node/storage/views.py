"""The storage ports of protocol/ and contracts/ over one key-value space.

LogStore, SmtStore and StateView become reads and writes of the keys in
node/storage/keys.py. The key-value space underneath is either an overlay's write set or
the committed database (read-only). These adapters never write to LevelDB themselves.
"""

from collections.abc import Mapping
from typing import Protocol

from node.storage import keys
from node.storage.smt_top import SmtTopLevels
from protocol.hashing import Hash32


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


class SmtNodes:
    """protocol.smt.SmtStore over a key-value space; the latest version is a counter key.

    Node reads look in `top` first (the committed tree's upper levels, node/storage/smt_top.py):
    a node's bytes are fixed by its hash, so it answers as the space would.
    """

    __slots__ = ("_space", "_top", "_written")

    def __init__(self, space: KeyValueSpace, top: SmtTopLevels | None = None) -> None:
        self._space = space
        self._top = top
        self._written: dict[bytes, bytes] = {}

    def get_node(self, node_hash: bytes) -> bytes | None:
        if self._top is not None:
            preimage = self._top.get(node_hash)
            if preimage is not None:
                return preimage
        return self._space.get(keys.smt_node_key(node_hash))

    def put_nodes(self, nodes: Mapping[bytes, bytes]) -> None:
        put = self._space.put
        for node_hash, preimage in nodes.items():
            put(keys.smt_node_key(node_hash), preimage)
        self._written.update(nodes)

    def written_nodes(self) -> Mapping[bytes, bytes]:
        """Every node put through this port, by hash: the store's commit fills its held
        levels from them instead of reading each back by its key."""
        return self._written

    def get_root(self, version: int) -> Hash32 | None:
        stored = self._space.get(keys.smt_root_key(version))
        return None if stored is None else Hash32(stored)

    def put_root(self, version: int, root: Hash32) -> None:
        self._space.put(keys.smt_root_key(version), root)
        latest = self.latest_version()
        # Same rule as MemorySmtStore: the latest version is the highest ever recorded.
        if latest is None or version > latest:
            self._space.put(keys.SMT_LATEST_KEY, keys.encode_int(version))

    def latest_version(self) -> int | None:
        stored = self._space.get(keys.SMT_LATEST_KEY)
        return None if stored is None else keys.decode_int(stored)

    def get_value(self, value_hash: Hash32) -> bytes | None:
        return self._space.get(keys.smt_value_key(value_hash))

    def put_value(self, value_hash: Hash32, value: bytes) -> None:
        self._space.put(keys.smt_value_key(value_hash), value)


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
