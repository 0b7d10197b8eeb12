"""Check a node's proof that a tx is in a certified block, and its committed result. Pure.

`lantan verify tx` fetches GET /v1/proofs/tx/{tx_id}, /v1/validator-sets and each signer's
key record with its SMT proof; verify_tx_proof checks them against the genesis file with
the same steps as a receipt (PROTOCOL.md §14.4 steps 2-4) and raises ReceiptError codes.
"""

from dataclasses import dataclass

from client.receipt.codes import ReceiptCode, ReceiptError
from client.receipt.history import (
    RawCertificate,
    SetChange,
    SetHistory,
    verify_certificate_strict,
)
from contracts.state_tree import state_tree_key
from genesis.document import parse_genesis
from protocol.block import BlockHeader
from protocol.encoding import JsonValue, encode
from protocol.errors import ProtocolError
from protocol.fields import expect_object, read_int, read_list, read_object, read_str
from protocol.merkle import hash_leaf
from protocol.proofs import InclusionProof
from protocol.results import TxResult, TxStatus
from protocol.smt_proof import SmtProof, verify_inclusion, verify_non_inclusion
from protocol.tx import SignedTx, verify_tx_signatures

TX_ANSWER_FIELDS = (
    "height",
    "index",
    "signed_tx",
    "tx_proof",
    "result",
    "result_proof",
    "header",
    "certificate",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class TxSigner:
    public_key: str
    institution_id: str | None
    """From the key's proven `key/<hex>` record; None for an account holder's key."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TxFacts:
    tx_id: str
    tx_type: str
    height: int
    index: int
    time_ms: int
    accepted: bool
    reason: str | None
    signers: tuple[TxSigner, ...]
    certified_by: tuple[str, ...]
    validator_count: int
    quorum: int


def verify_tx_proof(
    tx_answer: JsonValue,
    sets_answer: JsonValue,
    key_answers: list[JsonValue],
    genesis_bytes: bytes,
) -> TxFacts:
    """Facts of a committed tx whose block certificate, paths and signer records verify."""
    try:
        document = parse_genesis(genesis_bytes)
    except (ProtocolError, ValueError) as error:
        raise ReceiptError(ReceiptCode.BAD_GENESIS, str(error)) from None
    chain_id = document.chain_id()
    try:
        answer = expect_object(tx_answer, "tx proof", TX_ANSWER_FIELDS)
        signed = SignedTx.from_json(answer["signed_tx"])
        header = BlockHeader.from_json(answer["header"])
        certificate = RawCertificate.from_json(answer["certificate"])
        result = TxResult.from_json(answer["result"])
        tx_proof = InclusionProof.from_json(answer["tx_proof"])
        result_proof = InclusionProof.from_json(answer["result_proof"])
        index = read_int(answer, "index")
        height = read_int(answer, "height")
        sets = expect_object(sets_answer, "validator sets", ("genesis", "changes"))
        changes = [SetChange.from_json(c) for c in read_list(sets, "changes")]
    except ProtocolError as error:
        raise ReceiptError(ReceiptCode.MALFORMED, str(error)) from None
    history = SetHistory.from_changes(chain_id, document.validators, changes)
    validators = history.set_at(header.height)
    if header.chain_id != chain_id or signed.tx.chain_id != chain_id:
        raise ReceiptError(ReceiptCode.WRONG_CHAIN, "the tx or block is on another chain")
    if height != header.height:
        # One height, as a receipt's (§14.4 step 3): `height` also chose the signers' records.
        raise ReceiptError(ReceiptCode.BAD_CHAIN, f"height {height} is not the header's")
    if header.validators_hash != validators.hash():
        raise ReceiptError(ReceiptCode.BAD_CHAIN, "header is not certified by the set in force")
    signers = verify_certificate_strict(certificate, header, chain_id, validators)
    try:
        verify_tx_signatures(signed)
    except ProtocolError as error:
        raise ReceiptError(ReceiptCode.BAD_TX_SIGNATURE, str(error)) from None
    _check(ReceiptCode.BAD_TX_PROOF, tx_proof, index, signed.canonical_bytes(), header.tx_root)
    if result.tx_id != signed.tx_id or result_proof.tree_size != tx_proof.tree_size:
        raise ReceiptError(ReceiptCode.BAD_RESULT_PROOF, "the result is not this tx's")
    _check(
        ReceiptCode.BAD_RESULT_PROOF,
        result_proof,
        index,
        result.canonical_bytes(),
        header.results_root,
    )
    return TxFacts(
        tx_id=signed.tx_id.hex(),
        tx_type=signed.tx.type,
        height=header.height,
        index=index,
        time_ms=header.time_ms,
        accepted=result.status is TxStatus.ACCEPTED,
        reason=result.reason,
        signers=tuple(_signer(signed, header, key_answers, k.hex()) for k in signed.signers),
        certified_by=tuple(v.name for v in validators.validators if v.public_key in signers),
        validator_count=validators.size,
        quorum=validators.quorum,
    )


def _check(code: ReceiptCode, proof: InclusionProof, index: int, leaf: bytes, root: bytes) -> None:
    if proof.leaf_index != index:
        raise ReceiptError(code, f"proof is for leaf {proof.leaf_index}, not {index}")
    try:
        proof.verify(hash_leaf(leaf), root)
    except ProtocolError as error:
        raise ReceiptError(code, str(error)) from None


def _signer(
    signed: SignedTx, header: BlockHeader, key_answers: list[JsonValue], key_hex: str
) -> TxSigner:
    state_key = f"key/{key_hex}"
    for item in key_answers:
        if not isinstance(item, dict) or item.get("key") != state_key:
            continue
        try:
            proof = SmtProof.from_json(item.get("proof"))
            value = item.get("value")
            if value is None:
                verify_non_inclusion(header.state_root, state_tree_key(state_key), proof)
                return TxSigner(public_key=key_hex, institution_id=None)
            record = read_object(item, "value")
            verify_inclusion(header.state_root, state_tree_key(state_key), encode(record), proof)
            return TxSigner(public_key=key_hex, institution_id=read_str(record, "institution_id"))
        except ProtocolError as error:
            raise ReceiptError(ReceiptCode.BAD_STATE_PROOF, f"{state_key}: {error}") from None
    raise ReceiptError(ReceiptCode.MISSING_RECORD, f"{state_key} (signer of {signed.tx_id.hex()})")
