"""What LevelDB reports of itself, by database (`state`, the main one, and `tree`): its stats
table, its flushes' and compactions' bytes, its own memory count (benches, /metrics). Reads
properties only.
"""

from typing import Any

from node.storage.leveldb_tuning import compaction_mib


def stats_text(databases: dict[str, Any]) -> str:
    """LevelDB's own table of files, sizes and compaction bytes per level, of each database."""
    tables = _properties(databases, b"leveldb.stats")
    return "\n".join(f"[{name}]\n{table}" for name, table in tables.items())


def compaction_bytes(databases: dict[str, Any]) -> dict[str, tuple[int, int]]:
    """(bytes read, bytes written) by each LevelDB's flushes and compactions since this
    process opened it, by database, from its `leveldb.stats` table: whole MiB, as LevelDB
    prints them."""
    counted: dict[str, tuple[int, int]] = {}
    for name, table in _properties(databases, b"leveldb.stats").items():
        read_mib, written_mib = compaction_mib(table)
        counted[name] = (read_mib * 2**20, written_mib * 2**20)
    return counted


def native_memory_bytes(databases: dict[str, Any]) -> dict[str, int]:
    """What each LevelDB holds in memory by its own count (memtables and block cache:
    `leveldb.approximate-memory-usage`), by database. Not counted by LevelDB: the open
    tables' index and filter blocks."""
    usage = _properties(databases, b"leveldb.approximate-memory-usage")
    return {name: int(value) for name, value in usage.items() if value.isdigit()}


def _properties(databases: dict[str, Any], name: bytes) -> dict[str, str]:
    """A LevelDB property of each database, in order; none of a closed one (a metrics
    scrape racing the node's shutdown)."""
    found: dict[str, str] = {}
    for database, db in databases.items():
        try:
            value: bytes | None = db.get_property(name)
        except RuntimeError:
            continue
        if value is not None:
            found[database] = value.decode("ascii", "replace")
    return found
