"""Typed errors of the LevelDB storage. Operating errors live in node/ only (STYLE.md §7).

StorageError
├── StoreLockedError      another process (or another handle) holds the database's LOCK
├── StoreOpenError        the database could not be opened for another reason
│   └── StoreDamagedError   LevelDB's files are damaged or incomplete (a lost CURRENT, a
│                           truncated table): nothing is served from it
├── StoreWriteError       LevelDB refused a block's batch (a full disk, an I/O error)
├── StaleOverlayError     an overlay built on a head that is no longer the head
└── ReadOnlyViewError     a write through a view of committed data
"""

from pathlib import Path


class StorageError(Exception):
    """Base of every error the storage raises."""


class StoreLockedError(StorageError):
    """The LevelDB directory is already open; only one process may open a node's store."""

    def __init__(self, directory: Path) -> None:
        super().__init__(
            f"the store at {directory} is already open (its LevelDB LOCK is held): only one "
            "node process may open it; other tools talk to that node over HTTP"
        )
        self.directory = directory


class StoreOpenError(StorageError):
    """The LevelDB directory could not be opened (missing, unreadable or corrupt)."""

    def __init__(self, directory: Path, reason: str) -> None:
        super().__init__(f"cannot open the store at {directory}: {reason}")
        self.directory = directory


DAMAGED_STORE_ADVICE = (
    "restore the data directory from a backup, or move it away and start the node again to "
    'catch up from its peers (docs/OPERATIONS.md "A damaged store")'
)


class StoreDamagedError(StoreOpenError):
    """The LevelDB files are damaged or incomplete. Never opened with create_if_missing over
    them (LevelDB would start an empty database there and delete the old tables)."""

    def __init__(self, directory: Path, what: str, *, opening: bool = True) -> None:
        super().__init__(directory, f"{what}: {DAMAGED_STORE_ADVICE}")
        if not opening:
            # Met by a read of a store that is open (node/storage/checked_reads.py).
            self.args = (f"the store at {directory} is damaged: {what}: {DAMAGED_STORE_ADVICE}",)


class StoreWriteError(StorageError):
    """LevelDB refused to write a block's batch (No space left on device, an I/O error).

    Nothing of the batch is applied, but LevelDB keeps the error and refuses every later
    write of this handle: only reopening the store (restarting the process) clears it.
    """


class StaleOverlayError(StorageError):
    """The overlay was built on a head that has moved on (another round committed first),
    or it was committed already; its writes would not apply to the current state."""


class ReadOnlyViewError(StorageError):
    """Committed data changes only through begin() and commit(), in one atomic batch."""
