"""In-memory SmtStores: the plain one, one of the latest version only, and a branch that
keeps one block's writes apart. Pure.

The node keeps the tree in LevelDB (node/storage/views.py); genesis, the auditor's replay
(contracts/replay.py, latest version only) and tests keep it here. A BranchSmtStore lets
a candidate block be executed against a base store without changing it, so two blocks
served for one height (a fork) can both be checked against the same parent; merge() adopts
one of them.
"""

from collections.abc import Iterable, Mapping

from protocol.hashing import Hash32


class MemorySmtStore:
    """An SmtStore (protocol/smt.py) in dicts. Nothing is ever deleted."""

    def __init__(self) -> None:
        self.nodes: dict[bytes, bytes] = {}
        self.roots: dict[int, Hash32] = {}
        self.values: dict[Hash32, bytes] = {}
        self._latest_version: int | None = None

    def get_node(self, node_hash: bytes) -> bytes | None:
        return self.nodes.get(node_hash)

    def put_nodes(self, nodes: Mapping[bytes, bytes]) -> None:
        self.nodes.update(nodes)

    def get_root(self, version: int) -> Hash32 | None:
        return self.roots.get(version)

    def put_root(self, version: int, root: Hash32) -> None:
        self.roots[version] = root
        if self._latest_version is None or version > self._latest_version:
            self._latest_version = version

    def latest_version(self) -> int | None:
        return self._latest_version

    def get_value(self, value_hash: Hash32) -> bytes | None:
        return self.values.get(value_hash)

    def put_value(self, value_hash: Hash32, value: bytes) -> None:
        self.values[value_hash] = value


class LatestMemorySmtStore(MemorySmtStore):
    """A MemorySmtStore of the latest version only (protocol.smt.ReplacedTrackingSmtStore): each
    update's tree drops the nodes it left unreachable, so the store holds about two nodes
    per record instead of every node every version ever made (~12 per insert at 10^6
    records). For a replay that only moves forward; roots of older versions stay, their
    proofs do not. Values are kept: one value may be the bytes of several keys."""

    tracks_replaced = True

    def nodes_replaced(self, node_hashes: Iterable[bytes]) -> None:
        pop = self.nodes.pop
        for node_hash in node_hashes:
            pop(node_hash, None)


class BranchSmtStore:
    """An SmtStore over a base store at base_version that keeps its own writes apart.

    Requires that the base gains no version above base_version while the branch is open.
    """

    def __init__(self, base: MemorySmtStore, base_version: int) -> None:
        self._base = base
        self._base_version = base_version
        self._nodes: dict[bytes, bytes] = {}
        self._values: dict[Hash32, bytes] = {}
        self._roots: dict[int, Hash32] = {}
        self._dropped: set[bytes] = set()
        """Base nodes this branch's updates left unreachable: dropped from a base that keeps
        only its latest version when the branch is merged, never before (the base must
        stay whole for a sibling branch of the same version)."""
        self.tracks_replaced = isinstance(base, LatestMemorySmtStore)

    def nodes_replaced(self, node_hashes: Iterable[bytes]) -> None:
        self._dropped.update(node_hashes)

    def get_node(self, node_hash: bytes) -> bytes | None:
        return self._nodes.get(node_hash) or self._base.get_node(node_hash)

    def put_nodes(self, nodes: Mapping[bytes, bytes]) -> None:
        self._nodes.update(nodes)
        # A later update of this branch may make again a node an earlier one left behind
        # (a value set, then set back): it is held again, and merge must not drop it.
        if self._dropped:
            self._dropped.difference_update(nodes)

    def get_root(self, version: int) -> Hash32 | None:
        return self._roots.get(version) or self._base.get_root(version)

    def put_root(self, version: int, root: Hash32) -> None:
        self._roots[version] = root

    def latest_version(self) -> int | None:
        return max(self._roots, default=self._base_version)

    def get_value(self, value_hash: Hash32) -> bytes | None:
        return self._values.get(value_hash) or self._base.get_value(value_hash)

    def put_value(self, value_hash: Hash32, value: bytes) -> None:
        self._values[value_hash] = value

    def merge(self) -> None:
        """Make this branch's writes part of the base store."""
        self._base.nodes.update(self._nodes)
        self._base.values.update(self._values)
        for version, root in sorted(self._roots.items()):
            self._base.put_root(version, root)
        if isinstance(self._base, LatestMemorySmtStore):
            self._base.nodes_replaced(self._dropped)
