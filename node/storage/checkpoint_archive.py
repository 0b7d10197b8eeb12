"""The store's checkpoint notes and witness cosignature lines, by history size, in the main
database (node/checkpoints.py and node/cosignatures.py use them through their ports). Part
of LevelDbStore (node/storage/leveldb.py); nothing here touches a block's records.
"""

from typing import Any

from node.storage import keys
from node.storage.checked_reads import CheckedReads, DamageWatch


class CheckpointArchive:
    """Signed checkpoint notes and verified witness lines, kept beside the chain."""

    _db: Any
    """The store's main database (plyvel.DB), set by LevelDbStore: written here."""
    _reads: CheckedReads
    """Its reads (node/storage/checked_reads.py), set by LevelDbStore."""
    _watch: DamageWatch
    """What its writes refused for damage raise (checked_reads.py), set by LevelDbStore."""

    def put_checkpoint_note(self, size: int, note: bytes) -> None:
        """Keep the signed checkpoint note of a history size (replaces an older one).

        Not synced: it runs on the event loop for each peer's checkpoint line (two or three
        a height), and an fsync there held every request behind it. LevelDB has the write
        in its log before this returns, so a killed process keeps it; an OS crash or power
        cut can lose only the notes since the last block commit, whose synced batch flushes
        the log before it. A lost note is a derived artifact: the block and its certificate
        are the record, and the next height's note covers every tx of the lost one."""
        with self._watch.writes():
            self._db.put(keys.checkpoint_key(size), note)

    def get_checkpoint_note(self, size: int | None = None) -> tuple[int, bytes] | None:
        """The kept note of size, or of the largest size when size is None."""
        if size is not None:
            note = self._reads.get(keys.checkpoint_key(size))
            return None if note is None else (size, note)
        for key, value in self._reads.items(prefix=keys.CHECKPOINT_PREFIX, reverse=True):
            return keys.decode_int(key[len(keys.CHECKPOINT_PREFIX) :]), value
        return None

    def put_cosignature_lines(self, size: int, lines: bytes) -> None:
        """Keep every verified witness line of a checkpoint size at once (one synced put,
        so a crash leaves the old lines or the new ones; replaces the older value)."""
        with self._watch.writes():
            self._db.put(keys.cosignature_key(size), lines, sync=True)

    def get_cosignature_lines(self, size: int) -> bytes | None:
        key = keys.key_in_range(keys.cosignature_key, size)
        return None if key is None else self._reads.get(key)

    def newest_cosignature_lines(self, count: int) -> list[tuple[int, bytes]]:
        """The kept lines of the count largest sizes, largest first."""
        found: list[tuple[int, bytes]] = []
        for key, value in self._reads.items(prefix=keys.COSIGNATURE_PREFIX, reverse=True):
            if len(found) >= count:
                break
            found.append((keys.decode_int(key[len(keys.COSIGNATURE_PREFIX) :]), value))
        return found
