"""Point reads through a LevelDB iterator instead of get() (issue 20, PERFORMANCE.md
"Seek-triggered compactions").

LevelDB charges a get() that probes more than one table to the first table probed (its
"seek allowance", table size / 16 KiB, at least 100), and once a table runs out it compacts
that table into the level below, whether or not the level is over its size. A block's reads
are mostly of keys in deep levels or of absent keys (the tree's nodes below the held
levels, the new records' absence), so every table flushed from the memtable runs out after
~130 of them and is merged down at once, taking ~10 tables of the level below with it.
LevelDB picks such compactions only when no size compaction is due, so a node that is
slower than its disk (a validator waiting for votes) spends its compaction thread's idle
time on them: the same blocks wrote 61 MB of compaction per 1,000 txs at a network's pace
and 14 MB at full speed. An iterator's seek is not charged (LevelDB samples an iterator
once per ~1 MiB it reads), so reads made this way leave the compactions to size alone.
"""

import threading
from typing import Any

from node.storage.checked_reads import DAMAGE, CheckedReads


class SeekReads:
    """get(key) through one iterator of a plyvel DB or snapshot (the checked reads it was
    made on: checksums verified, damage raised as StoreDamagedError).

    The iterator is made at the first read and sees the data as of then: for a snapshot,
    the snapshot's; for the DB, the DB's at that moment (use on data that does not change).
    Reads from several threads are serialised: a plyvel iterator is not thread-safe.
    """

    __slots__ = ("_iterator", "_lock", "_source")

    def __init__(self, source: CheckedReads) -> None:
        self._source = source
        self._iterator: Any = None
        self._lock = threading.Lock()

    def get(self, key: bytes) -> bytes | None:
        with self._lock:
            iterator = self._iterator
            try:
                if iterator is None:
                    iterator = self._iterator = self._source.seeker()
                iterator.seek(key)
                found, value = next(iterator)
            except StopIteration:
                return None
            except DAMAGE as error:
                raise self._source.watch.report(error) from None
        return value if found == key else None
