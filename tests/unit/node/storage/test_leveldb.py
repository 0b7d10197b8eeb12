"""node/storage/leveldb.py on real LevelDB in tmp_path: commits, reads, locking, reopening."""

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import plyvel
import pytest

from contracts.state import StateView
from node.storage import (
    LevelDbStore,
    ReadOnlyViewError,
    StoreLockedError,
    StoreOpenError,
    TxLocation,
    keys,
)
from node.storage.leveldb_tuning import compaction_mib
from node.storage.store_files import STORE_FORMAT, TREE_DIRECTORY
from protocol.hashing import Hash32, sha256
from protocol.log import LogStore, MemoryLogStore, MerkleLog
from protocol.smt import MemorySmtStore, SmtStore, SparseMerkleTree
from tests.unit.node.storage import chain

ROOT = Path(__file__).resolve().parents[4]


def run_worker(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tests.unit.node.storage.chain", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_views_satisfy_the_ports_of_protocol_and_contracts(tmp_path: Path) -> None:
    # mypy checks these annotations; at run time each port method must exist.
    with LevelDbStore.open(tmp_path / "db") as store:
        overlay = store.begin()
        log_ports: list[LogStore] = [store.log, overlay.log]
        smt_ports: list[SmtStore] = [store.smt, overlay.smt]
        state_ports: list[StateView] = [store.state, overlay.state]
        assert all(port.get_size() == 0 for port in log_ports)
        assert all(port.latest_version() is None for port in smt_ports)
        assert all(port.get("account/1") is None for port in state_ports)


def test_empty_store_has_no_head_and_empty_ports(tmp_path: Path) -> None:
    with LevelDbStore.open(tmp_path / "db") as store:
        assert store.head_height() is None
        assert store.log.get_size() == 0
        assert store.smt.latest_version() is None
        assert store.state.get("account/1") is None
        assert store.get_block(0) is None
        assert store.get_results(0) == ()


def stored_head(store: LevelDbStore) -> int | None:
    stored = store._db.get(keys.HEAD_KEY)
    return None if stored is None else keys.decode_int(stored)


class _HeadReadsCounted:
    """The store's plyvel handle, counting reads of the head key."""

    def __init__(self, db: Any) -> None:
        self.db, self.head_reads = db, 0

    def get(self, key: bytes) -> bytes | None:
        self.head_reads += key == keys.HEAD_KEY
        value: bytes | None = self.db.get(key)
        return value

    def __getattr__(self, name: str) -> Any:
        return getattr(self.db, name)


def test_the_held_head_is_the_stored_head_after_commits_and_reopening(tmp_path: Path) -> None:
    with LevelDbStore.open(tmp_path / "db") as store:
        counted = _HeadReadsCounted(store._db)
        store._db = counted
        for height in range(3):
            chain.commit_block(store, height)
            assert store.head_height() == stored_head(store) == height
            reads = counted.head_reads
            assert [store.head_height() for _ in range(5)] == [height] * 5
            assert counted.head_reads == reads  # held, not read from LevelDB per call
    with LevelDbStore.open(tmp_path / "db") as store:
        assert store.head_height() == stored_head(store) == 2
        chain.commit_block(store, 3)
        assert store.head_height() == stored_head(store) == 3


def test_commit_makes_block_certificate_results_and_tx_index_readable(tmp_path: Path) -> None:
    with LevelDbStore.open(tmp_path / "db") as store:
        for height in range(3):
            chain.commit_block(store, height)
        assert store.head_height() == 2
        assert store.get_block(1) == chain.header_bytes(1)
        assert store.get_certificate(0) is None
        assert store.get_certificate(2) == b"cert 2"
        assert list(store.get_results(2)) == chain.result_bytes(2)
        assert store.get_result(2, 3) == chain.result_bytes(2)[3]
        assert store.get_result(2, 10) is None
        assert store.find_tx(chain.tx_ids(1)[4]) == TxLocation(height=1, index=4)
        assert store.find_tx(sha256(b"never submitted")) is None


def test_a_tx_whose_block_the_head_does_not_name_yet_is_not_found(tmp_path: Path) -> None:
    """Between a block's batch and the head read back after it, the tx index holds the new
    block's txs while its records are not yet served: a reader found the tx, then no result
    (service.tx_status asserted, a 500 on GET /v1/txs/{id})."""
    with LevelDbStore.open(tmp_path / "db") as store:
        for height in range(2):
            chain.commit_block(store, height)
        tx_id = chain.tx_ids(2)[0]
        # The batch of block 2 has landed but the head is still 1 (the window in commit()).
        store._db.put(keys.tx_key(tx_id), keys.encode_tx_location(2, 0))
        assert store.find_tx(tx_id) is None
        assert store.get_result(2, 0) is None
        chain.commit_block(store, 2)
        assert store.find_tx(tx_id) == TxLocation(height=2, index=0)
        assert store.get_result(2, 0) == chain.result_bytes(2)[0]


def _move_block_records_to_the_layout_before_adr_0039(store: LevelDbStore, height: int) -> None:
    """Move block height's records from the tree database to the main one's old keys."""
    moves = [
        (keys.chain_block_key(height), keys.block_key(height)),
        (keys.chain_certificate_key(height), keys.certificate_key(height)),
        (keys.chain_leaves_key(height), keys.leaves_key(height)),
    ]
    prefix = keys.chain_results_prefix(height)
    for key, _ in store._tree_db.iterator(prefix=prefix):
        index = keys.decode_int(key[len(prefix) :])
        moves.append((key, keys.result_key(height, index)))
    for new, old in moves:
        value = store._tree_db.get(new)
        if value is not None:
            store._db.put(old, value)
            store._tree_db.delete(new)


def test_blocks_stored_before_adr_0039_read_in_place_beside_new_ones(tmp_path: Path) -> None:
    with LevelDbStore.open(tmp_path / "db") as store:
        for height in range(3):
            chain.commit_block(store, height)
        for height in range(3):
            _move_block_records_to_the_layout_before_adr_0039(store, height)
        assert not [key for key, _ in store._tree_db.iterator() if key[8:9] in b"bclr"]
    with LevelDbStore.open(tmp_path / "db") as store:
        chain.commit_block(store, 3)
        for height in range(4):
            assert store.get_block(height) == chain.header_bytes(height)
            assert store.get_results(height) == tuple(chain.result_bytes(height))
            assert store.get_result(height, 9) == chain.result_bytes(height)[9]
        assert store.get_certificate(2) == b"cert 2" and store.get_certificate(3) == b"cert 3"
        assert store._db.get(keys.block_key(3)) is None
        assert store._tree_db.get(keys.chain_block_key(3)) == chain.header_bytes(3)


def test_leveldb_stats_is_the_compaction_table_per_level(tmp_path: Path) -> None:
    # scripts/bench_smt_leveldb.py prints it: bytes LevelDB's compaction read and wrote.
    with LevelDbStore.open(tmp_path / "db") as store:
        for height in range(3):
            chain.commit_block(store, height)
        lines = store.leveldb_stats().splitlines()
    # One table per database: the main one, then the state tree's (ADR 0038).
    assert [line for line in lines if line.startswith("[")] == ["[state]", "[tree]"]
    tree_at = lines.index("[tree]")
    for start in (1, tree_at + 1):
        assert "Compactions" in lines[start]
        header = lines[start + 1].split()
        assert header == ["Level", "Files", "Size(MB)", "Time(sec)", "Read(MB)", "Write(MB)"]


def test_compaction_mib_sums_the_read_and_write_columns() -> None:
    stats = (
        "                               Compactions\n"
        "Level  Files Size(MB) Time(sec) Read(MB) Write(MB)\n"
        "--------------------------------------------------\n"
        "  0        3        2         0        0         9\n"
        "  1        4        8         1       12        11\n"
        "  2        1        1         0        3         2\n"
    )
    assert compaction_mib(stats) == (15, 22)
    assert compaction_mib("") == (0, 0)


def test_compaction_bytes_count_each_database_flushes(tmp_path: Path) -> None:
    # Only whole MiB are counted: a few MiB through the tree database's memtable, flushed.
    with LevelDbStore.open(tmp_path / "db") as store:
        assert store.compaction_bytes() == {"state": (0, 0), "tree": (0, 0)}
        for index in range(3 * 2**10):
            store._tree_db.put(index.to_bytes(8, "big"), bytes(1024 + index % 7))
        store._tree_db.compact_range()
        counted = store.compaction_bytes()
    assert counted["tree"][1] >= 2**20
    assert counted["state"] == (0, 0)
    assert store.compaction_bytes() == {}  # closed


def test_native_memory_counts_each_database_memtable(tmp_path: Path) -> None:
    # lantan_store_native_memory_bytes: LevelDB's own count of its memtables and block
    # cache. A commit writes both databases, so each one's memtable grows past empty.
    with LevelDbStore.open(tmp_path / "db") as store:
        empty = store.native_memory_bytes()
        for height in range(3):
            chain.commit_block(store, height)
        used = store.native_memory_bytes()
        held = store.held_tree_nodes
    assert set(empty) == set(used) == {"state", "tree"}
    assert used["state"] > empty["state"] and used["tree"] > empty["tree"]
    assert held > 0
    assert store.native_memory_bytes() == {}  # closed: nothing to count, no error


def test_tables_are_written_uncompressed(tmp_path: Path) -> None:
    # LEVELDB_OPTIONS: snappy cost ~10 % of a validator's CPU for half the bytes on disk.
    # A compressible value is found verbatim in a table only when tables are not compressed.
    value = b"blue carbon " * 400
    with LevelDbStore.open(tmp_path / "db") as store:
        store._db.put(b"probe", value)
        store._db.compact_range()
    tables = list((tmp_path / "db").glob("*.ldb"))
    assert tables
    assert any(value in table.read_bytes() for table in tables)


def test_a_store_written_with_snappy_opens_and_continues(tmp_path: Path) -> None:
    # Data directories of builds before LEVELDB_OPTIONS turned compression off: the
    # chain written by a store with snappy, every table compressed, reads and grows on.
    with LevelDbStore.open(tmp_path / "db") as store:
        for height in range(4):
            chain.commit_block(store, height)
    snappy = plyvel.DB(str(tmp_path / "snappy"), create_if_missing=True, compression="snappy")
    with plyvel.DB(str(tmp_path / "db")) as written:
        for key, value in written.iterator():
            snappy.put(key, value)
    snappy.compact_range()
    snappy.close()
    # The state tree's own database (ADR 0038) moves with its store.
    shutil.copytree(tmp_path / "db" / TREE_DIRECTORY, tmp_path / "snappy" / TREE_DIRECTORY)
    with LevelDbStore.open(tmp_path / "snappy") as store:
        for height in range(4, 8):
            chain.commit_block(store, height)
        assert chain.stored_roots(store) == chain.memory_roots(8)


def test_a_height_no_key_can_hold_reads_as_absent(tmp_path: Path) -> None:
    # Routes pass what a URL says; before the guard these raised ValueError (a 500).
    with LevelDbStore.open(tmp_path / "db") as store:
        chain.commit_block(store, 0)
        for height in (-1, 2**64):
            assert store.get_block(height) is None
            assert store.get_certificate(height) is None
            assert store.get_result(height, 0) is None
            assert store.get_results(height) == ()
        assert store.get_result(0, -1) is None


def test_state_reads_see_committed_writes_and_deletions(tmp_path: Path) -> None:
    expected = chain.memory_state(5)
    with LevelDbStore.open(tmp_path / "db") as store:
        for height in range(5):
            chain.commit_block(store, height)
        for index in range(chain.ACCOUNT_COUNT):
            key = f"account/{index}"
            assert store.state.get(key) == expected.get(key), key


def test_results_of_a_block_come_back_in_numeric_order(tmp_path: Path) -> None:
    # 300 results: byte order of decimal or little-endian indexes would put 256 before 3.
    with LevelDbStore.open(tmp_path / "db") as store:
        chain.commit_block(store, 0, width=300)
        assert list(store.get_results(0)) == chain.result_bytes(0, 300)


def test_same_sequence_gives_identical_roots_on_memory_and_leveldb(tmp_path: Path) -> None:
    count = 12
    with LevelDbStore.open(tmp_path / "db") as store:
        leveldb_roots = [chain.commit_block(store, height) for height in range(count)]
        assert leveldb_roots == chain.memory_roots(count)
        assert chain.stored_roots(store) == leveldb_roots


def test_proofs_from_leveldb_equal_proofs_from_memory(tmp_path: Path) -> None:
    log_memory, smt_memory = MemoryLogStore(), MemorySmtStore()
    for height in range(9):
        chain.apply_roots(log_memory, smt_memory, height)
    with LevelDbStore.open(tmp_path / "db") as store:
        for height in range(9):
            chain.commit_block(store, height)
        log_stores: tuple[LogStore, LogStore] = (log_memory, store.log)
        smt_stores: tuple[SmtStore, SmtStore] = (smt_memory, store.smt)
        memory_log, stored_log = (MerkleLog(s) for s in log_stores)
        memory_smt, stored_smt = (SparseMerkleTree(s) for s in smt_stores)
        assert stored_log.inclusion_proof(3, 7) == memory_log.inclusion_proof(3, 7)
        assert stored_log.consistency_proof(2, 9) == memory_log.consistency_proof(2, 9)
        for key in (b"account/7", b"account/44", b"no such account"):
            assert stored_smt.prove(key, 4) == memory_smt.prove(key, 4)
            assert stored_smt.get(key, 8) == memory_smt.get(key, 8)


def test_committed_views_refuse_writes(tmp_path: Path) -> None:
    with LevelDbStore.open(tmp_path / "db") as store:
        with pytest.raises(ReadOnlyViewError):
            store.log.set_size(1)
        with pytest.raises(ReadOnlyViewError):
            store.smt.put_root(0, Hash32(bytes(32)))
        with pytest.raises(ReadOnlyViewError):
            store.state.apply({"account/1": b"x"})
        assert store.log.get_size() == 0


def test_reopen_in_a_fresh_process_reproduces_the_roots(tmp_path: Path) -> None:
    directory = str(tmp_path / "db")
    built = run_worker("build", directory, "7")
    assert built.returncode == 0, built.stderr
    reopened = run_worker("roots", directory)
    assert reopened.returncode == 0, reopened.stderr
    expected = [list(roots) for roots in chain.memory_roots(7)]
    assert json.loads(built.stdout) == expected
    assert json.loads(reopened.stdout) == expected


def test_reopen_continues_the_chain_where_it_stopped(tmp_path: Path) -> None:
    with LevelDbStore.open(tmp_path / "db") as store:
        for height in range(4):
            chain.commit_block(store, height)
    with LevelDbStore.open(tmp_path / "db") as store:
        for height in range(4, 8):
            chain.commit_block(store, height)
        assert chain.stored_roots(store) == chain.memory_roots(8)


def test_second_open_in_the_same_process_raises_store_locked(tmp_path: Path) -> None:
    with LevelDbStore.open(tmp_path / "db"), pytest.raises(StoreLockedError) as raised:
        LevelDbStore.open(tmp_path / "db")
    assert raised.value.directory == (tmp_path / "db").resolve()
    assert str(tmp_path / "db") in str(raised.value)
    # Closing releases the lock.
    LevelDbStore.open(tmp_path / "db").close()


def test_a_read_only_store_is_not_called_locked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found at stop 50 with a data directory on a read-only mount: LevelDB cannot create its
    LOCK file, and the node said another process held it (`... is already open`)."""
    directory = tmp_path / "db"

    def read_only(name: str, **_options: object) -> None:
        raise plyvel.IOError(f"IO error: {name}/LOCK: Read-only file system".encode())

    monkeypatch.setattr(plyvel, "DB", read_only)
    with pytest.raises(StoreOpenError) as raised:
        LevelDbStore.open(directory)
    assert not isinstance(raised.value, StoreLockedError)
    assert str(raised.value) == (
        f"cannot open the store at {directory.resolve()}: "
        f"IO error: {directory.resolve()}/LOCK: Read-only file system"
    )


def test_open_while_another_process_holds_the_store_raises_store_locked(tmp_path: Path) -> None:
    directory = tmp_path / "db"
    with subprocess.Popen(
        [sys.executable, "-m", "tests.unit.node.storage.chain", "hold", str(directory)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as holder:
        try:
            assert holder.stdout is not None and holder.stdin is not None
            assert holder.stdout.readline().strip() == "open"
            with pytest.raises(StoreLockedError, match="already open"):
                LevelDbStore.open(directory)
            other = run_worker("roots", str(directory))
            assert other.returncode == 3
            assert json.loads(other.stdout)["error"] == "StoreLockedError"
            holder.stdin.close()
            assert holder.wait(timeout=30) == 0
        finally:
            if holder.poll() is None:
                holder.kill()
    LevelDbStore.open(directory).close()


def test_a_store_records_its_layout_and_a_newer_one_is_refused(tmp_path: Path) -> None:
    with LevelDbStore.open(tmp_path / "db") as store:
        chain.commit_block(store, 0)
        assert store._db.get(keys.FORMAT_KEY) == keys.encode_int(STORE_FORMAT)
        # As a store written before the marker: opened, read, and marked.
        store._db.delete(keys.FORMAT_KEY)
    with LevelDbStore.open(tmp_path / "db") as store:
        assert store.get_block(0) == chain.header_bytes(0)
        assert store._db.get(keys.FORMAT_KEY) == keys.encode_int(STORE_FORMAT)
        store._db.put(keys.FORMAT_KEY, keys.encode_int(STORE_FORMAT + 1))
    with pytest.raises(StoreOpenError, match=r"written by a newer Lantan \(storage layout 4"):
        LevelDbStore.open(tmp_path / "db")
    # Refused without a write: the newer build's marker stays, and the LOCK was let go.
    db = plyvel.DB(str(tmp_path / "db"))
    assert db.get(keys.FORMAT_KEY) == keys.encode_int(STORE_FORMAT + 1)
    db.close()


def test_opening_a_missing_store_without_create_names_the_directory(tmp_path: Path) -> None:
    with pytest.raises(StoreOpenError, match=r"cannot open the store at .*missing"):
        LevelDbStore.open(tmp_path / "missing", create=False)


def test_leveldb_s_own_refusal_is_said_in_its_words_not_as_bytes(tmp_path: Path) -> None:
    """`data_dir = "/proc/nope"` said `... /proc/nope: b'NotFound: /proc/nope/LOCK: No such
    file or directory'`: plyvel's message is bytes, and str() showed its repr (operators'
    findings, stop 55). A missing store opened without create meets the same plyvel.Error."""
    directory = tmp_path / "missing"
    with pytest.raises(StoreOpenError) as raised:
        LevelDbStore.open(directory, create=False)
    assert str(raised.value) == (
        f"cannot open the store at {directory}: "
        f"Invalid argument: {directory}: does not exist (create_if_missing is false)"
    )
