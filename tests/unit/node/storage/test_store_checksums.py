"""A flipped byte in a store's files is refused or raised, never served (stop 56, the chaos
pass's findings 2 and 3).

Without paranoid_checks LevelDB opened a database whose log held a damaged record by
dropping it and deleting the log (three committed blocks' records gone, the node `ready`);
without verify_checksums a flipped byte in a table was read as it was, and the next
compaction rewrote it with fresh checksums, where nothing could find it any more. A log
cut at its last record by a crash (kill -9 mid-write) must still open.
"""

from pathlib import Path

import plyvel
import pytest

from node.storage import LevelDbStore, keys
from node.storage.errors import StoreDamagedError
from node.storage.leveldb_tuning import LEVELDB_OPTIONS
from node.storage.store_files import TREE_DIRECTORY
from tests.unit.node.storage import chain

BLOCKS = 30
ACCOUNT = "account/7"


def logged_store(directory: Path, blocks: int = BLOCKS) -> Path:
    """A closed store with blocks 0..blocks-1 committed, the main database's records still
    only in its write-ahead log (LevelDB writes a table when the 4 MiB memtable fills);
    that log's path."""
    with LevelDbStore.open(directory) as store:
        for height in range(blocks):
            chain.commit_block(store, height)
    (log,) = directory.glob("*.log")
    return log


def tabled_store(directory: Path) -> bytes:
    """A closed store with BLOCKS blocks committed and the main database's records in its
    tables; the bytes of ACCOUNT's record."""
    with LevelDbStore.open(directory) as store:
        for height in range(BLOCKS):
            chain.commit_block(store, height)
        store._db.compact_range()  # the memtable written out as a table
        record = store.state.get(ACCOUNT)
    assert record is not None
    return record


def flip_in_tables(directory: Path, record: bytes) -> int:
    """Change one byte of record in each of the main database's tables that hold it; how
    many copies were changed."""
    flipped = 0
    for table in directory.glob("*.ldb"):
        data = bytearray(table.read_bytes())
        at = data.find(record)
        while at >= 0:
            data[at + len(record) - 1] ^= 0x01
            flipped += 1
            at = data.find(record, at + 1)
        table.write_bytes(bytes(data))
    return flipped


def test_a_flipped_byte_in_the_log_is_refused_at_open(tmp_path: Path) -> None:
    directory = tmp_path / "data"
    log = logged_store(directory)
    data = bytearray(log.read_bytes())
    data[len(data) // 2] ^= 0x01
    log.write_bytes(bytes(data))
    with pytest.raises(StoreDamagedError, match="LevelDB reports Corruption") as refused:
        LevelDbStore.open(directory)
    assert str(refused.value).startswith(f"cannot open the store at {directory}")
    assert "restore the data directory from a backup" in str(refused.value)
    assert log.exists()  # LevelDB deleted the log it had read around the damage


def test_a_log_cut_in_its_last_record_opens_with_the_blocks_before(tmp_path: Path) -> None:
    directory = tmp_path / "data"
    log = logged_store(directory)
    # A crash mid-write leaves the last block's batch, the log's last record, cut short.
    log.write_bytes(log.read_bytes()[:-20])
    with LevelDbStore.open(directory) as store:
        assert store.head_height() == BLOCKS - 2
        assert store.damage is None
        assert store.get_block(BLOCKS - 2) == chain.header_bytes(BLOCKS - 2)
        assert chain.stored_roots(store) == chain.memory_roots(BLOCKS - 1)
        expected = chain.memory_state(BLOCKS - 1)
        for account in range(chain.ACCOUNT_COUNT):
            key = f"account/{account}"
            assert store.state.get(key) == expected.get(key), key
        chain.commit_block(store, BLOCKS - 1)  # and it goes on from there
        assert store.head_height() == BLOCKS - 1


def test_a_flipped_byte_in_a_table_is_raised_where_it_is_read(tmp_path: Path) -> None:
    directory = tmp_path / "data"
    record = tabled_store(directory)
    assert flip_in_tables(directory, record) >= 1
    with LevelDbStore.open(directory) as store:
        assert store.damage is None  # LevelDB reads a table's blocks when they are asked for
        with pytest.raises(StoreDamagedError) as refused, store.damage_reported():
            store.state.get(ACCOUNT)  # a node's start reads it: it refuses to start
        assert str(refused.value).startswith(f"cannot open the store at {directory}: LevelDB")
    with LevelDbStore.open(directory) as store:
        with pytest.raises(StoreDamagedError, match="block checksum mismatch") as raised:
            store.state.get(ACCOUNT)
        assert str(raised.value).startswith(f"the store at {directory} is damaged: LevelDB")
        assert "restore the data directory from a backup" in str(raised.value)
        assert store.damage is raised.value  # kept: the node is not ready from then on
        with pytest.raises(StoreDamagedError):
            store.list_state("account/", after=None, limit=100)
        with pytest.raises(StoreDamagedError):
            store.begin().state.get(ACCOUNT)  # a block's reads, through a snapshot


def test_a_compaction_over_a_flipped_byte_does_not_rewrite_it(tmp_path: Path) -> None:
    directory = tmp_path / "data"
    record = tabled_store(directory)
    assert flip_in_tables(directory, record) >= 1
    with LevelDbStore.open(directory) as store:
        # Newer records over the damaged table's keys, then a compaction through every level:
        # it reads the damaged table to merge it.
        for account in range(chain.ACCOUNT_COUNT):
            store._db.put(keys.state_key(f"account/{account}x"), b"later")
        store._db.compact_range(start=b"\x00", stop=b"\xff")
        # The compaction stopped at the damaged block, and LevelDB refuses writes after it.
        with pytest.raises(StoreDamagedError, match="Corruption"):
            chain.commit_block(store, BLOCKS)
        assert store.damage is not None
        with pytest.raises(StoreDamagedError, match="Corruption"):
            store.put_checkpoint_note(BLOCKS, b"a note")  # every write, not only a block's
    db = plyvel.DB(str(directory), **LEVELDB_OPTIONS)
    try:
        with pytest.raises(plyvel.CorruptionError):
            db.get(keys.state_key(ACCOUNT), verify_checksums=True)
    finally:
        db.close()


def test_a_flipped_byte_in_the_tree_databases_log_is_refused_at_open(tmp_path: Path) -> None:
    # Stop 56's chaos pass (finding 13): LevelDB dropped ~39 KB of the tree database's log
    # around the damage, and the node died on `AssertionError: store lost node` with the
    # records gone for good. The tree database opens with paranoid_checks too.
    directory = tmp_path / "data"
    logged_store(directory)
    (log,) = (directory / TREE_DIRECTORY).glob("*.log")
    data = bytearray(log.read_bytes())
    data[len(data) // 2] ^= 0x01
    log.write_bytes(bytes(data))
    with pytest.raises(StoreDamagedError, match="LevelDB reports Corruption"):
        LevelDbStore.open(directory)
    assert log.exists()
