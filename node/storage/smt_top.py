"""The top levels of the committed state tree, kept in memory (issue 20, OPERATIONS.md "Memory").

Every insert walks the state tree from its root; below the levels one block's writes share,
each walk reads its own path, one LevelDB get per level, and the tree grows a level each
time the state doubles (4.7 node reads per insert at 10,000 records, 9.4 at 100,000,
docs/PERFORMANCE.md "Scale"). The upper levels are rewritten by every block, so a cache
filled by reads never hits: the node a walk reads is replaced by the block that read it.
This one is filled at commit with the new tree's upper nodes, which the next block reads.

Nodes are content-addressed, so an entry is never stale, only unreachable: a read that
finds a node here gets the same bytes LevelDB holds, and one that misses reads LevelDB. No
state root, proof or stored byte depends on what this holds. Each commit lets go of the
nodes its update replaced (the tree names them), so the set stays the reachable one.

A node catching up by block sync far behind its peers holds CATCH_UP_LEVELS instead
(LevelDbStore.hold_tree_levels, node/sync_catch_up.py decides): at 100,000 records that takes the
node reads below the held levels from ~1.9 to ~0.5 per insert, for up to ~12 MB more (by
count, not measured: at most 1.25 * 2**16 entries of ~200 bytes). Only while it catches up:
once within reach of its peers it goes back to TOP_LEVELS and the deeper nodes are let go
(and the heap trimmed), so a validator in step with its peers holds what issue 20's bound
was measured with (of the memory let go, pymalloc keeps the arenas other objects still use:
~12 MiB after a 10^5 catch-up).
"""

from collections.abc import Callable, Iterable, Mapping

from node.storage.keys import LEGACY_VERSION_BYTES
from node.storage.tree_records import (
    NODE_BYTE,
    PREIMAGE_SIZE,
    child_versions,
    held_record,
    held_value,
)
from protocol.smt_proof import EMPTY_HASH

TOP_LEVELS = 14
"""Depths 0-13 of the tree: at most 2**14 - 1 nodes in one version, all of a tree's
interior nodes up to ~10,000 records; about 3.5 node reads per insert stay at 100,000."""
CATCH_UP_LEVELS = 16
"""Depths 0-15, held while block sync is far behind (module docstring)."""


def held_entries_max(levels: int) -> int:
    """Past this many entries the held set is rebuilt from the committed root. Each commit
    lets go of the nodes its update replaced, so what piles up is only the leaves a
    neighbour's insert pushed below the held levels: a young tree's, while it grows past
    `levels` deep (about 7,800 at 14 levels, by ~30,000 records); a few rebuilds in a
    chain's life."""
    return (1 << levels) + (1 << levels) // 4


ENTRIES_MAX = held_entries_max(TOP_LEVELS)

Reader = Callable[[bytes, bytes], bytes | None]
"""read(node_hash, version): the node's stored record (node/storage/tree_records.py), at its
version as encoded in its parent's record."""


class SmtTopLevels:
    """The nodes at depth < `levels` of the last committed tree, by hash: each one's record,
    own version and boundary flag (node/storage/tree_records.py `held_value`).

    Invariant: a node held here has every descendant at depth < `levels` held too, so a
    fill stops at the first node it already holds (an unchanged subtree). At most
    `entries_max` entries plus one block's new nodes (< 2**levels).
    """

    __slots__ = ("_nodes", "entries_max", "get", "levels")

    def __init__(self, *, levels: int = TOP_LEVELS, entries_max: int = ENTRIES_MAX) -> None:
        assert levels >= 1 and entries_max >= 2**levels
        self.levels = levels
        self.entries_max = entries_max
        self._nodes: dict[bytes, bytes] = {}
        self.get: Callable[[bytes], bytes | None] = self._nodes.get
        """get(node_hash): what is held for it (tree_records.held_value), else None. The held
        dict's own get, a C call (every walk down the tree asks it for each held level);
        _hold rebinds it when the dict is replaced."""

    def __len__(self) -> int:
        return len(self._nodes)

    def preimage(self, node_hash: bytes) -> bytes | None:
        """The held node's preimage (the bytes its hash is taken over), else None."""
        held = self._nodes.get(node_hash)
        return None if held is None else held[:PREIMAGE_SIZE]

    def advance(
        self,
        root: bytes,
        read: Reader,
        new: Mapping[bytes, bytes] | None = None,
        *,
        root_version: bytes = LEGACY_VERSION_BYTES,
        replaced: Iterable[bytes] = (),
    ) -> None:
        """Hold the upper levels of the tree under root (stored at root_version), just
        committed. `new`: the records the commit wrote, by hash (looked up first); `read`
        gives the record of any other node not held (the tree database, or the main one
        for data written before ADR 0038); `replaced`: the nodes of the tree before that
        the update replaced (protocol.smt.ReplacedTrackingSmtStore), let go first.

        The held set so stays the reachable one (fewer than 2**levels entries), with no
        second set carried between rebuilds; what the rule leaves held is a leaf a
        neighbour's insert pushed below the held levels, and once over entries_max the set
        is rebuilt from root, reading only what it holds. Should the new tree hold a node
        reported replaced, the fill puts it back: every node above it was reported too, so
        none of them stops the fill before it.
        """
        nodes = self._nodes
        # In place: the held levels are read only by the thread that commits (block
        # execution, on the consensus worker; node/storage/leveldb.py).
        pop = nodes.pop
        for node_hash in replaced:
            pop(node_hash, None)
        self._fill(nodes, root, root_version, {} if new is None else new, read)
        if len(nodes) > self.entries_max:
            self._rebuild(root, root_version, read)

    def resize(
        self,
        levels: int,
        root: bytes | None,
        read: Reader,
        *,
        root_version: bytes = LEGACY_VERSION_BYTES,
    ) -> None:
        """Hold `levels` levels from now on (at most 2 * 2**levels entries), of the tree
        under root, the last committed one (None: no tree yet). The held set is rebuilt at
        once, so the invariant holds for the new depth: growing reads the new levels' nodes
        (`read`, LevelDB), shrinking reads nothing and lets go of the deeper nodes."""
        assert levels >= 1
        self.levels, self.entries_max = levels, held_entries_max(levels)
        if root is None:
            self._hold({})
        else:
            self._rebuild(root, root_version, read)

    def _rebuild(self, root: bytes, root_version: bytes, read: Reader) -> None:
        fresh: dict[bytes, bytes] = {}
        self._fill(fresh, root, root_version, self._nodes, read, known_held=True)
        self._hold(fresh)

    def _hold(self, nodes: dict[bytes, bytes]) -> None:
        # get is the new dict's own, rebound with it (a C call on every held read).
        self._nodes = nodes
        self.get = nodes.get

    def _fill(
        self,
        nodes: dict[bytes, bytes],
        root: bytes,
        root_version: bytes,
        known: Mapping[bytes, bytes],
        read: Reader,
        *,
        known_held: bool = False,
    ) -> None:
        """Add to nodes the upper levels under root that it lacks, each record taken from
        known (one dict lookup: the block's new records, or with known_held the held set
        being rebuilt, its values) or else read at the version its parent names."""
        # Level by level from the root; the nodes found go in deepest first, in one update
        # after the walk, so an interrupted fill never leaves a held node above a missing
        # one (the invariant the early stop relies on). Hashes and values are kept in
        # lists of bytes, not a tuple per node: bytes are not tracked by the cyclic
        # garbage collector, and thousands of live tuples would set off its collections
        # (a full one walks every object of the node's heap).
        find = known.get
        hashes: list[bytes] = []
        values: list[bytes] = []
        level, versions = [root], [root_version]
        last = self.levels - 1
        for depth in range(self.levels):
            below: list[bytes] = []
            below_versions: list[bytes] = []
            for node_hash, version in zip(level, versions, strict=True):
                if node_hash == EMPTY_HASH or node_hash in nodes:
                    continue
                record = find(node_hash)
                if record is None:
                    record = read(node_hash, version)
                    assert record is not None, f"store lost node {node_hash.hex()}"
                elif known_held:
                    record = held_record(record)
                hashes.append(node_hash)
                values.append(held_value(record, version, depth == last))
                if record[0] == NODE_BYTE:
                    below += (record[1:33], record[33:65])
                    below_versions += child_versions(record)
            level, versions = below, below_versions
        nodes.update(zip(reversed(hashes), reversed(values), strict=True))
