"""A block's Merkle leaves, kept beside it so a tx inclusion proof is a few reads.

Proving one tx of a stored block needs every leaf hash of its tx tree and of its results
tree, and the tx itself. Without this record the node parses the whole block (250 txs)
and hashes every tx and result again (PERFORMANCE.md). The record holds, per tx in block
order: its tx leaf hash, its result leaf hash, and where its canonical bytes sit in the
stored block bytes (offset and length). It is derived data, not protocol: the node writes
it at commit (block sync too), a reader checks what it serves against the header's roots
and the leaf hashes, and a block stored without it (older data) is proved the slow way
and the record written then.

    leaves/<height:8>   per tx: <tx leaf:32><result leaf:32><offset:8><length:8>
"""

from collections.abc import Sequence
from dataclasses import dataclass

from node.storage.keys import INT_SIZE, decode_int, encode_int
from protocol.hashing import HASH_SIZE, Hash32
from protocol.merkle import hash_leaf

ENTRY_SIZE = 2 * HASH_SIZE + 2 * INT_SIZE
TXS_OPEN = b',"txs":['
BLOCK_CLOSE = b"]}"


@dataclass(frozen=True, slots=True, kw_only=True)
class BlockLeaves:
    """The leaf hashes of one block's tx and results trees, and each tx's byte span."""

    tx_leaves: tuple[Hash32, ...]
    result_leaves: tuple[Hash32, ...]
    tx_spans: tuple[tuple[int, int], ...]
    """(offset, length) of each tx's canonical bytes in the stored block bytes."""

    def encode(self) -> bytes:
        return b"".join(
            tx + result + encode_int(offset) + encode_int(length)
            for tx, result, (offset, length) in zip(
                self.tx_leaves, self.result_leaves, self.tx_spans, strict=True
            )
        )

    @classmethod
    def decode(cls, data: bytes) -> "BlockLeaves | None":
        """The record of encode's bytes; None for bytes no record has (left to the slow path)."""
        if not data or len(data) % ENTRY_SIZE:
            return None
        txs, results, spans = [], [], []
        for start in range(0, len(data), ENTRY_SIZE):
            entry = data[start : start + ENTRY_SIZE]
            txs.append(Hash32(entry[:HASH_SIZE]))
            results.append(Hash32(entry[HASH_SIZE : 2 * HASH_SIZE]))
            offset = decode_int(entry[2 * HASH_SIZE : 2 * HASH_SIZE + INT_SIZE])
            spans.append((offset, decode_int(entry[2 * HASH_SIZE + INT_SIZE :])))
        return cls(tx_leaves=tuple(txs), result_leaves=tuple(results), tx_spans=tuple(spans))

    def tx_bytes(self, block: bytes, index: int) -> bytes | None:
        """The canonical bytes of tx `index` cut from the stored block, if they hash to its
        leaf (None otherwise: a record that does not match its block is not used)."""
        offset, length = self.tx_spans[index]
        data = block[offset : offset + length]
        return data if hash_leaf(data) == self.tx_leaves[index] else None


def block_leaves(
    block: bytes,
    txs: Sequence[bytes],
    results: Sequence[bytes],
    *,
    hashed: tuple[Sequence[Hash32], Sequence[Hash32]] | None = None,
) -> BlockLeaves | None:
    """The record of a block from its stored bytes, its txs' and its results' canonical
    bytes (one each, block order). The txs are the last member of the block's canonical
    JSON (keys evidence, header, txs), joined by commas: their spans follow from their
    lengths, and each is checked against the block bytes. None for a block without txs
    (nothing to prove) or bytes laid out otherwise.

    hashed: the txs' and the results' leaf hashes, when the caller has them already (the
    ledger's commit: its tx_root and results_root hashed them), else they are hashed here."""
    if not txs or len(txs) != len(results) or not block.endswith(BLOCK_CLOSE):
        return None
    offset = len(block) - len(BLOCK_CLOSE) - sum(len(tx) for tx in txs) - (len(txs) - 1)
    if block[offset - len(TXS_OPEN) : offset] != TXS_OPEN:
        return None
    spans = []
    for tx in txs:
        if block[offset : offset + len(tx)] != tx:
            return None
        spans.append((offset, len(tx)))
        offset += len(tx) + 1
    if hashed is None:
        tx_leaves = tuple(hash_leaf(tx) for tx in txs)
        result_leaves = tuple(hash_leaf(result) for result in results)
    else:
        tx_leaves, result_leaves = tuple(hashed[0]), tuple(hashed[1])
        assert len(tx_leaves) == len(txs) and len(result_leaves) == len(results)
    return BlockLeaves(tx_leaves=tx_leaves, result_leaves=result_leaves, tx_spans=tuple(spans))
