"""What opening a node's store checks in its two LevelDB databases, before a record is read.

LevelDB's own failures become the storage's typed errors (a held LOCK, a damaged file), a
directory LevelDB would recreate over its old files is refused, the two databases must
agree on what was committed, and the layout marker refuses a store a newer build wrote.
node/storage/leveldb.py opens through here; nothing here reads a block or a record.
"""

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import plyvel

from node.storage import keys
from node.storage.errors import StoreDamagedError, StoreLockedError, StoreOpenError
from protocol.smt_proof import EMPTY_HASH

TREE_DIRECTORY = "tree"
"""The state tree's database, which also holds each block's own records (ADR 0038, ADR
0039), inside the store's directory: a backup of the
data directory holds it. LevelDB leaves a subdirectory alone (it deletes only files it
names itself; tests/unit/node/storage/test_tree_store.py)."""

STORE_FORMAT = 3
"""The storage layout this build writes: 1, every record in the main database; 2, the state
tree's nodes and values in `data/tree/` (ADR 0038); 3, each block's records there too (ADR
0039). It reads every earlier layout in place. A store records the newest layout written to
it (keys.FORMAT_KEY) when opened, and a build older than that refuses to open it (its
records would be missing to it, not wrong: it would serve a chain with holes)."""


def open_database(directory: Path, *, create: bool, options: Mapping[str, Any]) -> Any:
    """plyvel.DB(directory); raises StoreLockedError if any handle already holds it,
    StoreDamagedError for files LevelDB reports corrupt or a database without its CURRENT
    file, StoreOpenError otherwise."""
    _refuse_headless(directory)
    try:
        return plyvel.DB(str(directory), create_if_missing=create, **options)
    except plyvel.IOError as error:
        # LevelDB reports a held lock as "IO error: lock DIR/LOCK: already held by process"
        # (or "...: Resource temporarily unavailable", another process); a LOCK it cannot
        # create at all ("IO error: DIR/LOCK: Read-only file system") is no lock held.
        words = leveldb_words(error)
        if words.startswith("IO error: lock "):
            raise StoreLockedError(directory) from None
        raise StoreOpenError(directory, words) from None
    except plyvel.CorruptionError as error:
        raise StoreDamagedError(directory, f"LevelDB reports {leveldb_words(error)}") from None
    except plyvel.Error as error:
        # A directory that cannot be made (`/proc/nope`: NotFound of its LOCK) or is missing
        # without create: said in LevelDB's words, not as the bytes repr str() gives.
        raise StoreOpenError(directory, leveldb_words(error)) from None


def leveldb_words(error: Exception) -> str:
    """LevelDB's own message: plyvel hands it over as bytes (str() shows b'...')."""
    said = error.args[0] if error.args else error
    return said.decode("utf-8", "replace") if isinstance(said, bytes) else str(said)


_LEVELDB_FILE_SUFFIXES = (".ldb", ".sst", ".log")


def _refuse_headless(directory: Path) -> None:
    """StoreDamagedError for a directory that holds LevelDB's tables or logs but not its
    CURRENT file (which names the live MANIFEST): opened with create_if_missing, LevelDB
    would start an empty database over them and delete the old tables as unused, and the
    node would sync from height 0 as if nothing had been lost."""
    if not directory.is_dir() or (directory / "CURRENT").exists():
        return
    leftovers = sorted(
        entry.name
        for entry in directory.iterdir()
        if entry.name.startswith("MANIFEST-") or entry.suffix in _LEVELDB_FILE_SUFFIXES
    )
    if leftovers:
        shown = ", ".join(leftovers[:3]) + (", ..." if len(leftovers) > 3 else "")
        raise StoreDamagedError(
            directory,
            f"LevelDB's CURRENT file is missing while {len(leftovers)} of its files remain "
            f"({shown}), so the database cannot be read and is not opened (LevelDB would "
            "start an empty one over it and delete them)",
        )


def refuse_half_a_store(db: Any, tree_db: Any, directory: Path) -> None:
    """StoreDamagedError when one of the two databases lost what the other says was
    committed: the tree database holds a block above genesis while the main one has no
    head (the main database was lost or replaced), or the state tree root the main one
    records for its head is missing from the tree database (the tree database was lost).
    Either would be served as a chain with holes. A crash between the two batches of one
    commit leaves neither shape: the tree's batch, written first, holds at most the next
    height, which the head does not name. db, tree_db: their reads (checked_reads.py)."""
    head = stored_head(db)
    if head is None:
        above = tree_db.items(start=keys.encode_int(1), include_value=False)
        found = next(above, None)
        above.close()
        if found is not None:
            raise StoreDamagedError(
                directory,
                f"{directory / TREE_DIRECTORY} holds committed blocks but {directory} has "
                "no head (its database was lost or replaced)",
            )
        return
    stored = db.get(keys.smt_root_key(head))
    if stored is None:
        return
    root, version = keys.decode_root(stored)
    if version == keys.LEGACY_VERSION_BYTES or root == EMPTY_HASH:
        return  # stored in the main database before ADR 0038, or no state at all
    if tree_db.get(keys.tree_node_key(version, root)) is None:
        raise StoreDamagedError(
            directory,
            f"the state tree root of head {head} is not in {directory / TREE_DIRECTORY} "
            "(that database was lost or replaced)",
        )


def claim_format(reads: Any, db: Any, directory: Path) -> None:
    """Refuse a store a newer build wrote (StoreOpenError); else record STORE_FORMAT in it,
    synced, before anything of this layout is written. reads: db's (checked_reads.py)."""
    stored: bytes | None = reads.get(keys.FORMAT_KEY)
    found = 1 if stored is None else keys.decode_int(stored)
    if found > STORE_FORMAT:
        raise StoreOpenError(
            directory,
            f"it was written by a newer Lantan (storage layout {found}; this build reads "
            f"layouts 1-{STORE_FORMAT}): run that build or a newer one on it",
        )
    if found < STORE_FORMAT:
        db.put(keys.FORMAT_KEY, keys.encode_int(STORE_FORMAT), sync=True)


def stored_head(db: Any) -> int | None:
    stored: bytes | None = db.get(keys.HEAD_KEY)
    return None if stored is None else keys.decode_int(stored)
