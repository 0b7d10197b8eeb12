"""A discardable write set per proposal (DESIGN.md §2 steps 3 and 5).

An Overlay reads through to a consistent snapshot of the committed database and buffers
every write in memory; it exposes the log, SMT and state ports over that buffer. Dropping
an overlay discards it. It never writes to LevelDB: LevelDbStore.commit() does, in one
batch, and only for an overlay built on the current head.
"""

from collections.abc import Iterator, Sequence

from node.storage import keys
from node.storage.block_leaves import BlockLeaves
from node.storage.errors import StaleOverlayError
from node.storage.smt_top import SmtTopLevels
from node.storage.views import KeyValueReader, LogNodes, SmtNodes, StateRecords


class _WriteSet:
    """The buffered writes over a snapshot: what the overlay's ports read and write.

    A separate object so that the ports (which hold it) do not point back at the Overlay
    (which holds them): without that cycle a dropped overlay, its write set of a whole
    block and its LevelDB snapshot are freed at once by reference counting, not whenever
    the cyclic garbage collector next reaches the oldest generation (issue 20: in a loop of
    SMT and LevelDB commits, dead write sets piled up between two full collections).
    """

    __slots__ = ("base", "sealed", "writes")

    def __init__(self, base: KeyValueReader) -> None:
        self.base = base
        self.writes: dict[bytes, bytes | None] = {}
        self.sealed = False

    def get(self, key: bytes) -> bytes | None:
        """The buffered value (None if deleted here), else the snapshot's."""
        if key in self.writes:
            return self.writes[key]
        return self.base.get(key)

    def put(self, key: bytes, value: bytes | None) -> None:
        """Buffer a write; None deletes the key when committed."""
        if self.sealed:
            # A write after commit would be silently lost: it is a bug in the caller.
            raise StaleOverlayError("this overlay was committed already; begin a new one")
        self.writes[key] = value


class Overlay:
    """The writes of one proposed block over the committed state it was built on.

    Ports: `log` (protocol.log.LogStore), `smt` (protocol.smt.SmtStore) and `state`
    (contracts.state.StateView plus apply()). Several overlays may exist at once.
    """

    def __init__(
        self,
        base: KeyValueReader,
        base_head: int | None,
        tree: KeyValueReader,
        smt_top: SmtTopLevels | None = None,
    ) -> None:
        """tree: the tree database (ADR 0038; its records never change, so it is read live);
        smt_top: the store's upper tree levels, read before either (never written)."""
        self._space = _WriteSet(base)
        self.base_head = base_head
        """Height of the committed head this overlay was built on; None for an empty store."""
        self.block_height: int | None = None
        """Height of the block recorded with record_block(), once it was called."""
        self.log = LogNodes(self._space)
        self.smt = SmtNodes(self._space, tree, smt_top)
        self.state = StateRecords(self._space)
        self.chain_writes: dict[bytes, bytes] = {}
        """The recorded block's records, by tree database key (record_block; ADR 0039)."""

    def get(self, key: bytes) -> bytes | None:
        """The buffered value (None if deleted here), else the snapshot's."""
        return self._space.get(key)

    def put(self, key: bytes, value: bytes | None) -> None:
        """Buffer a write; None deletes the key when committed."""
        self._space.put(key, value)

    def record_block(
        self,
        *,
        height: int,
        block: bytes,
        certificate: bytes | None,
        results: Sequence[bytes],
        tx_ids: Sequence[bytes],
        leaves: BlockLeaves | None = None,
    ) -> None:
        """Buffer the block at height with its certificate, its txs' results and tx index,
        and its leaves record when given (block_leaves.py).

        Requires height == base_head + 1 (0 on an empty store), one result per tx id in
        block order, and a certificate except for the genesis block (height 0).
        """
        expected = 0 if self.base_head is None else self.base_head + 1
        if height != expected:
            raise ValueError(f"this overlay can only record height {expected}, not {height}")
        if self.block_height is not None:
            raise ValueError(f"this overlay already holds block {self.block_height}")
        if len(results) != len(tx_ids):
            raise ValueError(f"{len(results)} results for {len(tx_ids)} txs")
        if certificate is None and height != 0:
            raise ValueError(f"block {height} needs its commit certificate")
        # The block's own records go to the tree database, keyed height first (ADR 0039);
        # the tx index, keyed by tx id, stays in the main database with the head.
        chain = self.chain_writes
        chain[keys.chain_block_key(height)] = block
        if certificate is not None:
            chain[keys.chain_certificate_key(height)] = certificate
        for index, (result, tx_id) in enumerate(zip(results, tx_ids, strict=True)):
            chain[keys.chain_result_key(height, index)] = result
            self.put(keys.tx_key(tx_id), keys.encode_tx_location(height, index))
        if leaves is not None:
            chain[keys.chain_leaves_key(height)] = leaves.encode()
        self.put(keys.HEAD_KEY, keys.encode_int(height))
        self.block_height = height

    def written(self, key: bytes) -> bytes | None:
        """The value this overlay wrote under key; None if it did not write it (or deletes it)."""
        return self._space.writes.get(key)

    def write_count(self) -> int:
        """How many keys a commit of this overlay writes or deletes (both databases)."""
        return len(self._space.writes) + len(self.smt.tree_writes) + len(self.chain_writes)

    def buffered_writes(self) -> Iterator[tuple[bytes, bytes | None]]:
        """Every buffered write of the main database, for the store's commit batch."""
        return iter(self._space.writes.items())

    def tree_database_writes(self) -> Iterator[tuple[bytes, bytes]]:
        """Every write of the tree database (the state tree's records, then the block's),
        for the batch the store's commit writes before the main one."""
        yield from self.smt.tree_writes.items()
        yield from self.chain_writes.items()

    def seal(self) -> None:
        """Refuse further writes and commits: called by the store once it has committed."""
        self._space.sealed = True

    @property
    def sealed(self) -> bool:
        return self._space.sealed
