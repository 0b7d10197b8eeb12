"""Proofs a node serves from its committed chain, and retirement receipts (PROTOCOL.md §6, §9, §14).

Every answer is built from committed data only: history-log inclusion and consistency
proofs, a tx's paths to tx_root and results_root, sparse Merkle proofs at any past height,
the validator-set changes since genesis, and the receipt that bundles them. Blocking reads:
routes call these off the event loop. Failures raise ProofUnavailableError with a code.
"""

import base64
import threading
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from client.receipt.history import TLOG_PROOF_HEADER
from client.receipt.records import read_receipt_records
from contracts.state_keys import VALIDATORS_NEXT_KEY
from contracts.state_tree import state_tree_key
from node.ledger import Ledger, header_of_payload
from node.storage.block_leaves import block_leaves
from protocol.block import Block, BlockHeader
from protocol.encoding import JsonObject, JsonValue, decode
from protocol.hashing import Hash32
from protocol.log import MerkleLog
from protocol.merkle import hash_leaf, inclusion_proof, is_inclusion_valid, subtree_hash_over
from protocol.proofs import ConsistencyProof, InclusionProof
from protocol.receipt_digest import receipt_digest, receipt_identity
from protocol.results import TxResult, TxStatus
from protocol.smt import SparseMerkleTree
from protocol.tx import SignedTx

R = TypeVar("R")
RECEIPT_VERSION = 4
"""Format 3 binds set changes to the checkpoint's log (PROTOCOL.md §14, ADR 0015); format 4
also proves the verification behind the batch and the case's judgment and closure (ADR
0030). build_receipt serves format 3 on request, as the committed vectors hold it."""
SERVED_VERSIONS = (3, 4)
RETIREMENT_TX_TYPES = frozenset({"credits.retire", "credits.retire_judicial"})


class ProofUnavailableError(Exception):
    """A proof that cannot be served: code is NOT_FOUND, BAD_RANGE, NOT_A_RETIREMENT, ..."""

    def __init__(self, code: str, detail: str, *, status_code: int = 404) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail
        self.status_code = status_code


@dataclass(frozen=True, slots=True, kw_only=True)
class SignedCheckpoint:
    """A checkpoint note with >= q lines and the history size it signs."""

    size: int
    note: str


# --- history -----------------------------------------------------------------------------


def header_inclusion(ledger: Ledger, height: int, size: int) -> JsonObject:
    """Header `height` and its RFC 9162 inclusion proof at history size `size`.

    A height or size past the chain is NOT_FOUND (404), as a block past the head is, so a
    client polling for it needs no second rule (it was 400 BAD_RANGE); a size that does not
    hold the height (size <= height), two well-formed numbers that contradict each other,
    is BAD_RANGE (400), as /v1/proofs/consistency's first > second is (PROTOCOL.md §15).
    """
    log_size = ledger.height + 1
    if height >= log_size:
        raise ProofUnavailableError("NOT_FOUND", f"no committed height {height}")
    if size > log_size:
        raise ProofUnavailableError(
            "NOT_FOUND", f"no history of size {size}: this node holds {log_size} headers"
        )
    if not 0 <= height < size:
        raise ProofUnavailableError(
            "BAD_RANGE", f"need height {height} < size {size}: the size holds it", status_code=400
        )
    header = _header(ledger, height)
    hashes = MerkleLog(ledger.store.log).inclusion_proof(height, size)
    proof = InclusionProof(leaf_index=height, tree_size=size, hashes=hashes)
    return {"header": header.to_json(), "proof": proof.to_json()}


def consistency(ledger: Ledger, first: int, second: int) -> JsonObject:
    """RFC 9162 consistency proof that history size `second` extends `first`."""
    log_size = ledger.height + 1
    if not 0 < first <= second <= log_size:
        raise ProofUnavailableError(
            "BAD_RANGE", f"need 0 < first {first} <= second {second} <= {log_size}", status_code=400
        )
    hashes = MerkleLog(ledger.store.log).consistency_proof(first, second)
    return ConsistencyProof(size1=first, size2=second, hashes=hashes).to_json()


def tlog_proof_text(header_proof: InclusionProof, note: str) -> str:
    """The c2sp.org/tlog-proof text (no extra data) of a history leaf in a signed note."""
    lines = [TLOG_PROOF_HEADER, f"index {header_proof.leaf_index}"]
    lines += [base64.b64encode(h).decode("ascii") for h in header_proof.hashes]
    return "\n".join(lines) + "\n\n" + note


# --- transactions ------------------------------------------------------------------------


def tx_inclusion(ledger: Ledger, tx_id: Hash32) -> JsonObject:
    """A committed tx with its paths to tx_root and results_root, header and certificate.

    Read from the block's leaves record (node/storage/block_leaves.py): the leaf hashes,
    the one tx cut from the block bytes, its result. A block without a usable record
    (stored before records were kept) is parsed whole, and its record written then.
    """
    location = ledger.store.find_tx(tx_id)
    if location is None:
        raise ProofUnavailableError("NOT_FOUND", f"no committed tx {tx_id.hex()}")
    height, index = location.height, location.index
    found = _tx_from_leaves(ledger, height, index) or _tx_from_block(ledger, height, index)
    certificate = ledger.certificate(height)
    return {
        "height": height,
        "index": index,
        "signed_tx": found.signed.to_json(),
        "tx_proof": found.tx_proof.to_json(),
        "result": _object(decode(found.result)),
        "result_proof": found.result_proof.to_json(),
        "header": found.header.to_json(),
        "certificate": None if certificate is None else certificate.to_json(),
    }


@dataclass(frozen=True, slots=True, kw_only=True)
class _TxFound:
    signed: SignedTx
    tx_proof: InclusionProof
    result: bytes
    result_proof: InclusionProof
    header: BlockHeader


def _tx_from_leaves(ledger: Ledger, height: int, index: int) -> _TxFound | None:
    """From the leaves record: None when there is none, or when what it gives does not
    hold (a tx or result that does not hash to its leaf, a path not to the header's root)."""
    leaves = ledger.store.get_block_leaves(height)
    stored = ledger.store.get_block(height)
    if leaves is None or stored is None or index >= len(leaves.tx_leaves):
        return None
    header = header_of_payload(stored)
    tx = leaves.tx_bytes(stored, index)
    result = ledger.store.get_result(height, index)
    if header is None or tx is None or result is None:
        return None
    result_leaf = hash_leaf(result)
    if result_leaf != leaves.result_leaves[index]:
        return None
    tx_proof = _block_proof(leaves.tx_leaves, index)
    result_proof = _block_proof(leaves.result_leaves, index)
    # log2(size) hashes each: the paths served lead from these leaves to the header's roots.
    if not (
        _holds(tx_proof, leaves.tx_leaves[index], header.tx_root)
        and _holds(result_proof, result_leaf, header.results_root)
    ):
        return None
    signed = SignedTx.from_json(decode(tx))
    return _TxFound(
        signed=signed, tx_proof=tx_proof, result=result, result_proof=result_proof, header=header
    )


def _tx_from_block(ledger: Ledger, height: int, index: int) -> _TxFound:
    """The slow path: parse the whole block and hash every tx and result; then keep the
    block's leaves record, so the next proof in this block takes the fast path."""
    stored = ledger.store.get_block(height)
    assert stored is not None, height
    block = Block.from_json(decode(stored))
    txs = [tx.canonical_bytes() for tx in block.txs]
    results = ledger.store.get_results(height)
    assert len(results) == len(txs), (height, len(results), len(txs))
    leaves = block_leaves(stored, txs, results)
    if leaves is not None:
        ledger.store.put_block_leaves(height, leaves)
    return _TxFound(
        signed=block.txs[index],
        tx_proof=_block_proof([hash_leaf(tx) for tx in txs], index),
        result=results[index],
        result_proof=_block_proof([hash_leaf(result) for result in results], index),
        header=block.header,
    )


def _holds(proof: InclusionProof, leaf: Hash32, root: Hash32) -> bool:
    return is_inclusion_valid(proof.leaf_index, proof.tree_size, leaf, proof.hashes, root)


def _block_proof(leaves: Sequence[Hash32], index: int) -> InclusionProof:
    hashes = inclusion_proof(index, len(leaves), subtree_hash_over(leaves))
    return InclusionProof(leaf_index=index, tree_size=len(leaves), hashes=hashes)


# --- state -------------------------------------------------------------------------------


def state_entry(ledger: Ledger, key: str, height: int) -> JsonObject:
    """{"key", "value" (record or null), "proof"} against header `height`'s state_root."""
    if not 0 <= height <= ledger.height:
        raise ProofUnavailableError("NOT_FOUND", f"no committed height {height}")
    tree = SparseMerkleTree(ledger.store.smt)
    raw = tree.get(state_tree_key(key), version=height)
    proof = tree.prove(state_tree_key(key), version=height)
    value = None if raw is None else decode(raw)
    return {"key": key, "value": value, "proof": proof.to_json()}


# --- validator sets ----------------------------------------------------------------------


class _SetChangeIndex:
    """Heights whose header changes the validator set, scanned once and extended on demand."""

    def __init__(self) -> None:
        self.scanned_to = -1
        self.heights: list[int] = []
        self.lock = threading.Lock()


_INDEXES: "weakref.WeakKeyDictionary[Ledger, _SetChangeIndex]" = weakref.WeakKeyDictionary()


def set_change_heights(ledger: Ledger, up_to: int) -> tuple[int, ...]:
    """Heights h <= up_to where next_validators_hash != validators_hash, ascending."""
    index = _INDEXES.setdefault(ledger, _SetChangeIndex())
    with index.lock:
        top = min(up_to, ledger.height)
        for height in range(index.scanned_to + 1, top + 1):
            header = _header(ledger, height)
            if header.next_validators_hash != header.validators_hash:
                index.heights.append(height)
        index.scanned_to = max(index.scanned_to, top)
        return tuple(h for h in index.heights if h <= up_to)


def validator_set_changes(ledger: Ledger, up_to: int) -> list[JsonValue]:
    """Every set change at a height <= up_to: header, certificate, the new set's preimage."""
    changes: list[JsonValue] = []
    tree = SparseMerkleTree(ledger.store.smt)
    for height in set_change_heights(ledger, up_to):
        raw = tree.get(state_tree_key(VALIDATORS_NEXT_KEY), version=height)
        assert raw is not None, height
        certificate = ledger.certificate(height)
        assert certificate is not None, height
        changes.append(
            {
                "header": _header(ledger, height).to_json(),
                "certificate": certificate.to_json(),
                "next_validators": _object(decode(raw)),
            }
        )
    return changes


# --- receipts ----------------------------------------------------------------------------


def build_receipt(
    ledger: Ledger,
    retirement_id: Hash32,
    checkpoint: SignedCheckpoint,
    version: int = RECEIPT_VERSION,
    *,
    of_rejected_too: bool = False,
) -> JsonObject:
    """The receipt of PROTOCOL.md §14 for a committed retirement, against checkpoint, in
    format `version` (3 or 4; the same fields, format 4 proves more records).

    Raises ProofUnavailableError when the tx is unknown, not a retirement, committed as
    rejected (NOT_A_RETIREMENT: it retired nothing, so no node serves a receipt of it) or
    younger than the checkpoint (CHECKPOINT_PENDING: retry once the next checkpoint is
    signed). of_rejected_too builds a rejected one's all the same, for the test corpus:
    it fails verification as TX_NOT_ACCEPTED.
    """
    assert version in SERVED_VERSIONS, version
    found, signed = _retirement_tx(ledger, retirement_id)
    if not of_rejected_too:
        _refuse_rejected(found)
    height = _int(found["height"])
    if checkpoint.size <= height:
        raise ProofUnavailableError(
            "CHECKPOINT_PENDING",
            f"the checkpoint of size {checkpoint.size} holds heights 0..{checkpoint.size - 1}, "
            f"not the retirement's height {height}",
            status_code=409,
        )
    hashes = MerkleLog(ledger.store.log).inclusion_proof(height, checkpoint.size)
    header_proof = InclusionProof(leaf_index=height, tree_size=checkpoint.size, hashes=hashes)
    state = [
        state_entry(ledger, key, height)
        for key in receipt_state_keys(ledger, signed, retirement_id, height, version)
    ]
    records = [(str(entry["key"]), _record_value(entry["value"])) for entry in state]
    return {
        "receipt_version": version,
        "receipt_digest": _digest(ledger, retirement_id, found, records).hex(),
        "retirement_id": retirement_id.hex(),
        "tx": {
            "signed_tx": found["signed_tx"],
            "height": height,
            "index": found["index"],
            "tx_proof": found["tx_proof"],
            "result": found["result"],
            "result_proof": found["result_proof"],
        },
        "block": {"header": found["header"], "certificate": found["certificate"]},
        "state": list[JsonValue](state),
        "validator_sets": logged_set_changes(ledger, checkpoint.size),
        "history_proof": tlog_proof_text(header_proof, checkpoint.note),
        "checkpoint_header": _logged_header(ledger, checkpoint.size - 1, checkpoint.size),
    }


def retirement_receipt_digest(ledger: Ledger, retirement_id: Hash32) -> Hash32:
    """The receipt digest (§14.6) of a committed retirement's served receipt (format 4):
    what every copy of it shows, whichever checkpoint it carries, so a page can show it
    without building one."""
    found, signed = _retirement_tx(ledger, retirement_id)
    height = _int(found["height"])
    keys = receipt_state_keys(ledger, signed, retirement_id, height, RECEIPT_VERSION)
    return _digest(ledger, retirement_id, found, [(k, _record(ledger, k, height)) for k in keys])


def retirement_height(ledger: Ledger, retirement_id: Hash32) -> int:
    """The height of a committed retirement; ProofUnavailableError (NOT_FOUND,
    NOT_A_RETIREMENT) when retirement_id is none."""
    found, _ = _retirement_tx(ledger, retirement_id)
    return _int(found["height"])


def _retirement_tx(ledger: Ledger, retirement_id: Hash32) -> tuple[JsonObject, SignedTx]:
    found = tx_inclusion(ledger, retirement_id)
    signed = SignedTx.from_json(found["signed_tx"])
    if signed.tx.type not in RETIREMENT_TX_TYPES:
        raise ProofUnavailableError("NOT_A_RETIREMENT", f"tx type {signed.tx.type}")
    return found, signed


def _refuse_rejected(found: JsonObject) -> None:
    """A retirement tx committed as rejected retired no credits: answered as a transfer's
    id is (404 NOT_A_RETIREMENT), naming why, not with a receipt (stop 57: a 200 and "wrote
    receipt" read as proof of a retirement that never happened)."""
    result = TxResult.from_json(found["result"])
    if result.status is not TxStatus.ACCEPTED:
        detail = f"committed as rejected: {result.reason}: no credits were retired"
        raise ProofUnavailableError("NOT_A_RETIREMENT", detail)


def _digest(
    ledger: Ledger,
    retirement_id: Hash32,
    found: JsonObject,
    records: list[tuple[str, JsonObject | None]],
) -> Hash32:
    identity = receipt_identity(
        retirement_id=retirement_id,
        block_hash=_header(ledger, _int(found["height"])).block_hash(),
        signed_tx=_object(found["signed_tx"]),
        result=_object(found["result"]),
        records=records,
    )
    return receipt_digest(identity)


def logged_set_changes(ledger: Ledger, size: int) -> list[JsonValue]:
    """The set changes of a checkpoint of `size`, each with its header's path in that tree."""
    changes: list[JsonValue] = []
    for change in validator_set_changes(ledger, size - 1):
        assert isinstance(change, dict), change
        height = _int(_object(change["header"])["height"])
        changes.append({**change, "history_path": _history_path(ledger, height, size)})
    return changes


def _logged_header(ledger: Ledger, height: int, size: int) -> JsonObject:
    return {
        "header": _header(ledger, height).to_json(),
        "history_path": _history_path(ledger, height, size),
    }


def _history_path(ledger: Ledger, height: int, size: int) -> list[JsonValue]:
    return [h.hex() for h in MerkleLog(ledger.store.log).inclusion_proof(height, size)]


def receipt_state_keys(
    ledger: Ledger, signed: SignedTx, retirement_id: Hash32, height: int, version: int
) -> list[str]:
    """The keys PROTOCOL.md §14.4 step 7 requires of format `version`, sorted. For a
    rejected retirement (no record) only the signers' keys: no node serves its receipt
    (build_receipt), and the one the test corpus builds fails verification as
    TX_NOT_ACCEPTED."""
    reader = _CommittedRecords(ledger, height)
    read_receipt_records(reader, signed.signers, retirement_id, version)
    return sorted(reader.keys, key=lambda k: k.encode("utf-8"))


class _CommittedRecords:
    """The records step 7 names, as committed at height: a named record's key is kept when
    the record is there, a signer's key record's always (present or proven absent)."""

    def __init__(self, ledger: Ledger, height: int) -> None:
        self.ledger = ledger
        self.height = height
        self.keys: set[str] = set()

    def required(self, key: str, parse: Callable[[object], R]) -> R | None:
        value = _record(self.ledger, key, self.height)
        if value is None:
            return None
        self.keys.add(key)
        return parse(value)

    def optional(self, key: str, parse: Callable[[object], R]) -> R | None:
        self.keys.add(key)
        return self.required(key, parse)


def _record(ledger: Ledger, key: str, height: int) -> JsonObject | None:
    raw = SparseMerkleTree(ledger.store.smt).get(state_tree_key(key), version=height)
    return None if raw is None else _object(decode(raw))


def _header(ledger: Ledger, height: int) -> BlockHeader:
    header = ledger.header(height)
    assert header is not None, height
    return header


def _object(value: JsonValue) -> JsonObject:
    assert isinstance(value, dict), value
    return value


def _record_value(value: JsonValue) -> JsonObject | None:
    return None if value is None else _object(value)


def _int(value: JsonValue) -> int:
    assert isinstance(value, int) and not isinstance(value, bool), value
    return value
