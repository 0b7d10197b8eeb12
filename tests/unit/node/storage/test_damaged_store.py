"""A store whose LevelDB files are damaged or incomplete is refused, never recreated over.

LevelDB opened with create_if_missing on a directory whose CURRENT file is gone starts an
empty database there and deletes the old tables: the node then synced from height 0 as if
nothing had been lost. A table truncated under a stopped node surfaced as plyvel's
CorruptionError traceback at the first read. Both are StoreDamagedError now, with what to
do, and nothing of the directory is changed.
"""

from pathlib import Path

import pytest

from node.storage import LevelDbStore
from node.storage.errors import StoreDamagedError
from node.storage.store_files import TREE_DIRECTORY
from tests.unit.node.storage import chain

BLOCKS = 30


def committed_store(directory: Path, blocks: int = BLOCKS) -> None:
    """A store with blocks 0..blocks-1 committed and its tables written out (compacted), so
    that the main database's records live in .ldb files, not only in its log."""
    with LevelDbStore.open(directory) as store:
        for height in range(blocks):
            chain.commit_block(store, height)
        store._db.compact_range()
        store._tree_db.compact_range()


def listing(directory: Path) -> dict[str, int]:
    return {path.name: path.stat().st_size for path in sorted(directory.rglob("*"))}


def test_a_store_without_its_current_file_is_refused_and_left_as_it_is(tmp_path: Path) -> None:
    directory = tmp_path / "data"
    committed_store(directory)
    (directory / "CURRENT").unlink()
    before = listing(directory)
    assert any(name.endswith(".ldb") for name in before)
    with pytest.raises(StoreDamagedError, match="CURRENT file is missing while") as refused:
        LevelDbStore.open(directory)
    assert "restore the data directory from a backup" in str(refused.value)
    assert listing(directory) == before  # no table deleted, no empty database started


def test_a_tree_database_without_its_current_file_is_refused(tmp_path: Path) -> None:
    directory = tmp_path / "data"
    committed_store(directory)
    (directory / TREE_DIRECTORY / "CURRENT").unlink()
    with pytest.raises(StoreDamagedError, match=f"{TREE_DIRECTORY}.*CURRENT file is missing"):
        LevelDbStore.open(directory)


def test_a_lost_main_database_beside_a_tree_of_blocks_is_refused(tmp_path: Path) -> None:
    directory = tmp_path / "data"
    committed_store(directory)
    for entry in directory.iterdir():
        if entry.is_file():
            entry.unlink()  # the whole main database, CURRENT included
    with pytest.raises(StoreDamagedError, match=r"holds committed blocks but .* has no head"):
        LevelDbStore.open(directory)


def test_a_lost_tree_database_is_refused(tmp_path: Path) -> None:
    directory = tmp_path / "data"
    committed_store(directory)
    for entry in (directory / TREE_DIRECTORY).iterdir():
        entry.unlink()
    (directory / TREE_DIRECTORY).rmdir()
    with pytest.raises(StoreDamagedError, match=f"state tree root of head {BLOCKS - 1} is not in"):
        LevelDbStore.open(directory)


def test_a_new_store_and_a_reopened_one_are_not_damaged(tmp_path: Path) -> None:
    directory = tmp_path / "data"
    LevelDbStore.open(directory).close()  # empty: no head, no blocks
    LevelDbStore.open(directory).close()
    committed_store(tmp_path / "other", blocks=1)  # genesis only
    with LevelDbStore.open(tmp_path / "other") as store:
        assert store.head_height() == 0


def test_a_truncated_table_is_reported_as_damage_where_it_is_read(tmp_path: Path) -> None:
    directory = tmp_path / "data"
    committed_store(directory)
    tables = sorted(directory.glob("*.ldb"), key=lambda path: path.stat().st_size)
    assert tables, "the compaction wrote no table"
    for table in tables:
        table.write_bytes(table.read_bytes()[: table.stat().st_size // 2])
    # The head is read at open (a table is opened lazily, at the first read that needs it).
    with (
        pytest.raises(StoreDamagedError, match="LevelDB reports Corruption") as refused,
        LevelDbStore.open(directory) as store,
        store.damage_reported(),
    ):
        for height in range(BLOCKS):
            store.get_block(height)
    assert "move it away and start the node again" in str(refused.value)


def test_a_tree_table_cut_short_is_a_refusal_at_open_not_a_traceback(tmp_path: Path) -> None:
    # Stop 56's chaos pass: `truncate -s -100 data/tree/000005.ldb`, and the start ended in
    # plyvel's CorruptionError traceback from the constructor's read of the tree's upper
    # levels (outside the open's damage handling).
    directory = tmp_path / "data"
    committed_store(directory)
    tables = sorted((directory / TREE_DIRECTORY).glob("*.ldb"))
    assert tables, "the compaction wrote no tree table"
    for table in tables:
        table.write_bytes(table.read_bytes()[:-100])
    with pytest.raises(StoreDamagedError, match="LevelDB reports Corruption"):
        LevelDbStore.open(directory).close()
