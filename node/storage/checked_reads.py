"""Reads of a node's LevelDB that verify every table block they read (stop 56), and the
damage they meet, as StoreDamagedError.

Without verify_checksums LevelDB hands a block read from a table over as it is on disk: a
flipped byte in a state record was served as the chain's state, silently (the chaos pass,
h56 finding 2). With it, each block read from a file is checked against its CRC32C (a
block in LevelDB's cache was checked when it was read), and a damaged one is plyvel's
CorruptionError, met here as StoreDamagedError. Every read of the main database and of the
blocks' records in the tree database goes through here; the state tree's node and value
reads do not, on the block worker's path and checked against the certified root downstream
(the cost and the decision: docs/PERFORMANCE.md "Checksums on every read").
"""

import contextlib
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import plyvel

from node.storage.errors import StoreDamagedError
from node.storage.store_files import leveldb_words

DAMAGE = (plyvel.CorruptionError, plyvel.IOError)
"""What a read meets in a damaged store: a block whose checksum does not match (or a table
LevelDB cannot parse), or a table it expected and cannot open (deleted under it)."""


class DamageWatch:
    """The damage a store's reads (or writes, `writes`) met, kept from the first time: the
    node is not ready from then on (node/readiness.py)."""

    __slots__ = ("_lock", "directory", "found", "opening")

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.found: StoreDamagedError | None = None
        self.opening = True
        """While the store is being opened its damage is worded as the start's refusal
        ("cannot open the store at ..."); LevelDbStore sets it False once it is open."""
        self._lock = threading.Lock()

    def report(self, error: Exception) -> StoreDamagedError:
        """LevelDB's error as StoreDamagedError, kept if it is the first."""
        damaged = StoreDamagedError(
            self.directory, f"LevelDB reports {leveldb_words(error)}", opening=self.opening
        )
        with self._lock:
            if self.found is None:
                self.found = damaged
        return damaged

    @contextlib.contextmanager
    def reading(self) -> Iterator[None]:
        """A context in which LevelDB's report of damage met by a read that does not go
        through CheckedReads (the open's own checks, the state tree's reads) is
        StoreDamagedError, kept as CheckedReads keeps it: one rule for both."""
        try:
            yield
        except DAMAGE as error:
            raise self.report(error) from None

    @contextlib.contextmanager
    def writes(self) -> Iterator[None]:
        """A context for writes: one LevelDB refuses with Corruption is StoreDamagedError.
        With paranoid_checks a compaction that read a damaged block stops there (rather
        than rewrite it with fresh checksums), and LevelDB refuses every later write of the
        handle with that error. Other refusals (a full disk) are left to the caller."""
        try:
            yield
        except plyvel.CorruptionError as error:
            raise self.report(error) from None


class CheckedReads:
    """get() and iteration of one plyvel database or snapshot, verifying checksums, with
    LevelDB's report of damage raised as StoreDamagedError (kept by the watch)."""

    __slots__ = ("_source", "watch")

    def __init__(self, source: Any, watch: DamageWatch) -> None:
        self._source = source
        self.watch = watch

    def get(self, key: bytes) -> bytes | None:
        try:
            value: bytes | None = self._source.get(key, verify_checksums=True)
        except DAMAGE as error:
            raise self.watch.report(error) from None
        return value

    def items(self, **options: Any) -> Iterator[Any]:
        """What plyvel's iterator(**options) yields, read with verify_checksums."""
        try:
            with self._source.iterator(verify_checksums=True, **options) as iterator:
                yield from iterator
        except DAMAGE as error:
            raise self.watch.report(error) from None

    def seeker(self) -> Any:
        """A plyvel iterator over the whole source, verifying checksums, to seek() in
        (node/storage/seek_reads.py, which reports what it raises through the watch)."""
        return self._source.iterator(verify_checksums=True)

    def snapshot(self) -> "CheckedReads":
        """The same reads over a snapshot of the database, as of now."""
        return CheckedReads(self._source.snapshot(), self.watch)
