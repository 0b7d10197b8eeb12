"""The state tree's own database, keyed by version (ADR 0038): every root, proof and past
read equals the in-memory tree's, whatever the held levels, for data written before the
change (read in place) and after, across reopenings, stale overlays and a crash between
the tree's batch and the block's."""

import random
from pathlib import Path

import plyvel
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from node.storage import LevelDbStore, keys, views
from node.storage.errors import StoreWriteError
from node.storage.smt_top import SmtTopLevels
from node.storage.store_files import TREE_DIRECTORY
from protocol.smt import MemorySmtStore, SparseMerkleTree
from tests.unit.node.storage.chain import commit_tree

KEY_SPACE = [f"record/{index}".encode() for index in range(48)]
writes_strategy = st.dictionaries(
    st.sampled_from(KEY_SPACE), st.none() | st.binary(min_size=0, max_size=3), max_size=24
)


def assert_same_history(store: LevelDbStore, memory: SparseMerkleTree, versions: int) -> None:
    """Every version's root, and every key's proof and value at it, as the memory tree's."""
    stored = SparseMerkleTree(store.smt)
    for version in range(versions):
        assert stored.root(version) == memory.root(version)
        for key in KEY_SPACE[::5]:
            assert stored.prove(key, version) == memory.prove(key, version)
            assert stored.get(key, version) == memory.get(key, version)


@settings(max_examples=40, deadline=None)
@given(st.lists(writes_strategy, min_size=1, max_size=7), st.integers(1, 4))
def test_roots_proofs_and_past_reads_equal_the_memory_trees(
    tmp_path_factory: pytest.TempPathFactory,
    history: list[dict[bytes, bytes | None]],
    levels: int,
) -> None:
    memory = SparseMerkleTree(MemorySmtStore())
    directory = tmp_path_factory.mktemp("tree") / "db"
    top = SmtTopLevels(levels=levels, entries_max=2**levels)
    with LevelDbStore.open(directory, smt_top=top) as store:
        for height, writes in enumerate(history):
            assert commit_tree(store, height, writes) == memory.update(height, writes)
        assert_same_history(store, memory, len(history))
    # Reopened, with other held levels: the versions come from the records again.
    with LevelDbStore.open(directory, smt_top=SmtTopLevels(levels=1, entries_max=2)) as store:
        assert_same_history(store, memory, len(history))
        writes = {KEY_SPACE[0]: b"after", KEY_SPACE[1]: None}
        height = len(history)
        assert commit_tree(store, height, writes) == memory.update(height, writes)


def write_legacy_store(directory: Path, history: list[dict[bytes, bytes | None]]) -> MemorySmtStore:
    """A main database as a store wrote it before ADR 0038: nodes and values under their
    hashes, 32-byte roots, no tree database."""
    memory_store = MemorySmtStore()
    tree = SparseMerkleTree(memory_store)
    for height, writes in enumerate(history):
        tree.update(height, writes)
    with plyvel.DB(str(directory), create_if_missing=True) as db:
        for node_hash, preimage in memory_store.nodes.items():
            db.put(keys.smt_node_key(node_hash), preimage)
        for value_hash, value in memory_store.values.items():
            db.put(keys.smt_value_key(value_hash), value)
        for version, root in memory_store.roots.items():
            db.put(keys.smt_root_key(version), root)
        last = len(history) - 1
        db.put(keys.SMT_LATEST_KEY, keys.encode_int(last))
        db.put(keys.HEAD_KEY, keys.encode_int(last))
    return memory_store


@pytest.mark.parametrize("levels", [1, 3, 14])
def test_data_written_before_adr_0038_reads_in_place_and_new_nodes_name_it(
    tmp_path: Path, levels: int
) -> None:
    rng = random.Random(levels)
    history: list[dict[bytes, bytes | None]] = [
        {rng.choice(KEY_SPACE): bytes([height, i]) for i in range(12)} for height in range(5)
    ]
    history[3][KEY_SPACE[2]] = None
    memory_store = write_legacy_store(tmp_path / "db", history)
    memory_store_before = MemorySmtStore()
    memory_store_before.nodes.update(memory_store.nodes)
    memory_store_before.values.update(memory_store.values)
    memory = SparseMerkleTree(memory_store)
    top = SmtTopLevels(levels=levels, entries_max=2 * 2**levels)
    with LevelDbStore.open(tmp_path / "db", smt_top=top) as store:
        assert_same_history(store, memory, len(history))
        for height in range(len(history), len(history) + 4):
            writes: dict[bytes, bytes | None] = {
                rng.choice(KEY_SPACE): bytes([height, i]) for i in range(6)
            }
            writes[rng.choice(KEY_SPACE)] = None
            assert commit_tree(store, height, writes) == memory.update(height, writes)
        assert_same_history(store, memory, len(history) + 4)
        # Nothing new in the old layout: the new nodes and values went to the tree.
        old_layout = sum(
            1
            for key, _ in store._db.iterator()
            if key.startswith((keys.SMT_NODE_PREFIX, keys.SMT_VALUE_PREFIX))
        )
        assert old_layout == len(memory_store_before.nodes) + len(memory_store_before.values)
    with LevelDbStore.open(tmp_path / "db") as store:
        assert_same_history(store, memory, len(history) + 4)


def test_the_tree_database_holds_new_nodes_values_and_blocks_the_main_one_none(
    tmp_path: Path,
) -> None:
    with LevelDbStore.open(tmp_path / "db") as store:
        for height in range(3):
            commit_tree(store, height, {f"record/{height}/{i}".encode(): b"v" for i in range(20)})
        main = [key for key, _ in store._db.iterator()]
        tree = [key for key, _ in store._tree_db.iterator()]
    old_layout = (
        keys.SMT_NODE_PREFIX,
        keys.SMT_VALUE_PREFIX,
        keys.BLOCK_PREFIX,
        keys.CERTIFICATE_PREFIX,
        keys.RESULT_PREFIX,
        keys.LEAVES_PREFIX,
    )
    assert not [key for key in main if key.startswith(old_layout)]
    # Keys grow with the version (a block's height): a block's records sort after every
    # earlier block's, so the database's tables move down its levels without rewriting.
    versions = [keys.decode_int(key[: keys.INT_SIZE]) for key in tree]
    assert versions == sorted(versions) and set(versions) == {0, 1, 2}
    kinds = {key[keys.INT_SIZE : keys.INT_SIZE + 1] for key in tree}
    assert kinds == {
        keys.TREE_NODE_KIND,
        keys.TREE_VALUE_KIND,
        keys.CHAIN_BLOCK_KIND,
        keys.CHAIN_CERTIFICATE_KIND,
    }


def test_a_stale_overlay_still_reads_its_base_after_another_commits(tmp_path: Path) -> None:
    memory = SparseMerkleTree(MemorySmtStore())
    top = SmtTopLevels(levels=3, entries_max=2**3)
    with LevelDbStore.open(tmp_path / "db", smt_top=top) as store:
        for height in range(3):
            writes: dict[bytes, bytes | None] = {
                key: bytes([height]) for key in KEY_SPACE[height::3]
            }
            commit_tree(store, height, writes)
            memory.update(height, writes)
        stale = store.begin()
        winner = dict.fromkeys(KEY_SPACE[::2], b"winner")
        assert commit_tree(store, 3, winner) == memory.update(3, winner)
        # The stale overlay's reads still see version 2, through held levels of version 3.
        late = SparseMerkleTree(stale.smt)
        for key in KEY_SPACE:
            assert late.get(key, 2) == memory.get(key, 2)
            assert late.prove(key, 2) == memory.prove(key, 2)
        loser_root = late.update(3, dict.fromkeys(KEY_SPACE[1::2], b"loser"))
        other = SparseMerkleTree(MemorySmtStore())
        for height in range(3):
            other.update(height, {key: bytes([height]) for key in KEY_SPACE[height::3]})
        assert loser_root == other.update(3, dict.fromkeys(KEY_SPACE[1::2], b"loser"))


def test_a_crash_between_the_trees_batch_and_the_blocks_leaves_the_old_head(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    memory = SparseMerkleTree(MemorySmtStore())
    with LevelDbStore.open(tmp_path / "db") as store:
        first = dict.fromkeys(KEY_SPACE[:20], b"one")
        commit_tree(store, 0, first)
        memory.update(0, first)
        overlay = store.begin()
        SparseMerkleTree(overlay.smt).update(1, dict.fromkeys(KEY_SPACE[10:30], b"two"))
        overlay.record_block(height=1, block=b"b", certificate=b"c", results=[], tx_ids=[])

        class FailingBatch:
            def __init__(self, batch: object) -> None:
                self._batch = batch

            def put(self, key: bytes, value: bytes) -> None:
                pass

            def delete(self, key: bytes) -> None:
                pass

            def write(self) -> None:
                raise plyvel.IOError("disk gone")

        real_db = store._db
        monkeypatch.setattr(store, "_db", _Wrapped(real_db, FailingBatch))
        with pytest.raises(StoreWriteError):
            store.commit(overlay)
        monkeypatch.setattr(store, "_db", real_db)
        assert store.head_height() == 0
        # The block's records reached the tree database, but the head says it is not
        # committed: no read finds it (ADR 0039).
        assert store._tree_db.get(keys.chain_block_key(1)) == b"b"
        assert store.get_block(1) is None and store.get_certificate(1) is None
    # Reopened: the orphaned records are there, unnamed; the same block commits again.
    with LevelDbStore.open(tmp_path / "db") as store:
        assert store.head_height() == 0
        assert store.get_block(1) is None
        second = dict.fromkeys(KEY_SPACE[10:30], b"two")
        assert commit_tree(store, 1, second) == memory.update(1, second)
        assert_same_history(store, memory, 2)


class _Wrapped:
    """A plyvel DB whose write batches are replaced (the rest passes through)."""

    def __init__(self, db: object, batch: type) -> None:
        self._db = db
        self._batch = batch

    def write_batch(self, **options: object) -> object:
        return self._batch(self._db.write_batch(**options))  # type: ignore[attr-defined]

    def __getattr__(self, name: str) -> object:
        return getattr(self._db, name)


def test_the_tree_directory_survives_the_main_databases_cleanup(tmp_path: Path) -> None:
    memory = SparseMerkleTree(MemorySmtStore())
    for round_ in range(3):
        with LevelDbStore.open(tmp_path / "db") as store:
            for height in range(round_ * 4, round_ * 4 + 4):
                writes: dict[bytes, bytes | None] = {
                    f"record/{height}/{i}".encode(): b"x" * 200 for i in range(50)
                }
                assert commit_tree(store, height, writes) == memory.update(height, writes)
            store._db.compact_range()
    assert (tmp_path / "db" / TREE_DIRECTORY / "CURRENT").is_file()
    with LevelDbStore.open(tmp_path / "db") as store:
        assert_same_history(store, memory, 12)


def test_a_thread_forgets_what_its_walks_learned_past_the_bound(tmp_path: Path) -> None:
    memory = SparseMerkleTree(MemorySmtStore())
    with LevelDbStore.open(tmp_path / "db", smt_top=SmtTopLevels(levels=1, entries_max=2)) as store:
        for height in range(4):
            writes: dict[bytes, bytes | None] = {
                f"record/{height}/{i}".encode(): b"v" for i in range(400)
            }
            commit_tree(store, height, writes)
            memory.update(height, writes)
        tree = SparseMerkleTree(store.smt)
        for round_ in range(3):
            for i in range(400):
                key = f"record/{round_}/{i}".encode()
                assert tree.prove(key, 3) == memory.prove(key, 3)
                assert len(store.smt._learned.nodes) <= views.VERSIONS_KEPT_MAX + 64
