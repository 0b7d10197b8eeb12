"""Block headers and blocks (DESIGN.md §3). Pure: no I/O.

The header commits to everything an auditor checks: the history of earlier headers, the
txs, their results, the state after the block and the validator sets. Its JCS bytes are
the history-log leaf; block_hash = SHA-256(TAG_HEADER || JCS(header)) is what votes name.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from protocol.codec import CachedJsonCodec, JsonCodec, Wire, codec_wire, items
from protocol.encoding import (
    JsonValue,
    decode,
    nests_within_limit,
    split_array,
    split_object,
)
from protocol.errors import ProtocolError
from protocol.evidence import Evidence, evidence_from_json
from protocol.fields import read_list
from protocol.hashing import TAG_HEADER, ZERO_HASH, Hash32, tagged_hash
from protocol.merkle import EMPTY_ROOT, hash_leaf, root_from_leaf_hashes
from protocol.results import TxResult
from protocol.signing import PublicKey
from protocol.tx import PROTOCOL_VERSION, SignedTx
from protocol.tx_decode import signed_tx_fast

BLOCK_TXS_MAX = 10_000
BLOCK_EVIDENCE_MAX = 8
"""Most evidence items a valid block carries (protocol/block_check.py, ADR 0016): eight of
the largest kind (lock violation with 1,024 window prevotes, about 445 KiB) fill at most
half of a block's 8 MiB, so evidence can never crowd txs out of one."""


@dataclass(frozen=True, slots=True, kw_only=True)
class BlockHeader(CachedJsonCodec, what="header"):
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

    # canonical_bytes() (CachedJsonCodec): JCS(header), the history-log leaf of this height.

    def block_hash(self) -> Hash32:
        return tagged_hash(TAG_HEADER, self.canonical_bytes())


def parentless_header(
    *, chain_id: Hash32, height: int, time_ms: int, state_root: Hash32, validators_hash: Hash32
) -> BlockHeader:
    """A header with nothing before or in it: zero prev_hash and proposer, empty history,
    tx, result and evidence roots, and the next validator set the same as this one. The
    genesis header is one at height 0 (PROTOCOL.md §5)."""
    return BlockHeader(
        protocol_version=PROTOCOL_VERSION,
        chain_id=chain_id,
        height=height,
        time_ms=time_ms,
        prev_hash=ZERO_HASH,
        history_root=EMPTY_ROOT,
        tx_root=EMPTY_ROOT,
        results_root=EMPTY_ROOT,
        state_root=state_root,
        validators_hash=validators_hash,
        next_validators_hash=validators_hash,
        evidence_root=EMPTY_ROOT,
        proposer=PublicKey(ZERO_HASH),
    )


def root_of_canonical(items: Sequence[bytes]) -> Hash32:
    """The rule of a block's three trees: RFC 9162 root over each item's canonical bytes
    (JCS), in block order."""
    return root_from_leaf_hashes([hash_leaf(item) for item in items])


def tx_root(txs: Sequence[SignedTx]) -> Hash32:
    """RFC 9162 root over JCS(signed tx) in block order (each tx's leaf hashed once)."""
    return root_from_leaf_hashes([tx.leaf_hash() for tx in txs])


def results_root(results: Sequence[TxResult]) -> Hash32:
    """RFC 9162 root over JCS({tx_id, status, reason}) in block order."""
    return root_from_leaf_hashes([r.leaf_hash() for r in results])


def evidence_root(evidence: Sequence[Evidence]) -> Hash32:
    """RFC 9162 root over JCS(evidence) in block order."""
    return root_of_canonical([e.canonical_bytes() for e in evidence])


def _read_evidence(obj: Mapping[str, Any], name: str) -> tuple[Evidence, ...]:
    return tuple(evidence_from_json(e) for e in read_list(obj, name))


def _write_evidence(evidence: tuple[Evidence, ...]) -> JsonValue:
    return [e.to_json() for e in evidence]


@dataclass(frozen=True, slots=True, kw_only=True)
class Block(JsonCodec, what="block"):
    """A header and the txs and evidence its tx_root and evidence_root commit to."""

    header: BlockHeader
    txs: Annotated[tuple[SignedTx, ...], items(codec_wire(SignedTx), max_items=BLOCK_TXS_MAX)]
    evidence: Annotated[tuple[Evidence, ...], Wire(_read_evidence, _write_evidence)]

    def canonical_bytes(self) -> bytes:
        """JCS(block), assembled from the parts' cached canonical bytes (keys in JCS order:
        evidence, header, txs), so a 1,000-tx block is not re-encoded field by field."""
        evidence = b",".join(e.canonical_bytes() for e in self.evidence)
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


def block_of_value(value: JsonValue, *, in_c_domain: bool) -> Block:
    """Block.from_json(value), each tx read by protocol/tx_decode.py signed_tx_fast where
    that can tell it gives the reference's value: the same block, or the same error (a tx
    that path does not take goes to the reference as before, which names any error).

    For block sync, which holds a synced block only as decoded JSON (no mempool copy of
    its txs): the reference's typed read of each tx was most of its parse. in_c_domain:
    value lies in protocol.encoding's C domain and is unchanged since that was found
    (signed_tx_fast's flag: each tx's JCS bytes are encoded in C without a walk). Reads
    value without changing it."""
    txs = value.get("txs") if isinstance(value, dict) else None
    if not isinstance(value, dict) or type(txs) is not list or len(txs) > BLOCK_TXS_MAX:
        return Block.from_json(value)  # whatever is wrong, the reference names it
    read = [_fast_or_raw(item, in_c_domain) for item in txs]
    return Block.from_json({**value, "txs": read})


def _fast_or_raw(item: JsonValue, in_c_domain: bool) -> object:
    # An item signed_tx_fast does not take stays as it is: Block.from_json reads it by
    # the reference, at its own place in the block, so an error is named as before.
    fast = signed_tx_fast(item, in_c_domain=in_c_domain)
    return item if fast is None else fast


HeldTx = Callable[[bytes], SignedTx | None]
"""A signed tx parsed already, by its canonical bytes (a validator's mempool, Mempool.held)."""


def parse_block(payload: bytes, held: HeldTx | None = None) -> Block:
    """The block a payload holds: Block.from_json(decode(payload)), with its errors.

    held: txs this node has parsed already. A tx whose bytes in the payload are a held
    tx's canonical bytes, signatures included, is taken as that object instead of being
    parsed again; the rest are parsed as always. The outcome is the same block: it is
    taken only if the payload is its canonical bytes, and any other payload (malformed,
    not canonical) is parsed whole as without held, which names its problem.
    """
    if held is not None:
        block = _parse_holding(payload, held)
        if block is not None:
            return block
    return Block.from_json(decode(payload))


def _parse_holding(payload: bytes, held: HeldTx) -> Block | None:
    """parse_block's block with held txs in it, or None where it would not be the same.

    Each part is decoded (or found held) on its own, so the one check of decode that
    depends on where a value sits, nesting depth, is made here for each part where it
    sits in the payload (a tx: in the block and its txs). Every other check of decode
    gives the same answer on the parts, and equal canonical bytes settle the rest.
    """
    members = split_object(payload)
    txs = None if members is None or "txs" not in members else split_array(members["txs"])
    if members is None or txs is None:
        return None
    parts = {name: raw for name, raw in members.items() if name != "txs"}
    if not all(nests_within_limit(raw, 1) for raw in parts.values()):
        return None
    if not all(nests_within_limit(raw, 2) for raw in txs):
        return None
    try:
        value: dict[str, object] = {name: decode(raw) for name, raw in parts.items()}
        value["txs"] = [_held_or_decoded(raw, held) for raw in txs]
        # Held txs go through Block.from_json as they are (codec_wire takes an item that
        # already is a SignedTx), so every rule of the block's own fields still applies.
        block = Block.from_json(value)
    except ProtocolError:
        return None
    # Equal bytes make the payload canonical, split where the block's parts are: each
    # tx's canonical bytes are then its bytes in the payload, signatures included.
    return block if block.canonical_bytes() == payload else None


def _held_or_decoded(raw: bytes, held: HeldTx) -> object:
    # The lookup is trusted for nothing: a held tx whose canonical bytes are not raw
    # (the same tx_id with other signatures, say) makes the block's bytes differ from
    # the payload, and then the payload is parsed whole.
    known = held(raw)
    return decode(raw) if known is None else known
