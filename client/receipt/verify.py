"""Verify a retirement receipt offline against the genesis file (PROTOCOL.md §14.4). Pure.

verify_receipt(receipt_bytes, genesis_bytes) runs the steps of §14.4 in order and returns
the ReceiptFacts a judge reads, or raises ReceiptError with the first failing step's code.
No I/O: the CLI (client/cli/verify.py) reads the files and prints the result.
"""

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from client.receipt.codes import BOM_DETAIL, ReceiptCode, ReceiptError
from client.receipt.facts import ReceiptFacts, ReceiptSigner
from client.receipt.history import (
    RawCertificate,
    SetChange,
    SetHistory,
    verify_certificate_strict,
    verify_history_proof,
)
from client.receipt.key_status import tx_keys
from client.receipt.log_binding import CheckpointHeader, verify_log_binding
from client.receipt.meaning import StateRecords, facts_of, require_records
from contracts.records import Institution
from contracts.state_keys import STATE_KEY_LENGTH_MAX
from contracts.state_tree import state_tree_key
from genesis.document import parse_genesis
from protocol.block import BlockHeader
from protocol.encoding import JsonObject, JsonValue, decode, encode
from protocol.errors import EncodingError, FieldTypeError, ProtocolError
from protocol.fields import expect_object, read_hex, read_int, read_list, read_object, read_str
from protocol.hashing import HASH_SIZE, Hash32, sha256
from protocol.merkle import hash_leaf
from protocol.proofs import InclusionProof
from protocol.receipt_digest import receipt_digest, receipt_identity
from protocol.results import TxResult, TxStatus
from protocol.smt_proof import SmtProof, verify_inclusion, verify_non_inclusion
from protocol.tx import SignedTx, TxSignature, UnsignedTx, verify_tx_signatures

RECEIPT_VERSIONS = (1, 2, 3, 4)
"""Version 1 has no stored digest; version 2 carries receipt_digest (PROTOCOL.md §14.6);
version 3 also binds set changes to the checkpoint's log (§14.4 step 5, ADR 0015); version
4 has version 3's fields and proves more records: the verification behind the batch and
the case's judgment and closure (§14.4 step 7, ADR 0030)."""
PROTOCOL_VERSION = 1
RECEIPT_FIELDS_V1 = (
    "receipt_version",
    "retirement_id",
    "tx",
    "block",
    "state",
    "validator_sets",
    "history_proof",
)
RECEIPT_FIELDS = {
    1: RECEIPT_FIELDS_V1,
    2: (*RECEIPT_FIELDS_V1, "receipt_digest"),
    3: (*RECEIPT_FIELDS_V1, "receipt_digest", "checkpoint_header"),
    4: (*RECEIPT_FIELDS_V1, "receipt_digest", "checkpoint_header"),
}
LOG_BOUND_VERSIONS = (3, 4)
"""Versions whose set changes carry history paths and that carry checkpoint_header."""
TX_FIELDS = ("signed_tx", "height", "index", "tx_proof", "result", "result_proof")
RETIREMENT_TX_TYPES = ("credits.retire_judicial", "credits.retire")
T = TypeVar("T")


@dataclass(frozen=True, slots=True, kw_only=True)
class _Tx:
    unsigned: UnsignedTx
    signatures: tuple[TxSignature, ...]
    raw: JsonObject
    height: int
    index: int
    tx_proof: InclusionProof
    result: TxResult
    result_proof: InclusionProof


@dataclass(frozen=True, slots=True, kw_only=True)
class _StateEntry:
    key: str
    value: JsonObject | None
    proof: SmtProof


def verify_receipt(receipt_bytes: bytes, genesis_bytes: bytes) -> ReceiptFacts:
    """The facts of a valid receipt; raises ReceiptError(code, detail) otherwise."""
    try:
        document = parse_genesis(genesis_bytes)
    except (ProtocolError, ValueError) as error:
        raise ReceiptError(ReceiptCode.BAD_GENESIS, str(error)) from None
    chain_id = document.chain_id()
    if receipt_bytes.startswith(b"\xef\xbb\xbf"):
        raise ReceiptError(ReceiptCode.MALFORMED, BOM_DETAIL)
    value = _form(lambda: decode(receipt_bytes))
    version = _form(lambda: _version(value))
    if version not in RECEIPT_VERSIONS:
        raise ReceiptError(ReceiptCode.MALFORMED, f"receipt_version {version} is not 1, 2, 3 or 4")
    receipt = _form(lambda: expect_object(value, "receipt", RECEIPT_FIELDS[version]))
    stored_digest = (
        _form(lambda: read_hex(receipt, "receipt_digest", size=HASH_SIZE)) if version >= 2 else None
    )
    retirement_id = _form(lambda: Hash32(read_hex(receipt, "retirement_id", size=HASH_SIZE)))
    tx = _form(lambda: _parse_tx(read_object(receipt, "tx")))
    header, certificate = _form(lambda: _parse_block(read_object(receipt, "block")))
    entries = _form(lambda: _parse_state(receipt["state"]))
    changes = _form(
        lambda: [
            SetChange.from_json(c, with_path=version in LOG_BOUND_VERSIONS)
            for c in read_list(receipt, "validator_sets")
        ]
    )
    history_text = _form(lambda: read_str(receipt, "history_proof", max_length=1 << 20))
    last = (
        _form(lambda: CheckpointHeader.from_json(receipt["checkpoint_header"]))
        if version in LOG_BOUND_VERSIONS
        else None
    )

    history = SetHistory.from_changes(chain_id, document.validators, changes)
    validators = history.set_at(header.height)
    _check_block(chain_id, header, tx, history)
    signers = verify_certificate_strict(certificate, header, chain_id, validators)
    signed = _check_tx(chain_id, retirement_id, tx, header)
    checkpoint, witnessed = verify_history_proof(
        history_text, chain_id, header, history, document.witnesses
    )
    if last is not None:
        verify_log_binding(checkpoint, changes, last, history)
    records = _check_state(entries, header)
    proven = require_records(records, signed, retirement_id, version)
    digest = receipt_digest(
        receipt_identity(
            retirement_id=retirement_id,
            block_hash=header.block_hash(),
            signed_tx=tx.raw,
            result=tx.result.to_json(),
            records=[(entry.key, entry.value) for entry in entries],
        )
    )
    facts = facts_of(
        records,
        proven,
        signed=signed,
        retirement_id=retirement_id,
        header=header,
        receipt_hash=sha256(encode(receipt)).hex(),
        receipt_version=version,
        receipt_digest=digest.hex(),
        signed_by=tuple(v.name for v in validators.validators if v.public_key in signers),
        signers=tuple(
            _signer(v.name, v.public_key, document.institutions)
            for v in validators.validators
            if v.public_key in signers
        ),
        validators=validators,
    )
    facts = dataclasses.replace(
        facts, signing_keys=tx_keys(records, signed), chain_name=document.chain_name
    )
    if document.witnesses is not None:
        keys = {w.name: w.public_key for w in document.witnesses.witnesses}
        facts = dataclasses.replace(
            facts,
            witnessed_by=witnessed.cosigners,
            witnessed_at_s=witnessed.latest_s,
            checkpoint_size=checkpoint.size,
            witness_quorum=document.witnesses.quorum,
            witnesses=tuple(
                _signer(name, keys[name], document.institutions) for name in witnessed.cosigners
            ),
        )
    if stored_digest is not None and stored_digest != digest:
        raise ReceiptError(ReceiptCode.DIGEST_MISMATCH, f"the fixed parts hash to {digest.hex()}")
    return facts


def _signer(key_name: str, key: bytes, institutions: Sequence[Institution]) -> ReceiptSigner:
    """The institution that holds key in the genesis document, for the court to read: a
    validator's, or a witness's (ADR 0025)."""
    for institution in institutions:
        if key in institution.public_keys:
            return ReceiptSigner(
                key_name=key_name, name_zh=institution.name_zh, name_en=institution.name_en
            )
    return ReceiptSigner(key_name=key_name, name_zh=None, name_en=None)


def _version(value: JsonValue) -> int:
    if not isinstance(value, dict):
        raise FieldTypeError("receipt: expected an object")
    return read_int(value, "receipt_version")


def _form(read: Callable[[], T]) -> T:
    try:
        return read()
    except KeyError as error:
        # A KeyError's text is the bare key ("'receipt_version'"): say what it means.
        raise ReceiptError(ReceiptCode.MALFORMED, f"missing field {error}") from None
    except (ProtocolError, ValueError, AssertionError, TypeError) as error:
        raise ReceiptError(ReceiptCode.MALFORMED, str(error) or type(error).__name__) from None


def _parse_tx(obj: JsonObject) -> _Tx:
    expect_object(obj, "tx", TX_FIELDS)
    signed = expect_object(obj["signed_tx"], "signed_tx", ("tx", "signatures"))
    return _Tx(
        unsigned=UnsignedTx.from_json(signed["tx"]),
        signatures=tuple(
            TxSignature.from_json(s) for s in read_list(signed, "signatures", max_items=16)
        ),
        raw=signed,
        height=read_int(obj, "height"),
        index=read_int(obj, "index"),
        tx_proof=InclusionProof.from_json(obj["tx_proof"]),
        result=TxResult.from_json(obj["result"]),
        result_proof=InclusionProof.from_json(obj["result_proof"]),
    )


def _parse_block(obj: JsonObject) -> tuple[BlockHeader, RawCertificate]:
    expect_object(obj, "block", ("header", "certificate"))
    return BlockHeader.from_json(obj["header"]), RawCertificate.from_json(obj["certificate"])


def _parse_state(value: JsonValue) -> list[_StateEntry]:
    if not isinstance(value, list):
        raise FieldTypeError("state: expected a list")
    entries = []
    for item in value:
        obj = expect_object(item, "state entry", ("key", "value", "proof"))
        record = obj["value"]
        if record is not None and not isinstance(record, dict):
            raise FieldTypeError("state entry value: expected an object or null")
        entries.append(
            _StateEntry(
                key=read_str(obj, "key", max_length=STATE_KEY_LENGTH_MAX),
                value=record,
                proof=SmtProof.from_json(obj["proof"]),
            )
        )
    return entries


def _check_block(chain_id: Hash32, header: BlockHeader, tx: _Tx, history: SetHistory) -> None:
    if header.chain_id != chain_id:
        raise ReceiptError(ReceiptCode.WRONG_CHAIN, "the block is not on this genesis's chain")
    if header.protocol_version != PROTOCOL_VERSION or header.height != tx.height:
        raise ReceiptError(ReceiptCode.BAD_CHAIN, f"header height {header.height} != {tx.height}")
    if header.validators_hash != history.set_at(header.height).hash():
        raise ReceiptError(ReceiptCode.BAD_CHAIN, "header is not certified by the set in force")
    same_height = history.header_at(header.height)
    if same_height is not None and same_height != header:
        raise ReceiptError(ReceiptCode.BAD_CHAIN, "two different headers at the block's height")
    if same_height is None and header.next_validators_hash != header.validators_hash:
        raise ReceiptError(
            ReceiptCode.BAD_CHAIN, "the block changes the set; the change is unlisted"
        )


def _check_tx(chain_id: Hash32, retirement_id: Hash32, tx: _Tx, header: BlockHeader) -> SignedTx:
    if tx.unsigned.tx_id() != retirement_id:
        raise ReceiptError(ReceiptCode.WRONG_RETIREMENT, "the tx is not the named retirement")
    if tx.unsigned.chain_id != chain_id:
        raise ReceiptError(ReceiptCode.WRONG_CHAIN, "the tx is for another chain")
    # §4: a block holding a tx of another protocol version, or one expired at the block's
    # time, is not a valid block, whatever its certificate says.
    if tx.unsigned.protocol_version != PROTOCOL_VERSION:
        raise ReceiptError(
            ReceiptCode.BAD_CHAIN, f"tx protocol_version {tx.unsigned.protocol_version}"
        )
    if tx.unsigned.expires_at_ms < header.time_ms:
        raise ReceiptError(ReceiptCode.BAD_CHAIN, "the tx had expired at the block's time")
    if tx.unsigned.type not in RETIREMENT_TX_TYPES:
        raise ReceiptError(ReceiptCode.NOT_A_RETIREMENT, f"tx type {tx.unsigned.type}")
    try:
        signed = SignedTx(tx=tx.unsigned, signatures=tx.signatures)
        verify_tx_signatures(signed)
    except ProtocolError as error:
        raise ReceiptError(ReceiptCode.BAD_TX_SIGNATURE, str(error)) from None
    _check_path(
        ReceiptCode.BAD_TX_PROOF,
        tx.tx_proof,
        index=tx.index,
        leaf=encode(tx.raw),
        root=header.tx_root,
        name="tx_root",
    )
    if tx.result.tx_id != retirement_id or tx.result_proof.tree_size != tx.tx_proof.tree_size:
        raise ReceiptError(ReceiptCode.BAD_RESULT_PROOF, "the result is not this tx's")
    result_bytes = tx.result.canonical_bytes()
    _check_path(
        ReceiptCode.BAD_RESULT_PROOF,
        tx.result_proof,
        index=tx.index,
        leaf=result_bytes,
        root=header.results_root,
        name="results_root",
    )
    if tx.result.status is not TxStatus.ACCEPTED:
        raise ReceiptError(
            ReceiptCode.TX_NOT_ACCEPTED, f"committed as rejected: {tx.result.reason}"
        )
    return signed


def _check_path(
    code: ReceiptCode, proof: InclusionProof, *, index: int, leaf: bytes, root: bytes, name: str
) -> None:
    if proof.leaf_index != index:
        raise ReceiptError(code, f"proof is for leaf {proof.leaf_index}, not {index}")
    try:
        proof.verify(hash_leaf(leaf), root)
    except ProtocolError as error:
        raise ReceiptError(code, f"path to {name}: {error}") from None


def _check_state(entries: list[_StateEntry], header: BlockHeader) -> StateRecords:
    keys = [entry.key.encode("utf-8") for entry in entries]
    if keys != sorted(set(keys)):
        raise ReceiptError(ReceiptCode.MALFORMED, "state keys are not sorted and unique")
    records: StateRecords = {}
    for entry in entries:
        key = state_tree_key(entry.key)
        try:
            if entry.value is None:
                verify_non_inclusion(header.state_root, key, entry.proof)
            else:
                verify_inclusion(header.state_root, key, encode(entry.value), entry.proof)
        except (ProtocolError, EncodingError) as error:
            raise ReceiptError(ReceiptCode.BAD_STATE_PROOF, f"{entry.key}: {error}") from None
        records[entry.key] = entry.value
    return records
