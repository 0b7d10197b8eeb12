"""Each signing key of a receipt's tx, and its status then and later (ADR 0024). Pure.

At the tx's height the status is implied by what the receipt already proves: the tx was
ACCEPTED in a certified block, admission refuses a rotated or revoked signer (ADR 0019), and
the key's `key/<hex>` record and its institution's record are proven under that block's
state_root (§14.4 steps 6-7). So every signer was in force when it signed; tx_keys reads
who held each key and in which roles.

A later rotation or revocation is not part of the receipt (its bytes are fixed by the
committed block). later_status checks a node's answer for it: the key record with its SMT
proof against a header whose commit certificate verifies under the genesis's validator
sets, the same checks as `lantan verify tx`. It is labelled with the node and the height.
"""

from dataclasses import dataclass

from client.code_names import code_name
from client.receipt.codes import ReceiptCode, ReceiptError
from client.receipt.facts import LaterKeyStatus, TxKey
from client.receipt.history import RawCertificate, SetChange, SetHistory, verify_certificate_strict
from client.receipt.meaning import StateRecords
from contracts.records import Institution, KeyRecord, KeyStatus
from contracts.state_keys import institution_key, signing_key_key
from contracts.state_tree import state_tree_key
from genesis.document import GenesisDocument
from protocol.block import BlockHeader
from protocol.encoding import JsonObject, JsonValue, encode
from protocol.errors import ProtocolError
from protocol.fields import expect_object, read_int, read_list, read_object, read_str
from protocol.signing import PublicKey
from protocol.smt_proof import SmtProof, verify_inclusion
from protocol.tx import SignedTx

STATE_PROOF_FIELDS = ("key", "value", "proof", "height", "state_root")


def tx_keys(records: StateRecords, signed: SignedTx) -> tuple[TxKey, ...]:
    """The signers of a verified receipt's tx, in signature order (§14.4 step 7, item 4)."""
    return tuple(_tx_key(records, key) for key in signed.signers)


def _tx_key(records: StateRecords, key: PublicKey) -> TxKey:
    value = records.get(signing_key_key(key))
    if value is None:
        return TxKey(
            public_key=key.hex(), institution_id=None, name_zh=None, name_en=None, roles=()
        )
    record = KeyRecord.from_json(value)
    institution = Institution.from_json(records[institution_key(record.institution_id)])
    return TxKey(
        public_key=key.hex(),
        institution_id=institution.institution_id,
        name_zh=institution.name_zh,
        name_en=institution.name_en,
        roles=institution.roles,
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class _NodeAnswer:
    value: JsonObject
    record: KeyRecord
    proof: SmtProof
    header: BlockHeader
    certificate: RawCertificate
    changes: list[SetChange]
    served_key: str
    served_height: int
    served_root: str


def later_status(
    key: TxKey,
    *,
    tx_height: int,
    answers: tuple[JsonValue, JsonValue, JsonValue],
    document: GenesisDocument,
    source: str,
) -> LaterKeyStatus:
    """Check a node's answers (GET /v1/proofs/state/key/<hex>, GET /v1/blocks/<its height>,
    GET /v1/validator-sets) for key's record; ReceiptError when they do not verify or
    contradict the receipt."""
    answer = _parse_answers(*answers)
    header = answer.header
    chain_id = document.chain_id()
    validators = SetHistory.from_changes(chain_id, document.validators, answer.changes).set_at(
        header.height
    )
    if header.chain_id != chain_id or header.validators_hash != validators.hash():
        raise ReceiptError(ReceiptCode.BAD_CHAIN, "the block is not certified by the set in force")
    verify_certificate_strict(answer.certificate, header, chain_id, validators)
    state_key = f"key/{key.public_key}"
    # The answer names its key, height and root beside the proof: each must be the one the
    # proof is checked against, or the answer contradicts itself (as `verify tx` refuses).
    if answer.served_key != state_key:
        raise ReceiptError(
            ReceiptCode.BAD_STATE_PROOF, f"the node answered for {answer.served_key}"
        )
    if answer.served_height != header.height or answer.served_root != header.state_root.hex():
        raise ReceiptError(
            ReceiptCode.BAD_CHAIN,
            f"the state proof names height {answer.served_height}, not its block's {header.height}"
            if answer.served_height != header.height
            else "the state proof names another state_root than its block's",
        )
    try:
        verify_inclusion(
            header.state_root, state_tree_key(state_key), encode(answer.value), answer.proof
        )
    except ProtocolError as error:
        raise ReceiptError(ReceiptCode.BAD_STATE_PROOF, f"{state_key}: {error}") from None
    check_later_record(key, answer.record, tx_height=tx_height, at_height=header.height)
    return LaterKeyStatus(
        status=answer.record.status.value,
        status_height=answer.record.status_height,
        at_height=header.height,
        source=source,
    )


def _parse_answers(proof: JsonValue, block: JsonValue, sets: JsonValue) -> _NodeAnswer:
    try:
        entry = expect_object(proof, "state proof", STATE_PROOF_FIELDS)
        block_obj = expect_object(block, "block", ("block", "certificate", "results"))
        sets_obj = expect_object(sets, "validator sets", ("genesis", "changes"))
        value = read_object(entry, "value")
        return _NodeAnswer(
            value=value,
            record=KeyRecord.from_json(value),
            proof=SmtProof.from_json(entry["proof"]),
            header=BlockHeader.from_json(read_object(read_object(block_obj, "block"), "header")),
            certificate=RawCertificate.from_json(block_obj["certificate"]),
            changes=[SetChange.from_json(c) for c in read_list(sets_obj, "changes")],
            served_key=read_str(entry, "key"),
            served_height=read_int(entry, "height"),
            served_root=read_str(entry, "state_root"),
        )
    except (ProtocolError, ValueError) as error:
        raise ReceiptError(ReceiptCode.MALFORMED, f"the node's answer: {error}") from None


def check_later_record(key: TxKey, record: KeyRecord, *, tx_height: int, at_height: int) -> None:
    """A node's proven record must be this key's, at or above the tx, and changed no earlier."""
    if record.public_key.hex() != key.public_key or record.institution_id != key.institution_id:
        raise ReceiptError(ReceiptCode.RECORD_MISMATCH, "the node's key record is another key's")
    if at_height < tx_height:
        raise ReceiptError(ReceiptCode.BAD_CHAIN, f"the node's block {at_height} is below the tx's")
    # Admission refuses a changed key, so a change below the tx's height contradicts the
    # receipt's accepted tx (at the same height the change came later in the block).
    if record.status is not KeyStatus.ACTIVE and (record.status_height or 0) < tx_height:
        raise ReceiptError(
            ReceiptCode.RECORD_MISMATCH,
            f"the node says the key changed at {record.status_height}, before the tx",
        )


def key_status_lines(keys: tuple[TxKey, ...], height: int) -> list[str]:
    """What `lantan verify receipt` prints for each signing key."""
    lines = []
    for key in keys:
        who = (
            f"{key.name_en} ({key.name_zh}), roles {roles_text(key.roles, 'en') or 'none'}"
            if key.institution_id is not None
            else "account holder (no institution)"
        )
        lines.append(f"tx signed by {key.public_key[:16]}… {who}")
        lines.append(
            f"             in force at height {height}, when it signed (proven by the receipt)"
        )
        if key.later is not None:
            lines.append(f"             {later_text(key.later)}")
    return lines


def roles_text(roles: tuple[str, ...], lang: str) -> str:
    """The roles a signer of the retirement acts in, by their names (client/code_names.py),
    never as codes. The validator role is left out beside another: validators sign blocks,
    never a retirement (the receipt names the block's certifiers apart), and "court,
    validator" read as if the court had certified the block."""
    shown = tuple(role for role in roles if role != "validator") or roles
    return ("、" if lang == "zh" else ", ").join(code_name(role, lang) for role in shown)


def later_text(later: LaterKeyStatus) -> str:
    """One line: the later status, the note on earlier signatures, and where it came from."""
    where = f"(node {later.source}, certified block {later.at_height}; not part of the receipt)"
    if later.status_height is None:
        return f"still in force at height {later.at_height} {where}"
    return (
        f"{later.status} at height {later.status_height}: signatures before height"
        f" {later.status_height} stay valid {where}"
    )
