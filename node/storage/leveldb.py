"""A node's LevelDB store: committed reads, overlays per proposal, one synced batch per block.

Only the node process opens its store (DESIGN.md §2 step 5); LevelDB's LOCK file enforces
that and a second open raises StoreLockedError. Nothing here decides what a block holds:
callers fill an Overlay through the ports and commit() writes it atomically and durably.
"""

import contextlib
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import plyvel

from node.storage import keys, leveldb_reports, native_memory
from node.storage.block_leaves import BlockLeaves
from node.storage.checked_reads import CheckedReads, DamageWatch
from node.storage.checkpoint_archive import CheckpointArchive
from node.storage.committed_reads import CommittedReads
from node.storage.errors import (
    ReadOnlyViewError,
    StaleOverlayError,
    StoreDamagedError,
    StoreWriteError,
)
from node.storage.leveldb_tuning import (
    LEVELDB_OPTIONS,
    TREE_LEVELDB_OPTIONS,
    TRIM_AFTER_BYTES,
    tables_unmapped,
)
from node.storage.overlay import Overlay
from node.storage.seek_reads import SeekReads
from node.storage.smt_top import SmtTopLevels
from node.storage.store_files import (
    TREE_DIRECTORY,
    claim_format,
    leveldb_words,
    open_database,
    refuse_half_a_store,
    stored_head,
)
from node.storage.views import LogNodes, SmtNodes, StateRecords, read_node_record


@dataclass(frozen=True, slots=True, kw_only=True)
class TxLocation:
    """Where a committed tx sits: block height and its position in the block."""

    height: int
    index: int


class _CommittedSpace:
    """The committed database as a read-only key-value space."""

    __slots__ = ("get",)

    def __init__(self, reads: CheckedReads) -> None:
        self.get = reads.get

    def put(self, key: bytes, value: bytes | None) -> None:
        raise ReadOnlyViewError(
            f"cannot write {key[:16]!r} to committed data; use begin() and commit()"
        )


class LevelDbStore(CheckpointArchive):
    """One node's database. Ports over committed data: `log`, `smt`, `state` (read-only); its
    checkpoint notes and witness lines (CheckpointArchive)."""

    def __init__(
        self,
        db: Any,
        tree_db: Any,
        directory: Path,
        smt_top: SmtTopLevels | None = None,
        watch: DamageWatch | None = None,
    ) -> None:
        """Use LevelDbStore.open(); this wraps the already open plyvel.DBs of the store and
        of its state tree (ADR 0038). smt_top: where the committed tree's upper levels are
        kept (default: TOP_LEVELS of them); watch: what keeps the damage its reads meet."""
        self.directory = directory
        self._watch = DamageWatch(directory) if watch is None else watch
        self._db = db
        """For writes, snapshots and LevelDB's own reports: every read is through _reads."""
        self._reads = CheckedReads(db, self._watch)
        self._tree_db = tree_db
        """The tree database as it is: the state tree's node and value reads, on the block
        worker's path, are read without verify_checksums, since a damaged one cannot pass as
        the certified tree (docs/PERFORMANCE.md "Checksums on every read"); the block's own
        records are read through _tree_reads."""
        self._tree_reads = CheckedReads(tree_db, self._watch)
        self._head = stored_head(self._reads)
        """The head height, held (Ledger.height asks for it many times per block): read from
        LevelDB here and after each batch commit() writes, the only writer of the head key."""
        self._commit_lock = threading.Lock()
        self._written_since_trim = 0
        committed = _CommittedSpace(self._reads)
        self._smt_top = SmtTopLevels() if smt_top is None else smt_top
        self._own_tree_levels = self._smt_top.levels
        latest = committed.get(keys.SMT_LATEST_KEY)
        if latest is not None:
            # Held from the start, not from the first commit: until that commit every
            # proposal a (re)started node executes would read each insert's whole path from
            # LevelDB (~17 node reads at 10^5 records against ~3.3 with the levels held).
            self._hold_tree(SeekReads(self._reads), latest)
        self.log = LogNodes(committed)
        # Without the held levels: those serve block execution, on the consensus worker
        # that also commits, and change at each commit; this port serves proofs and
        # replays on other threads, a walk of which would find a node let go mid-way.
        self.smt = SmtNodes(committed, tree_db)
        # State records read between two commits are read from LevelDB once
        # (node/storage/committed_reads.py); commit() empties the cache.
        self._state_reads = CommittedReads(committed)
        self.state = StateRecords(self._state_reads)
        self._watch.opening = False

    @classmethod
    def open(
        cls,
        directory: Path,
        *,
        create: bool = True,
        smt_top: SmtTopLevels | None = None,
    ) -> "LevelDbStore":
        """Open (by default creating) the store in directory.

        Raises StoreLockedError if any handle already holds it, StoreOpenError otherwise.
        """
        directory = Path(directory).resolve()
        tables_unmapped()
        db = open_database(directory, create=create, options=LEVELDB_OPTIONS)
        watch = DamageWatch(directory)
        try:
            with watch.reading():
                claim_format(CheckedReads(db, watch), db, directory)
            # Created with the store, or beside a store written before ADR 0038.
            tree_db = open_database(
                directory / TREE_DIRECTORY, create=True, options=TREE_LEVELDB_OPTIONS
            )
        except BaseException:
            db.close()
            raise
        try:
            with watch.reading():
                refuse_half_a_store(
                    CheckedReads(db, watch), CheckedReads(tree_db, watch), directory
                )
                # The constructor reads the tree's upper levels: a tree table cut short
                # ended the start in a traceback there (stop 56's chaos pass).
                return cls(db, tree_db, directory, smt_top, watch)
        except BaseException:
            db.close()
            tree_db.close()
            raise

    @contextlib.contextmanager
    def damage_reported(self) -> Iterator[None]:
        """A context in which LevelDB's report of a damaged file met while reading (a
        truncated or overwritten table: LevelDB opens tables lazily, so open() sees only
        those its own reads touch) is StoreDamagedError, which the node's start reports in
        one line with what to do: the start's first reads, worded as its refusal to open."""
        self._watch.opening = True
        try:
            with self._watch.reading():
                yield
        finally:
            self._watch.opening = False

    @property
    def damage(self) -> StoreDamagedError | None:
        """The first damage a read (or a write LevelDB refused for it) met since the store
        was opened; None while none was. Kept: a damaged store stays damaged."""
        return self._watch.found

    def close(self) -> None:
        """Release the databases and their locks; idempotent."""
        self._db.close()
        self._tree_db.close()

    def __enter__(self) -> "LevelDbStore":
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def begin(self) -> Overlay:
        """A new overlay over a consistent snapshot of the current head."""
        snapshot = self._reads.snapshot()
        stored = snapshot.get(keys.HEAD_KEY)
        head = None if stored is None else keys.decode_int(stored)
        # The block's reads go through an iterator: no seek-triggered compactions.
        return Overlay(SeekReads(snapshot), head, self._tree_db, self._smt_top)

    def commit(self, overlay: Overlay) -> None:
        """Write every buffered write of overlay in ONE synced LevelDB batch, then seal it
        (the state tree's new records go to the tree database first, in a synced batch of
        their own: ADR 0038).

        Requires a block recorded in overlay. Raises StaleOverlayError if overlay was
        committed already or the head moved since begin() (another round's block won).
        """
        with self._commit_lock:
            if overlay.sealed:
                raise StaleOverlayError("this overlay was committed already")
            if overlay.block_height is None:
                raise ValueError("an overlay is committed with its block: call record_block()")
            head = self.head_height()
            if head != overlay.base_head:
                raise StaleOverlayError(
                    f"overlay was built on head {overlay.base_head}, the head is now {head}"
                )
            # The tree's records first, synced: the block's batch names them (its root). A
            # crash between the two leaves records no root names, which are harmless: they
            # are content-addressed, and the block executed again writes the same ones.
            self._write_tree(overlay)
            # transaction-less batches write nothing until write(); LevelDB appends the batch
            # to its log as one record, so a crash leaves all of it or none (sync: durable).
            batch = self._db.write_batch(sync=True)
            put, delete, written = batch.put, batch.delete, 0
            for key, value in overlay.buffered_writes():
                if value is None:
                    delete(key)
                else:
                    put(key, value)
                    written += len(key) + len(value)
            self._written_since_trim += written
            self._state_reads.begin_write()
            try:
                with self._watch.writes():
                    batch.write()
            except plyvel.IOError as error:
                raise StoreWriteError(
                    f"block {overlay.block_height} not written: {leveldb_words(error)}"
                ) from None
            finally:
                # Even a failed write may have changed something: read afresh after it. The
                # head first: a reader that sees the new head must find no read held from
                # before the batch (node/storage/committed_reads.py).
                self._head = stored_head(self._reads)
                self._state_reads.end_write()
            overlay.seal()
            self._hold_smt_top(overlay)
            trim = self._written_since_trim >= TRIM_AFTER_BYTES
            if trim:
                self._written_since_trim = 0
        if trim:
            native_memory.trim_heap()

    def _write_tree(self, overlay: Overlay) -> None:
        batch = self._tree_db.write_batch(sync=True)
        put, written = batch.put, 0
        for key, value in overlay.tree_database_writes():
            put(key, value)
            written += len(key) + len(value)
        self._written_since_trim += written
        try:
            with self._watch.writes():
                batch.write()
        except plyvel.IOError as error:
            raise StoreWriteError(
                f"block {overlay.block_height} not written (its state tree): {leveldb_words(error)}"
            ) from None

    def _hold_smt_top(self, overlay: Overlay) -> None:
        """Keep the upper levels of the state tree overlay just committed (if it wrote one):
        the next block's inserts read them (node/storage/smt_top.py)."""
        version = overlay.written(keys.SMT_LATEST_KEY)
        if version is not None:
            smt = overlay.smt
            self._hold_tree(overlay, version, smt.written_nodes(), smt.replaced_nodes())

    def _hold_tree(
        self,
        space: "SeekReads | Overlay",
        version: bytes,
        new: Mapping[bytes, bytes] | None = None,
        replaced: Sequence[bytes] = (),
    ) -> None:
        """Hold the upper levels of the tree version (encoded) that space holds; `new`: the
        node records space wrote, by hash; `replaced`: the nodes its update replaced."""
        root, root_version = _tree_root(space, version)
        self._smt_top.advance(
            root, self._node_reader(space), new, root_version=root_version, replaced=replaced
        )

    def _node_reader(self, space: "SeekReads | Overlay") -> Callable[[bytes, bytes], bytes | None]:
        """A tree node's record by its hash and version: from the tree database, or from
        space (the main database) for one written before ADR 0038."""
        tree = self._tree_db
        return lambda node_hash, version: read_node_record(space, tree, node_hash, version)

    @property
    def own_tree_levels(self) -> int:
        """The upper levels of the state tree this store holds unless asked for more."""
        return self._own_tree_levels

    @property
    def held_tree_levels(self) -> int:
        """How many upper levels of the committed state tree this store holds now."""
        return self._smt_top.levels

    def hold_tree_levels(self, levels: int | None) -> None:
        """Hold that many upper levels of the committed state tree from now on (None: the
        store's own, what it opened with). Block sync holds more while it is far behind
        (node/sync_catch_up.py; memory in node/storage/smt_top.py); going back drops the deeper
        nodes and trims the heap, so their memory leaves the process."""
        wanted = self._own_tree_levels if levels is None else levels
        with self._commit_lock:
            if wanted == self._smt_top.levels:
                return
            shrinking = wanted < self._smt_top.levels
            reads = SeekReads(self._reads)
            latest = reads.get(keys.SMT_LATEST_KEY)
            root, root_version = (
                (None, keys.LEGACY_VERSION_BYTES) if latest is None else _tree_root(reads, latest)
            )
            self._smt_top.resize(wanted, root, self._node_reader(reads), root_version=root_version)
        if shrinking:
            native_memory.trim_heap()

    def leveldb_stats(self) -> str:
        """LevelDB's own table of files, sizes and compaction bytes per level (for benches),
        of the main database and then of the tree's (ADR 0038)."""
        return leveldb_reports.stats_text(self._databases())

    def compaction_bytes(self) -> dict[str, tuple[int, int]]:
        """leveldb_reports.compaction_bytes of the main database and the tree's."""
        return leveldb_reports.compaction_bytes(self._databases())

    def native_memory_bytes(self) -> dict[str, int]:
        """leveldb_reports.native_memory_bytes of the main database and the tree's."""
        return leveldb_reports.native_memory_bytes(self._databases())

    def _databases(self) -> dict[str, Any]:
        return {"state": self._db, "tree": self._tree_db}

    @property
    def held_tree_nodes(self) -> int:
        """Entries the held upper levels of the state tree count now (node/storage/smt_top.py)."""
        return len(self._smt_top)

    def head_height(self) -> int | None:
        """Height of the last committed block, or None before genesis is committed."""
        return self._head

    def get_block(self, height: int) -> bytes | None:
        return self._get_chain(keys.chain_block_key, keys.block_key, height)

    def get_certificate(self, height: int) -> bytes | None:
        return self._get_chain(keys.chain_certificate_key, keys.certificate_key, height)

    def get_result(self, height: int, index: int) -> bytes | None:
        return self._get_chain(keys.chain_result_key, keys.result_key, height, index)

    def get_results(self, height: int) -> tuple[bytes, ...]:
        """Every TxResult of the block at height, in block order (empty if none)."""
        if not self._committed(height):
            return ()
        prefix = keys.chain_results_prefix(height)
        found = tuple(value for _, value in self._tree_reads.items(prefix=prefix))
        if found:
            return found
        legacy = keys.results_prefix(height)
        return tuple(value for _, value in self._reads.items(prefix=legacy))

    def get_block_leaves(self, height: int) -> BlockLeaves | None:
        """The leaves record of the block at height; None when it has none (older data)."""
        stored = self._get_chain(keys.chain_leaves_key, keys.leaves_key, height)
        return None if stored is None else BlockLeaves.decode(stored)

    def put_block_leaves(self, height: int, leaves: BlockLeaves) -> None:
        """Keep the leaves record of a block stored without one. Not synced: it is derived
        from the block, and one lost in a crash is made again when next needed."""
        with self._watch.writes():
            self._tree_db.put(keys.chain_leaves_key(height), leaves.encode())

    def _committed(self, height: int) -> bool:
        """Whether height is a committed block's: 0 <= height <= the head. A block's records
        reach the tree database before the batch that moves the head (and stay there if that
        batch never lands), so the head decides what is committed."""
        head = self._head
        return head is not None and 0 <= height <= head

    def _get_chain(
        self,
        make: Callable[..., bytes],
        make_legacy: Callable[..., bytes],
        height: int,
        *index: int,
    ) -> bytes | None:
        """A committed block's record: in the tree database (ADR 0039), or in the main one
        for a block stored before it (read in place, never moved)."""
        key = keys.key_in_range(make, height, *index)
        if key is None or not self._committed(height):
            return None
        value = self._tree_reads.get(key)
        if value is None:
            value = self._reads.get(make_legacy(height, *index))
        return value

    def list_state(self, prefix: str, *, after: str | None, limit: int) -> list[tuple[str, bytes]]:
        """Up to limit committed state records whose key starts with prefix, in key order,
        starting after the key `after` (a pagination cursor)."""
        low = keys.state_key(prefix)
        start = low if after is None or after < prefix else keys.state_key(after)
        records: list[tuple[str, bytes]] = []
        for raw_key, value in self._reads.items(start=start, include_start=after is None):
            if not raw_key.startswith(low) or len(records) >= limit:
                break
            records.append((raw_key[len(keys.STATE_PREFIX) :].decode("utf-8"), value))
        return records

    def tx_ids_with_prefix(self, prefix_hex: str, limit: int) -> list[bytes]:
        """Up to limit committed tx ids whose lowercase hex starts with prefix_hex (at least
        two hex digits), in id order: one seek in the tx index, not a read of every block
        (the client's prefix lookup read each block, 42 s at height 1,000: stop 55)."""
        whole = bytes.fromhex(prefix_hex[: len(prefix_hex) // 2 * 2])
        found: list[bytes] = []
        for raw_key, stored in self._reads.items(prefix=keys.TX_PREFIX + whole):
            tx_id = raw_key[len(keys.TX_PREFIX) :]
            if not tx_id.hex().startswith(prefix_hex):
                continue  # an odd digit: the next nibble differs
            if self._committed(keys.decode_tx_location(stored)[0]):
                found.append(tx_id)
                if len(found) >= limit:
                    break
        return found

    def find_tx(self, tx_id: bytes) -> TxLocation | None:
        """Where the committed tx with this id sits, or None if no committed block holds it.

        The index entry lands with the block's batch, a moment before the head moves
        (commit() reads the head back after the write): until then its block's records
        are not served (_committed), so neither is the entry, or a reader would find the
        tx and then not its result."""
        stored = self._reads.get(keys.tx_key(tx_id))
        if stored is None:
            return None
        height, index = keys.decode_tx_location(stored)
        if not self._committed(height):
            return None
        return TxLocation(height=height, index=index)


def _tree_root(space: "SeekReads | Overlay", version: bytes) -> tuple[bytes, bytes]:
    """The root hash of the state tree version (encoded) that space holds, and the version
    its node is stored at."""
    stored = space.get(keys.smt_root_key(keys.decode_int(version)))
    assert stored is not None, "a tree version was recorded without its root"
    return keys.decode_root(stored)
