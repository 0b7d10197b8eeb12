"""node/storage/smt_top.py: the committed state tree's upper levels, held in memory.

The roots a tree computes through the held levels must equal the roots without them
(hypothesis histories with inserts, updates and deletes, and seeded LevelDB chains), every
held entry must be a node's true preimage, and the held set must stay bounded.
"""

import gc
import random
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from node.storage import LevelDbStore, native_memory
from node.storage.keys import LEGACY_VERSION_BYTES
from node.storage.overlay import Overlay
from node.storage.seek_reads import SeekReads
from node.storage.smt_top import Reader, SmtTopLevels, held_entries_max
from protocol.hashing import Hash32, sha256
from protocol.smt import MemorySmtStore, SparseMerkleTree
from protocol.smt_proof import EMPTY_HASH, NODE_PREFIX
from tests.unit.node.storage.chain import commit_tree

KEY_SPACE = [f"record/{index}".encode() for index in range(64)]

writes_strategy = st.dictionaries(
    st.sampled_from(KEY_SPACE), st.none() | st.binary(min_size=0, max_size=3), max_size=32
)


class TopFirstStore(MemorySmtStore):
    """A MemorySmtStore whose node reads look in the held levels first, counting misses."""

    tracks_replaced = True

    def __init__(self, top: SmtTopLevels) -> None:
        super().__init__()
        self.top = top
        self.misses = 0
        self.written: dict[bytes, bytes] = {}
        """The nodes of the last update (what a commit hands advance() as new)."""
        self.replaced: list[bytes] = []
        """The nodes the last update replaced (what a commit hands advance() as replaced)."""

    def nodes_replaced(self, node_hashes: Iterable[bytes]) -> None:
        self.replaced = list(node_hashes)

    def put_nodes(self, nodes: Mapping[bytes, bytes]) -> None:
        super().put_nodes(nodes)
        self.written = dict(nodes)

    def get_node(self, node_hash: bytes) -> bytes | None:
        held = self.top.preimage(node_hash)
        if held is not None:
            return held
        self.misses += 1
        return super().get_node(node_hash)

    def read_stored(self, node_hash: bytes, version: bytes = LEGACY_VERSION_BYTES) -> bytes | None:
        """A read for advance(), which the count leaves out (it is the commit's, not a walk's).
        An in-memory store keeps preimages (versions are the tree database's)."""
        return super().get_node(Hash32(node_hash))


def upper_nodes(store: MemorySmtStore, root: bytes, levels: int) -> set[bytes]:
    """Hashes of the nodes at depth < levels under root, walked without the held set."""
    found: set[bytes] = set()
    pending = [(root, 0)]
    while pending:
        node_hash, depth = pending.pop()
        if node_hash == EMPTY_HASH or depth >= levels:
            continue
        found.add(node_hash)
        preimage = MemorySmtStore.get_node(store, Hash32(node_hash))
        assert preimage is not None
        if preimage[:1] == NODE_PREFIX:
            pending += [(preimage[1:33], depth + 1), (preimage[33:65], depth + 1)]
    return found


def check_held(
    top: SmtTopLevels, store: MemorySmtStore, root: bytes, *, reachable_only: bool = False
) -> None:
    """Every node at depth < levels under root is held, as its true preimage, in bounds.
    reachable_only (replaced nodes let go at each commit): what else is held is leaves only,
    those pushed below the held levels by a neighbour's insert."""
    wanted = upper_nodes(store, root, top.levels)
    held = dict(top._nodes)
    assert wanted <= held.keys()
    if reachable_only:
        extra = held.keys() - wanted
        assert all(held[node_hash][:1] != NODE_PREFIX for node_hash in extra)
    assert all(sha256(value[:65]) == node_hash for node_hash, value in held.items())
    assert all(top.preimage(node_hash) == value[:65] for node_hash, value in held.items())
    assert len(held) <= top.entries_max + 2**top.levels


def commit_inserts(
    store: LevelDbStore, memory: SparseMerkleTree, rng: random.Random, heights: range, count: int
) -> bytes:
    """Commit a block of count random inserts at each height, each root checked against
    memory (a plain tree given the same writes); the last root."""
    root = b""
    for height in heights:
        writes: dict[bytes, bytes | None] = {
            f"record/{rng.getrandbits(32)}".encode(): b"v" for _ in range(count)
        }
        root = commit_tree(store, height, writes)
        assert root == memory.update(height, writes)
    return root


@settings(max_examples=150, deadline=None)
@given(
    st.lists(writes_strategy, min_size=1, max_size=8),
    st.integers(min_value=1, max_value=5),
    st.booleans(),
    st.booleans(),
)
def test_roots_with_held_levels_equal_roots_without(
    history: list[dict[bytes, bytes | None]], levels: int, with_new: bool, with_replaced: bool
) -> None:
    plain = SparseMerkleTree(MemorySmtStore())
    # With replaced nodes let go, the held set is never rebuilt: entries_max out of reach.
    top = SmtTopLevels(levels=levels, entries_max=2**levels * (64 if with_replaced else 1))
    store = TopFirstStore(top)
    held = SparseMerkleTree(store)
    for version, writes in enumerate(history):
        store.written, store.replaced = {}, []
        root = held.update(version, writes)
        assert root == plain.update(version, writes)
        # A commit hands over the nodes it wrote; any other node (a leaf a delete moved
        # up into the held levels) is still read.
        top.advance(
            root,
            store.read_stored,
            store.written if with_new else None,
            replaced=store.replaced if with_replaced else (),
        )
        check_held(top, store, root, reachable_only=with_replaced)
        for key in KEY_SPACE[:8]:
            assert held.prove(key) == plain.prove(key)


def test_held_levels_spare_reads_and_drop_unreachable_nodes() -> None:
    rng = random.Random(20)
    top = SmtTopLevels(levels=8, entries_max=2**8)
    store, bare = TopFirstStore(top), TopFirstStore(SmtTopLevels(levels=1, entries_max=2))
    held, plain = SparseMerkleTree(store), SparseMerkleTree(bare)
    for version in range(30):
        writes: dict[bytes, bytes | None] = {
            f"record/{rng.getrandbits(32)}".encode(): b"v" for _ in range(40)
        }
        root = held.update(version, writes)
        assert root == plain.update(version, writes)
        top.advance(root, store.read_stored)
        check_held(top, store, root)
    # 1,200 records: the top 8 levels are full, and each insert reads them no more.
    assert store.misses < bare.misses * 0.6
    assert len(top) <= top.entries_max + 2**top.levels


def test_a_store_lets_go_of_replaced_nodes_and_never_rebuilds(tmp_path: Path) -> None:
    # Each commit drops the nodes its update replaced, so the held set stays the reachable
    # one (plus leaves pushed below the held levels) and is never rebuilt from the root,
    # where before it swung between one and two times the reachable set.
    rebuilds: list[int] = []

    class Counted(SmtTopLevels):
        def _rebuild(self, root: bytes, root_version: bytes, read: Reader) -> None:
            rebuilds.append(len(self))
            super()._rebuild(root, root_version, read)

    memory_store = MemorySmtStore()
    memory, top = SparseMerkleTree(memory_store), Counted(levels=8, entries_max=2 * 2**8)
    rng = random.Random(38)
    with LevelDbStore.open(tmp_path / "db", smt_top=top) as store:
        for height in range(24):
            writes: dict[bytes, bytes | None] = {
                f"record/{rng.randrange(5000)}".encode(): bytes([height % 7]) for _ in range(120)
            }
            if height % 4 == 3:
                writes[f"record/{rng.randrange(5000)}".encode()] = None
            root = commit_tree(store, height, writes)
            assert root == memory.update(height, writes)
            check_held(top, memory_store, root, reachable_only=True)
            assert SparseMerkleTree(store.smt).prove(b"record/7") == memory.prove(b"record/7")
    assert rebuilds == []
    assert len(top) < 2**top.levels + 120


def test_leveldb_store_roots_and_reads_with_held_levels(tmp_path: Path) -> None:
    rng = random.Random(7)
    memory = SparseMerkleTree(MemorySmtStore())
    top = SmtTopLevels(levels=5, entries_max=2**5)
    with LevelDbStore.open(tmp_path / "db", smt_top=top) as store:
        for height in range(12):
            writes: dict[bytes, bytes | None] = {
                f"record/{rng.randrange(300)}".encode(): bytes([height]) for _ in range(25)
            }
            if height % 3 == 2:
                writes[f"record/{rng.randrange(300)}".encode()] = None
            root = commit_tree(store, height, writes)
            assert root == memory.update(height, writes)
            assert top.get(root) is not None
            assert SparseMerkleTree(store.smt).prove(b"record/5") == memory.prove(b"record/5")
        assert len(top) <= top.entries_max + 2**top.levels


def test_a_commit_fills_the_held_levels_from_the_nodes_it_wrote(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Inserts only: every node a commit must hold is one it wrote, so none is read back
    # by its key (the fill read each new node through the overlay before).
    reads: list[bytes] = []
    real_reader = LevelDbStore._node_reader

    def counting_reader(
        self: LevelDbStore, space: Overlay | SeekReads
    ) -> Callable[[bytes, bytes], bytes | None]:
        read = real_reader(self, space)

        def counted(node_hash: bytes, version: bytes) -> bytes | None:
            reads.append(node_hash)
            return read(node_hash, version)

        return counted

    monkeypatch.setattr(LevelDbStore, "_node_reader", counting_reader)
    top, memory_store = SmtTopLevels(levels=6, entries_max=2**6), MemorySmtStore()
    with LevelDbStore.open(tmp_path / "db", smt_top=top) as store:
        tree = SparseMerkleTree(memory_store)
        check_held(top, memory_store, commit_inserts(store, tree, random.Random(11), range(6), 40))
    assert reads == []


def test_a_fill_sets_off_no_garbage_collection() -> None:
    # A node's heap is large, and a collection walks it: a fill of thousands of nodes must
    # not keep a tracked object (a tuple) per node alive until it ends.
    top = SmtTopLevels(levels=11, entries_max=2**11)
    store = TopFirstStore(top)
    rng = random.Random(9)
    writes: dict[bytes, bytes | None] = {
        f"record/{rng.getrandbits(32)}".encode(): b"v" for _ in range(3000)
    }
    root = SparseMerkleTree(store).update(0, writes)
    collections: list[str] = []

    def note(phase: str, info: dict[str, int]) -> None:
        collections.append(phase)

    gc.collect()
    gc.callbacks.append(note)
    try:
        top.advance(root, store.read_stored, store.written)
    finally:
        gc.callbacks.remove(note)
    assert len(top) > 2 * gc.get_threshold()[0]  # enough nodes to set one off
    assert collections == []


def test_a_dropped_overlay_leaves_the_held_levels_alone(tmp_path: Path) -> None:
    top = SmtTopLevels(levels=4, entries_max=2**4)
    with LevelDbStore.open(tmp_path / "db", smt_top=top) as store:
        overlay = store.begin()
        root = SparseMerkleTree(overlay.smt).update(0, {b"a": b"1", b"b": b"2", b"c": b"3"})
        overlay.record_block(height=0, block=b"g", certificate=None, results=[], tx_ids=[])
        store.commit(overlay)
        held = dict(top._nodes)
        assert top.get(root) is not None
        dropped = store.begin()
        SparseMerkleTree(dropped.smt).update(1, {b"d": b"4", b"a": None})
        del dropped
        assert dict(top._nodes) == held


def test_a_reopened_store_holds_the_upper_levels_before_its_first_commit(
    tmp_path: Path,
) -> None:
    # A restarted node executes its first proposals before it commits anything: the held
    # levels must already be there, or each of those inserts reads its whole path from
    # LevelDB.
    rng = random.Random(3)
    memory_store = MemorySmtStore()
    memory = SparseMerkleTree(memory_store)
    with LevelDbStore.open(tmp_path / "db") as store:
        root = commit_inserts(store, memory, rng, range(3), 200)
    top = SmtTopLevels(levels=6, entries_max=2**6)
    with LevelDbStore.open(tmp_path / "db", smt_top=top) as store:
        check_held(top, memory_store, root)
        assert len(top) == len(upper_nodes(memory_store, root, top.levels))


def test_resize_holds_the_new_depth_and_lets_go_of_the_deeper_nodes() -> None:
    rng = random.Random(16)
    top = SmtTopLevels(levels=4, entries_max=2**4)
    store = TopFirstStore(top)
    tree = SparseMerkleTree(store)
    for version in range(4):
        root = tree.update(
            version, {f"record/{rng.getrandbits(32)}".encode(): b"v" for _ in range(60)}
        )
        top.advance(root, store.read_stored)
    # Growing: the two new levels are held at once, not only along the next block's paths.
    top.resize(6, root, store.read_stored)
    assert (top.levels, top.entries_max) == (6, held_entries_max(6)) == (6, 80)
    assert top._nodes.keys() == upper_nodes(store, root, 6)
    check_held(top, store, root)
    # Later blocks keep all six levels held.
    root = tree.update(4, {f"record/{rng.getrandbits(32)}".encode(): b"v" for _ in range(60)})
    top.advance(root, store.read_stored)
    check_held(top, store, root)
    # Shrinking: nothing deeper than the new depth, nothing unreachable, no read.
    top.resize(3, root, lambda node_hash, version: pytest.fail("shrinking read a node"))
    assert top._nodes.keys() == upper_nodes(store, root, 3)
    top.resize(5, None, store.read_stored)  # no tree committed yet: nothing to hold
    assert (len(top), top.levels) == (0, 5)


def test_a_store_holds_more_levels_on_request_and_its_own_again_trimmed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    trims: list[bool] = []

    def trim_heap() -> bool:
        trims.append(True)
        return True

    monkeypatch.setattr(native_memory, "trim_heap", trim_heap)
    rng = random.Random(5)
    memory_store = MemorySmtStore()
    memory = SparseMerkleTree(memory_store)
    top = SmtTopLevels(levels=3, entries_max=2**3)
    with LevelDbStore.open(tmp_path / "db", smt_top=top) as store:
        root = commit_inserts(store, memory, rng, range(3), 100)
        store.hold_tree_levels(7)
        assert (store.held_tree_levels, trims) == (7, [])
        assert top._nodes.keys() == upper_nodes(memory_store, root, 7)
        writes: dict[bytes, bytes | None] = {
            f"record/{rng.getrandbits(32)}".encode(): b"w" for _ in range(100)
        }
        root = commit_tree(store, 3, writes)
        assert root == memory.update(3, writes)
        check_held(top, memory_store, root)
        store.hold_tree_levels(None)  # back to what it opened with
        assert (store.held_tree_levels, trims) == (3, [True])
        assert top._nodes.keys() == upper_nodes(memory_store, root, 3)
        store.hold_tree_levels(None)
        assert trims == [True]
