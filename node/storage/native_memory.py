"""The memory a node's LevelDB and C allocator hold outside Python objects (OPERATIONS.md
"Memory", issue 20).

Two things made a validator's resident size grow with its chain although its Python heap
did not (docs/PERFORMANCE.md "Scale"):

- LevelDB maps every table file it reads into memory (up to 1,000 maps on 64-bit). Every
  page a read or a compaction touches stays resident in the process, so the resident size
  followed the database's size on disk. `disable_table_mmap()` sets LevelDB's limit of
  mapped tables to 0 before the first database opens: tables are then read with pread()
  into the bounded block cache, and the operating system's page cache (shared, reclaimable,
  not counted in the process) keeps the hot files.
- glibc's malloc keeps freed memory of the block-sized buffers (proposals, batches,
  responses) in its arenas. `trim_heap()` hands the free pages back (malloc_trim(0)).
  Each thread that allocates gets its own arena (up to 8 per core), and free space in one
  arena serves no other: at 50,000 txs 44 of a validator's 85 MiB of arenas were free, in
  pieces across 12 arenas. `limit_malloc_arenas()` caps their number (M_ARENA_MAX), and
  `fix_mmap_threshold()` keeps block-sized buffers out of the arenas (M_MMAP_THRESHOLD).

The vendored LevelDB (plyvel's wheel) offers no option for the mmap limit: it is a static
int, `leveldb::(anonymous)::g_mmap_limit`, found here through the library's ELF symbol
table, and written only if it still holds LevelDB's default (so a different build is left
alone). Every step fails soft: without the symbol the node runs as before, with mapped tables.
"""

import ctypes
import ctypes.util
import functools
import struct
from pathlib import Path
from typing import Final

MMAP_LIMIT_SYMBOL: Final = b"_ZN7leveldb12_GLOBAL__N_112g_mmap_limitE"
LEVELDB_DEFAULT_MMAP_LIMIT: Final = 1000
"""LevelDB's kDefaultMmapLimit on a 64-bit build: the value a fresh process holds."""

_SHT_SYMTAB: Final = 2
_SYM_SIZE: Final = 24


def disable_table_mmap() -> bool:
    """Make LevelDB read tables with pread() instead of mapping them. Call before the first
    database opens in this process (LevelDB reads the limit once, when its Env starts).

    True if the limit is 0 now; False if this LevelDB build could not be adjusted.
    """
    address = _mmap_limit_address()
    if address is None:
        return False
    limit = ctypes.c_int.from_address(address)
    if limit.value == 0:
        return True
    if limit.value != LEVELDB_DEFAULT_MMAP_LIMIT:
        return False  # not the variable we expect: leave this build alone
    limit.value = 0
    return True


def mapped_table_files() -> list[str]:
    """Paths of LevelDB table files (.ldb, .sst) this process has mapped (for tests)."""
    lines = Path("/proc/self/maps").read_text().splitlines()
    return [line.split()[-1] for line in lines if line.endswith((".ldb", ".sst"))]


@functools.cache
def _libc() -> ctypes.CDLL | None:
    """The C library, found once: ctypes.util.find_library runs `ldconfig -p` in a child
    process each time it is called, and trim_heap runs every few blocks on the consensus
    worker (a fork of the whole node, then ldconfig: milliseconds each time)."""
    try:
        return ctypes.CDLL(ctypes.util.find_library("c"))
    except OSError:
        return None


def trim_heap() -> bool:
    """Return glibc malloc's free pages to the system; False where there is no malloc_trim."""
    trim = getattr(_libc(), "malloc_trim", None)
    if trim is None:
        return False
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    trim(0)
    return True


M_ARENA_MAX: Final = -8
"""glibc's mallopt() parameter for the most arenas malloc creates (malloc.h)."""
M_MMAP_THRESHOLD: Final = -3
"""glibc's mallopt() parameter for the size from which malloc maps a block of its own."""


def limit_malloc_arenas(count: int) -> bool:
    """Let glibc's malloc create at most count arenas from now on (threads then share them).
    Call before the node starts its threads. False where there is no mallopt (not glibc)."""
    return _mallopt(M_ARENA_MAX, count)


def fix_mmap_threshold(size: int) -> bool:
    """Have glibc's malloc map every block of size bytes or more on its own, and unmap it
    when freed. Setting the threshold turns off glibc's dynamic one, which raises itself to
    the size of each mapped block freed (up to 32 MiB): after a node's first freed proposal
    or batch (about 1 MB), blocks of that size were carved out of the heap instead, and the
    heap kept their pages. glibc still serves a block from a free chunk of the heap that
    fits it before it looks at the threshold. False where there is no mallopt (not glibc)."""
    return _mallopt(M_MMAP_THRESHOLD, size)


def _mallopt(parameter: int, value: int) -> bool:
    mallopt = getattr(_libc(), "mallopt", None)
    if mallopt is None:
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return bool(mallopt(parameter, value))


def _mmap_limit_address() -> int | None:
    """Where g_mmap_limit lives in this process: library base + the symbol's value."""
    loaded = _loaded_leveldb()
    if loaded is None:
        return None
    path, base = loaded
    try:
        value = _symbol_value(path.read_bytes(), MMAP_LIMIT_SYMBOL)
    except (OSError, struct.error, IndexError):
        return None
    return None if value is None else base + value


def _loaded_leveldb() -> tuple[Path, int] | None:
    """(path, load address) of the libleveldb mapped into this process, via plyvel."""
    import plyvel  # noqa: F401  (loads the library; node.storage imports it anyway)

    for line in Path("/proc/self/maps").read_text().splitlines():
        fields = line.split()
        if len(fields) == 6 and "libleveldb" in fields[5] and int(fields[2], 16) == 0:
            return Path(fields[5]), int(fields[0].split("-")[0], 16)
    return None


def _symbol_value(elf: bytes, name: bytes) -> int | None:
    """st_value of the named symbol in a 64-bit little-endian ELF's .symtab, if present."""
    if elf[:4] != b"\x7fELF" or elf[4] != 2 or elf[5] != 1:
        return None
    (section_offset,) = struct.unpack_from("<Q", elf, 0x28)
    entry_size, count = struct.unpack_from("<HH", elf, 0x3A)
    sections = [
        struct.unpack_from("<IIQQQQIIQQ", elf, section_offset + i * entry_size)
        for i in range(count)
    ]
    for _, kind, _, _, offset, size, link, _, _, _ in sections:
        if kind != _SHT_SYMTAB:
            continue
        strings = sections[link][4]
        for start in range(offset, offset + size, _SYM_SIZE):
            name_at, _, _, _, value, _ = struct.unpack_from("<IBBHQQ", elf, start)
            end = elf.index(b"\0", strings + name_at)
            if elf[strings + name_at : end] == name:
                return int(value)
    return None
