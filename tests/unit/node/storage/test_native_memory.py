"""node/storage/native_memory.py: LevelDB reads tables without mapping them; malloc trims.

Which tables a process maps is decided when its first LevelDB database opens, so each case
runs in a fresh interpreter.
"""

import ctypes.util
import subprocess
import sys
from pathlib import Path

import plyvel
import pytest

from node.storage import native_memory
from node.storage.leveldb import LevelDbStore
from node.storage.leveldb_tuning import TRIM_AFTER_BYTES
from tests.kit.processes import json_output_of

ROOT = Path(__file__).resolve().parents[4]

FILL_AND_READ = """
import json, os, sys
from pathlib import Path
directory = Path(sys.argv[1])
{open_db}
for i in range(60_000):
    db.put(b"state/%08d" % i, os.urandom(64))
db.compact_range()
assert sum(1 for _ in db.iterator(prefix=b"state/")) == 60_000
tables = [p for p in directory.iterdir() if p.suffix == ".ldb"]
from node.storage.native_memory import mapped_table_files
print(json.dumps({{"tables": len(tables), "mapped": mapped_table_files()}}))
"""

OPEN_STORE = """
from node.storage.leveldb import LevelDbStore
db = LevelDbStore.open(directory)._db
"""

OPEN_PLAIN = """
import plyvel
db = plyvel.DB(str(directory), create_if_missing=True, write_buffer_size=64 * 1024)
"""


def fill_and_read(directory: Path, open_db: str) -> dict[str, object]:
    script = FILL_AND_READ.format(open_db=open_db)
    command = [sys.executable, "-c", script, str(directory)]
    outcome: dict[str, object] = json_output_of(command, cwd=ROOT, timeout_s=120)
    return outcome


def test_a_store_reads_its_tables_without_mapping_them(tmp_path: Path) -> None:
    outcome = fill_and_read(tmp_path / "db", OPEN_STORE)
    assert outcome["tables"] != 0
    assert outcome["mapped"] == []


def test_plain_leveldb_maps_the_tables_it_reads(tmp_path: Path) -> None:
    # The control: without the limit the same reads leave the table files mapped.
    outcome = fill_and_read(tmp_path / "db", OPEN_PLAIN)
    mapped = outcome["mapped"]
    assert isinstance(mapped, list) and mapped
    assert all(str(tmp_path) in path for path in mapped)


def test_the_limit_symbol_is_found_in_the_loaded_leveldb() -> None:
    assert plyvel.__version__  # the library is loaded
    loaded = native_memory._loaded_leveldb()
    assert loaded is not None
    path, _ = loaded
    assert native_memory._symbol_value(path.read_bytes(), native_memory.MMAP_LIMIT_SYMBOL)
    assert native_memory._symbol_value(path.read_bytes(), b"no_such_symbol") is None


def test_a_file_that_is_not_elf_has_no_symbols() -> None:
    assert native_memory._symbol_value(b"#!/bin/sh\n" * 20, b"x") is None


def _commit_blocks(store: LevelDbStore, sizes: list[int]) -> None:
    for size in sizes:
        height = store.head_height()
        height = 0 if height is None else height + 1
        overlay = store.begin()
        overlay.record_block(
            height=height,
            block=b"b" * size,
            certificate=None if height == 0 else b"cert",
            results=(),
            tx_ids=(),
        )
        store.commit(overlay)


@pytest.fixture
def trims(monkeypatch: pytest.MonkeyPatch) -> list[None]:
    counted: list[None] = []

    def counted_trim() -> bool:
        counted.append(None)
        return True

    monkeypatch.setattr(native_memory, "trim_heap", counted_trim)
    return counted


def test_the_store_trims_the_heap_once_its_commits_wrote_enough(
    tmp_path: Path, trims: list[None]
) -> None:
    # Each block writes a little over a quarter of the bound: every fourth commit trims.
    with LevelDbStore.open(tmp_path / "db") as store:
        _commit_blocks(store, [TRIM_AFTER_BYTES // 4] * 9)
    assert len(trims) == 2


def test_one_large_block_is_trimmed_after_at_once(tmp_path: Path, trims: list[None]) -> None:
    # Counted in bytes, not blocks: a block of 2,000 txs frees as much as eight of 250.
    with LevelDbStore.open(tmp_path / "db") as store:
        _commit_blocks(store, [16, TRIM_AFTER_BYTES])
        assert len(trims) == 1
        _commit_blocks(store, [16])
    assert len(trims) == 1


def test_trim_heap_calls_malloc_trim() -> None:
    assert native_memory.trim_heap()


def test_the_c_library_is_looked_up_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # find_library runs `ldconfig -p` in a child process: trim_heap, every few blocks on
    # the consensus worker, forked the node each time it looked libc up again.
    lookups: list[str] = []
    find = ctypes.util.find_library

    def counted(name: str) -> str | None:
        lookups.append(name)
        return find(name)

    monkeypatch.setattr(ctypes.util, "find_library", counted)
    native_memory._libc.cache_clear()
    try:
        assert all(native_memory.trim_heap() for _ in range(3))
        assert native_memory.limit_malloc_arenas(2)
    finally:
        native_memory._libc.cache_clear()
    assert lookups == ["c"]


THREADS_ALLOCATE = """
import ctypes, sys, threading
from pathlib import Path
from node.storage import native_memory
if sys.argv[1] == "limited":
    assert native_memory.limit_malloc_arenas(1)
def heaps():
    # A thread's arena is a heap glibc aligns to 64 MiB; the main arena is the brk heap.
    count = 0
    for line in Path("/proc/self/maps").read_text().splitlines():
        fields = line.split()
        start = int(fields[0].split("-")[0], 16)
        count += len(fields) == 5 and fields[1] == "rw-p" and start % (64 << 20) == 0
    return count
libc = ctypes.CDLL(None)
libc.malloc.restype = ctypes.c_void_p
together = threading.Barrier(4)
def allocate():
    together.wait()
    for _ in range(100):
        libc.free(ctypes.c_void_p(libc.malloc(1000)))
    together.wait()
threads = [threading.Thread(target=allocate) for _ in range(4)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(heaps())
"""


def run_script(script: str, mode: str) -> str:
    """What a fresh interpreter prints running script with argv[1] = mode (glibc's malloc
    settings are per process, so each case gets its own)."""
    done = subprocess.run(
        [sys.executable, "-c", script, mode],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout.strip()


def thread_heaps(mode: str) -> int:
    return int(run_script(THREADS_ALLOCATE, mode))


def test_limited_arenas_keep_threads_in_the_main_heap() -> None:
    # Four threads allocating at once get arenas of their own unless the limit holds them.
    assert thread_heaps("default") >= 1
    assert thread_heaps("limited") == 0


BIG_BLOCK_AFTER_FREE = """
import ctypes, sys
from pathlib import Path
from node.storage import native_memory
if sys.argv[1] == "fixed":
    assert native_memory.fix_mmap_threshold(128 * 1024)
class MallocInfo(ctypes.Structure):  # glibc's struct mallinfo2 (glibc 2.33 and later)
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd",
        "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost",
    )]
libc = ctypes.CDLL(None)
libc.malloc.restype = ctypes.c_void_p
libc.mallinfo2.restype = MallocInfo
# malloc carves a block out of a free chunk of the heap, if one fits, before it looks at any
# threshold, and how much the interpreter's start left free varies (4.5 MB in 447 chunks
# when it compiled its modules, 0.6 MB when it read them cached). A block bigger than all
# the heap's free bytes together fits no chunk: only the threshold decides where it goes.
size = libc.mallinfo2().fordblks + 600 * 1024
# Mapped, and freed: that raises a dynamic threshold above size.
libc.free(ctypes.c_void_p(libc.malloc(size + (1 << 20))))
block = libc.malloc(size)
for line in Path("/proc/self/maps").read_text().splitlines():
    if line.endswith("[heap]"):
        start, end = (int(bound, 16) for bound in line.split()[0].split("-"))
        print("heap" if start <= block < end else "mapped")
        break
else:
    print("mapped")
"""


def test_a_fixed_mmap_threshold_keeps_big_blocks_out_of_the_heap() -> None:
    # glibc's dynamic threshold: once a mapped block is freed, a smaller one is carved out of
    # the heap, whose pages stay with the process; the fixed threshold maps it.
    assert run_script(BIG_BLOCK_AFTER_FREE, "default") == "heap"
    assert run_script(BIG_BLOCK_AFTER_FREE, "fixed") == "mapped"
