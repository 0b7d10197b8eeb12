"""Block headers and blocks (DESIGN.md §3). Pure: no I/O.

The header commits to everything an auditor checks: the history of earlier headers, the
txs, their results, the state after the block and the validator sets. Its JCS bytes are
the history-log leaf; block_hash = SHA-256(TAG_HEADER || JCS(header)) is what votes name.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from protocol.encoding import JsonObject, encode
from protocol.errors import FieldTypeError
from protocol.evidence import Evidence, evidence_from_json
from protocol.fields import expect_object, read_hex, read_int, read_list, read_object
from protocol.hashing import HASH_SIZE, TAG_HEADER, Hash32, tagged_hash
from protocol.merkle import hash_leaf, root_from_leaf_hashes
from protocol.results import TxResult
from protocol.signing import PUBLIC_KEY_SIZE, PublicKey
from protocol.tx import SignedTx

HEADER_FIELDS = (
    "protocol_version",
    "chain_id",
    "height",
    "time_ms",
    "prev_hash",
    "history_root",
    "tx_root",
    "results_root",
    "state_root",
    "validators_hash",
    "next_validators_hash",
    "evidence_root",
    "proposer",
)
_HASH_FIELDS = HEADER_FIELDS[4:12]
BLOCK_TXS_MAX = 10_000


@dataclass(frozen=True, slots=True, kw_only=True)
class BlockHeader:
    protocol_version: int
    chain_id: Hash32
    height: int
    """0 for the genesis header; a block at height h is history-log leaf h."""
    time_ms: int
    """Proposer's Unix milliseconds; strictly above the previous header's."""
    prev_hash: Hash32
    """block_hash of header h-1; 32 zero bytes at height 0."""
    history_root: Hash32
    """RFC 9162 root over the JCS bytes of headers 0..h-1 (SHA-256("") at height 0)."""
    tx_root: Hash32
    """RFC 9162 root over JCS(signed tx), in block order."""
    results_root: Hash32
    """RFC 9162 root over JCS(TxResult), in block order."""
    state_root: Hash32
    """Sparse Merkle root of the state after this block."""
    validators_hash: Hash32
    """Hash of the set that certifies this block."""
    next_validators_hash: Hash32
    """Hash of the set that certifies block h+1 (differs after a set change)."""
    evidence_root: Hash32
    """RFC 9162 root over JCS(evidence), in block order."""
    proposer: PublicKey
    """Key of the validator that proposed the block (32 zero bytes at height 0)."""

    def to_json(self) -> JsonObject:
        obj: JsonObject = {
            "protocol_version": self.protocol_version,
            "height": self.height,
            "time_ms": self.time_ms,
        }
        for name in ("chain_id", *_HASH_FIELDS, "proposer"):
            obj[name] = getattr(self, name).hex()
        return obj

    @classmethod
    def from_json(cls, value: object) -> "BlockHeader":
        obj = expect_object(value, "header", HEADER_FIELDS)
        hashes = {name: Hash32(read_hex(obj, name, size=HASH_SIZE)) for name in _HASH_FIELDS}
        return cls(
            protocol_version=read_int(obj, "protocol_version"),
            chain_id=Hash32(read_hex(obj, "chain_id", size=HASH_SIZE)),
            height=read_int(obj, "height"),
            time_ms=read_int(obj, "time_ms"),
            proposer=PublicKey(read_hex(obj, "proposer", size=PUBLIC_KEY_SIZE)),
            **hashes,
        )

    def canonical_bytes(self) -> bytes:
        """JCS(header): the history-log leaf of this height."""
        return encode(self.to_json())

    def block_hash(self) -> Hash32:
        return tagged_hash(TAG_HEADER, self.canonical_bytes())


def tx_root(txs: Sequence[SignedTx]) -> Hash32:
    """RFC 9162 root over JCS(signed tx) in block order."""
    return root_from_leaf_hashes([hash_leaf(tx.canonical_bytes()) for tx in txs])


def results_root(results: Sequence[TxResult]) -> Hash32:
    """RFC 9162 root over JCS({tx_id, status, reason}) in block order."""
    return root_from_leaf_hashes([hash_leaf(r.canonical_bytes()) for r in results])


def evidence_root(evidence: Sequence[Evidence]) -> Hash32:
    """RFC 9162 root over JCS(evidence) in block order."""
    return root_from_leaf_hashes([hash_leaf(encode(e.to_json())) for e in evidence])


@dataclass(frozen=True, slots=True, kw_only=True)
class Block:
    """A header and the txs and evidence its tx_root and evidence_root commit to."""

    header: BlockHeader
    txs: tuple[SignedTx, ...]
    evidence: tuple[Evidence, ...]

    def to_json(self) -> JsonObject:
        return {
            "header": self.header.to_json(),
            "txs": [tx.to_json() for tx in self.txs],
            "evidence": [e.to_json() for e in self.evidence],
        }

    @classmethod
    def from_json(cls, value: object) -> "Block":
        obj = expect_object(value, "block", ("header", "txs", "evidence"))
        return cls(
            header=BlockHeader.from_json(read_object(obj, "header")),
            txs=tuple(
                SignedTx.from_json(t) for t in read_list(obj, "txs", max_items=BLOCK_TXS_MAX)
            ),
            evidence=tuple(evidence_from_json(e) for e in read_list(obj, "evidence")),
        )

    def canonical_bytes(self) -> bytes:
        """JCS(block), assembled from the parts' cached canonical bytes (keys in JCS order:
        evidence, header, txs), so a 1,000-tx block is not re-encoded field by field."""
        evidence = b",".join(encode(e.to_json()) for e in self.evidence)
        txs = b",".join(tx.canonical_bytes() for tx in self.txs)
        return (
            b'{"evidence":['
            + evidence
            + b'],"header":'
            + self.header.canonical_bytes()
            + b',"txs":['
            + txs
            + b"]}"
        )

    def check_body(self) -> None:
        """Raise FieldTypeError unless tx_root and evidence_root match the body."""
        if tx_root(self.txs) != self.header.tx_root:
            raise FieldTypeError("block body does not match header tx_root")
        if evidence_root(self.evidence) != self.header.evidence_root:
            raise FieldTypeError("block evidence does not match header evidence_root")
