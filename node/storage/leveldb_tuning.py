"""How the node's LevelDB is tuned, and what it says of itself: the two databases' options
(memory, bloom filters, no compression), when glibc's free pages go back, the process's
malloc settings and unmapped tables (node/storage/native_memory.py), and the compaction
table of `leveldb.stats` read.
"""

import functools

from node.storage import native_memory

LEVELDB_OPTIONS = {
    "write_buffer_size": 4 * 1024 * 1024,
    "lru_cache_size": 8 * 1024 * 1024,
    "max_open_files": 500,
    "bloom_filter_bits": 10,
    "compression": None,
    "paranoid_checks": True,
}
"""LevelDB's share of a node's memory, fixed whatever the chain's length (OPERATIONS.md
"Memory"): two 4 MiB memtables, an 8 MiB block cache, at most 500 open tables (each holds
its index and filter block). The bloom filters (10 bits a key) let a read of an absent key,
the common case when a tx creates a record, skip the tables that cannot hold it. Tables are
read with pread(), not mapped (node/storage/native_memory.py): mapped pages a read touched
stayed in the process and its resident size followed the database's size on disk.

Tables are written uncompressed (issue 13): LevelDB compresses every block at every flush
and compaction, and snappy was more than half of its compaction thread, itself ~16 % of a
validator's CPU under `lantan bench` at 20,000 txs; blocks of state tree nodes (hashes)
never compress, so that work was thrown away for them. Off, a validator spends ~10 % less
CPU per tx (PERFORMANCE.md, stop 37) for about twice the bytes on disk (OPERATIONS.md
"Disk"). The setting only decides how new tables are written: tables a store already holds
keep their own compression, LevelDB reads both, and they are rewritten uncompressed as
compactions reach them, so an existing data directory needs no migration.

paranoid_checks (stop 56): without it LevelDB, opening a database whose log holds a damaged
record, dropped the record and deleted the log (three committed blocks' records gone, the
node started `ready`), and its compactions read tables without checking their blocks, so a
damaged block was rewritten into a new table with fresh checksums, where nothing can find
it. With it the open is refused (node/storage/store_files.py open_database) and a
compaction that meets a damaged block stops, and LevelDB refuses later writes with its
error (node/storage/leveldb.py). A log whose last record was cut by a crash still opens:
LevelDB reads a torn last record as the end of the log, not as damage."""


TREE_LEVELDB_OPTIONS = {**LEVELDB_OPTIONS, "lru_cache_size": 2 * 1024 * 1024}
"""The tree database's: as the store's, with a 2 MiB block cache. Its reads are of nodes
below the held levels, one random block each (few are read twice before they are
replaced), and of blocks, each read whole; its keys only grow, so its tables go down the
levels without rewriting."""


TRIM_AFTER_BYTES = 6 * 1024 * 1024
"""glibc's free pages go back to the system once the blocks committed since the last trim
wrote this many bytes (a trim costs about 10 ms; a block's buffers are freed after its
commit, so that is when they are free). Counted in bytes, not blocks, because a block's
buffers grow with its txs: eight blocks of 250 attests write about this much, two of 1,000
(the default block_txs_max) a little more."""


MALLOC_ARENAS_MAX = 2
"""glibc arenas the node's threads share (the default is 8 per core): fewer arenas, less
free memory stranded in them (native_memory.py). Python objects come from pymalloc under
the GIL, so threads rarely wait for an arena's lock."""


MMAP_THRESHOLD_BYTES = 128 * 1024
"""From this size glibc maps each block on its own and unmaps it when freed (glibc's own
starting value, kept fixed: native_memory.fix_mmap_threshold). A block of 1,000 txs makes
tens of such buffers (~1 MB each), a few hundred microseconds of page faults; the dynamic
threshold put them in the heap, which kept several MiB more of a validator resident at
10^5 txs (docs/PERFORMANCE.md "Memory at 10^5 txs")."""


def compaction_mib(stats: str) -> tuple[int, int]:
    """(MiB read, MiB written) summed over the levels of a `leveldb.stats` table, whose rows
    are `level files size_mb time_s read_mb write_mb` (a memtable's flush is a write to
    level 0). Rows that do not read as six whole numbers are skipped."""
    read = written = 0
    for line in stats.splitlines():
        fields = line.split()
        if len(fields) == 6 and all(field.isdigit() for field in fields):
            read += int(fields[4])
            written += int(fields[5])
    return read, written


@functools.cache
def tables_unmapped() -> bool:
    # Once per process, before its first LevelDB Env starts (the limit is read then) and
    # before the node starts its threads (an arena limit applies to arenas made later).
    native_memory.limit_malloc_arenas(MALLOC_ARENAS_MAX)
    native_memory.fix_mmap_threshold(MMAP_THRESHOLD_BYTES)
    return native_memory.disable_table_mmap()
