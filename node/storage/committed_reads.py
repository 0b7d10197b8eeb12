"""Committed state reads kept until the next commit (issue 20, OPERATIONS.md "Memory").

Every tx a node takes in reads the same few committed records (the chain params, the
sender's key and holder records, its nonce) before it reaches a block. In LevelDB each of
those reads probes the tables of every level until it finds the key, and the levels deepen
as the chain grows. Here each key is read from LevelDB once between two commits: a few
reads per block interval instead of about five per tx. (It did not measurably change
LevelDB's compaction, the part of a validator's CPU that grows with the chain: see
docs/PERFORMANCE.md "A block's cost at 10^4 and 10^5 txs".)

Correctness: LevelDbStore.commit() calls begin_write() before its batch is written and
end_write() after, each emptying the cache and bumping the generation (odd while a batch is
being written). Nothing is kept while a batch is being written, and a read keeps what it
read from LevelDB only if the generation did not move meanwhile, so no entry outlives the
commit that changed its key. Emptying BEFORE the write matters: the head is not read
through this cache (the store holds it, read again after the batch, before end_write()),
so a reader that sees the new head (the batch landed) must not be handed a value held from
before it (the ledger keeps the validator sets it decodes per head height: one stale read
there kept a validator on the old set for good). A reader that took the old dict before
begin_write() sees what it would have read a moment earlier, before the batch.
"""

import threading
from typing import Protocol

COMMITTED_READS_BYTES_MAX = 4 * 1024 * 1024
"""At most this many bytes of keys and values are held; past it reads go to LevelDB. The
cache is emptied at every commit, so it holds what one block interval's intake read."""


class ByteSpace(Protocol):
    def get(self, key: bytes) -> bytes | None: ...

    def put(self, key: bytes, value: bytes | None) -> None: ...


class CommittedReads:
    """A read-through cache over the committed key-value space, emptied at each commit."""

    __slots__ = ("_bytes", "_generation", "_lock", "_space", "_values", "bytes_max")

    def __init__(self, space: ByteSpace, *, bytes_max: int = COMMITTED_READS_BYTES_MAX) -> None:
        self._space = space
        self.bytes_max = bytes_max
        self._values: dict[bytes, bytes | None] = {}
        self._bytes = 0
        self._generation = 0
        self._lock = threading.Lock()

    def get(self, key: bytes) -> bytes | None:
        values = self._values
        if key in values:
            return values[key]
        generation = self._generation
        value = self._space.get(key)
        size = len(key) + (0 if value is None else len(value))
        with self._lock:
            kept = generation == self._generation and generation % 2 == 0
            if kept and self._bytes + size <= self.bytes_max:
                self._values[key] = value
                self._bytes += size
        return value

    def put(self, key: bytes, value: bytes | None) -> None:
        self._space.put(key, value)  # the committed space refuses writes

    def begin_write(self) -> None:
        """Forget every read, and keep none until end_write(): a batch is being written."""
        self._forget()

    def end_write(self) -> None:
        """The batch is written (or failed): keep reads again, from now on."""
        self._forget()

    def _forget(self) -> None:
        with self._lock:
            self._generation += 1
            self._values = {}
            self._bytes = 0

    def held_bytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._values)
