"""Admission: the stateless-and-nonce checks a tx passes before it may enter a block. Pure.

Nodes run check_admissible before the mempool; apply_block runs admit_signed_tx again on
every tx of every block it executes or replays (DESIGN.md §2 step 2), so a block holding
an inadmissible tx is invalid. Each failure has its own AdmissionReason.

Decisions (docs/STATE.md "Admission"): chain_id is a parameter, not a state record, so the
genesis state never depends on the genesis hash. tx_bytes may be any valid JSON form
(whitespace, key order); what is signed, hashed and put in blocks is the canonical
re-encoding. The size limit applies to the raw bytes at the edge (a batch's txs, decoded
with the batch body that bounded them, to their canonical bytes only) and to the
canonical bytes in blocks. A sender must be a registered institution key or an account
holder key.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from contracts.bodies_governance import KeyRotateBody
from contracts.errors import AdmissionError
from contracts.reasons import AdmissionReason
from contracts.records import KeyRecord, KeyStatus, NonceRecord
from contracts.state import StateView
from contracts.state_keys import holder_key, nonce_key, signing_key_key
from contracts.store import load, read_params
from contracts.tx_types import BODY_PARSERS, TX_TYPE_NAMES, TxBody, TxType
from contracts.validator_rotation import check_validator_rotation_due
from protocol.encoding import JsonValue, decode, decode_noting_domain
from protocol.errors import (
    EncodingError,
    ExponentNotAllowedError,
    FloatNotAllowedError,
    IntegerOutOfRangeError,
    MissingFieldError,
    ProtocolError,
    UnknownFieldError,
)
from protocol.hashing import Hash32
from protocol.signing import PublicKey, VerifySignature, verify_signature
from protocol.tx import PROTOCOL_VERSION, SignedTx
from protocol.tx_decode import signed_tx_fast

__all__ = [
    "VerifySignature",  # the one verify port, defined in protocol.signing; kept importable here
    "admission_reason_for",
    "admit_signed_tx",
    "check_admissible",
    "check_signatures",
    "committed_nonce",
    "parse_signed_tx",
    "parse_signed_value",
]


def check_admissible(
    state: StateView,
    tx_bytes: bytes,
    now_ms: int,
    chain_id: Hash32,
    *,
    pending_nonce: int | None = None,
    verify: VerifySignature = verify_signature,
) -> SignedTx:
    """Parse and admit a submitted tx, or raise AdmissionError.

    pending_nonce is the highest nonce the sender already has in the mempool, if any.
    """
    limit = read_params(state).tx_size_max_bytes
    if len(tx_bytes) > limit:
        raise AdmissionError(AdmissionReason.TX_TOO_LARGE, f"{len(tx_bytes)} > {limit} bytes")
    signed = parse_signed_tx(tx_bytes)
    admit_signed_tx(state, signed, now_ms, chain_id, pending_nonce=pending_nonce, verify=verify)
    return signed


def parse_signed_tx(tx_bytes: bytes) -> SignedTx:
    """Decode JSON bytes into a SignedTx; each way of being malformed has its reason."""
    with _schema_errors():
        value, in_c_domain = decode_noting_domain(tx_bytes)
    return parse_signed_value(value, in_c_domain=in_c_domain)


def parse_signed_value(value: JsonValue, *, in_c_domain: bool = False) -> SignedTx:
    """A SignedTx from a decoded value (protocol.encoding.decode's domain): a batch body
    decoded whole hands each of its txs here, so none is encoded and decoded again.

    Read in C where protocol/tx_decode.py can tell it gives the reference's value; else
    (and for every malformed envelope) by the reference, which names each error.
    in_c_domain: value is a part of what decode_noting_domain read in C (signed_tx_fast)."""
    fast = signed_tx_fast(value, in_c_domain=in_c_domain)
    return _parse_signed_reference(value) if fast is None else fast


def _parse_signed_reference(value: JsonValue) -> SignedTx:
    _check_signature_order(value)
    with _schema_errors():
        return SignedTx.from_json(value)


def admit_signed_tx(
    state: StateView,
    signed: SignedTx,
    now_ms: int,
    chain_id: Hash32,
    *,
    pending_nonce: int | None = None,
    verify: VerifySignature = verify_signature,
) -> TxBody:
    """Every admission check on a parsed tx; returns its typed body."""
    tx = signed.tx
    limit = read_params(state).tx_size_max_bytes
    if len(signed.canonical_bytes()) > limit:
        raise AdmissionError(AdmissionReason.TX_TOO_LARGE, f"canonical form > {limit} bytes")
    if tx.chain_id != chain_id:
        raise AdmissionError(
            AdmissionReason.WRONG_CHAIN_ID,
            f"the tx names chain {tx.chain_id.hex()}, this network is {chain_id.hex()}: "
            "signed for another network (another genesis file)",
        )
    if tx.protocol_version != PROTOCOL_VERSION:
        raise AdmissionError(AdmissionReason.WRONG_PROTOCOL_VERSION, str(tx.protocol_version))
    if tx.type not in TX_TYPE_NAMES:
        raise AdmissionError(AdmissionReason.UNKNOWN_TX_TYPE, tx.type[:64])
    # Every check that reads a field or one state record comes before any Ed25519
    # verification: a flood of txs from unknown senders, or with stale nonces, carrying
    # 16 signatures each, must cost a node lookups, not 16 verifications per tx. (Which
    # check fails first changes only the reason code; any failure invalidates a block.)
    _check_sender_known(state, tx.sender)
    _check_signer_keys_active(state, signed)
    if tx.expires_at_ms < now_ms:
        raise AdmissionError(AdmissionReason.EXPIRED, f"{tx.expires_at_ms} < {now_ms}")
    expected = max(committed_nonce(state, tx.sender), pending_nonce or 0) + 1
    if tx.nonce != expected:
        raise AdmissionError(AdmissionReason.WRONG_NONCE, f"{tx.nonce} != {expected}")
    if tx.sender not in signed.signers:
        raise AdmissionError(AdmissionReason.MISSING_SIGNATURE, "the sender must sign")
    # The body's schema errors as _schema_errors maps them, without a context manager
    # per tx (every replayed and executed tx passes here). Parsed once per SignedTx
    # object: a pooled tx is executed as the object admitted here.
    try:
        body = signed.typed_body(BODY_PARSERS[TxType(tx.type)])
    except ProtocolError as error:
        raise AdmissionError(admission_reason_for(error), str(error)) from None
    if isinstance(body, KeyRotateBody):
        check_validator_rotation_due(state, body.public_key, now_ms)
    check_signatures(signed, verify)
    return body


def committed_nonce(state: StateView, sender: PublicKey) -> int:
    """The sender's last committed nonce; 0 before its first tx."""
    record = load(state, nonce_key(sender), NonceRecord.from_json)
    return 0 if record is None else record.nonce


def _check_signature_order(value: object) -> None:
    """Name duplicate and unsorted signers before SignedTx refuses them with a generic error."""
    if not isinstance(value, dict) or not isinstance(value.get("signatures"), list):
        return
    entries = value["signatures"]
    keys = [s["public_key"] for s in entries if isinstance(s, dict) and "public_key" in s]
    if len(keys) != len(entries) or not all(isinstance(key, str) for key in keys):
        return  # malformed entries: SignedTx.from_json names the problem
    if len(set(keys)) != len(keys):
        raise AdmissionError(AdmissionReason.DUPLICATE_SIGNER, "a key signs at most once")
    if keys != sorted(keys):
        raise AdmissionError(AdmissionReason.UNSORTED_SIGNATURES, "sort by public_key")


def check_signatures(signed: SignedTx, verify: VerifySignature) -> None:
    """The sender signed, and every signature (co-signers' too) verifies."""
    if signed.tx.sender not in signed.signers:
        raise AdmissionError(AdmissionReason.MISSING_SIGNATURE, "the sender must sign")
    message = signed.tx.signing_bytes()
    for entry in signed.signatures:
        if not verify(entry.public_key, message, entry.signature):
            raise AdmissionError(AdmissionReason.BAD_SIGNATURE, entry.public_key.hex())


def _check_sender_known(state: StateView, sender: PublicKey) -> None:
    """Unknown keys may not send: their rejected txs would still cost every node a nonce."""
    if state.get(signing_key_key(sender)) is None and state.get(holder_key(sender)) is None:
        raise AdmissionError(AdmissionReason.UNKNOWN_SENDER, sender.hex())


def _check_signer_keys_active(state: StateView, signed: SignedTx) -> None:
    """No signer's key was rotated or revoked before this tx (ADR 0019): from the tx that
    changed it on, a key's signatures are refused, so a stolen key cannot burn nonces."""
    for public_key in signed.signers:
        raw = state.get(signing_key_key(public_key))
        # An active key's record is {institution_id, public_key} (a slug and hex): the
        # bytes '"status"' appear only in a changed one, so the common case decodes nothing.
        if raw is None or b'"status"' not in raw:
            continue
        record = KeyRecord.from_json(decode(raw))
        assert not record.active, record
        reason = (
            AdmissionReason.KEY_ROTATED
            if record.status is KeyStatus.ROTATED
            else AdmissionReason.KEY_REVOKED
        )
        raise AdmissionError(reason, f"{public_key.hex()} at height {record.status_height}")


@contextmanager
def _schema_errors() -> Iterator[None]:
    """Translate protocol decoding and schema errors into AdmissionErrors."""
    try:
        yield
    except ProtocolError as error:
        raise AdmissionError(admission_reason_for(error), str(error)) from None


def admission_reason_for(error: ProtocolError) -> AdmissionReason:
    """The admission reason code of a decoding or schema error (node API, CLI, blocks)."""
    if isinstance(error, FloatNotAllowedError | ExponentNotAllowedError):
        return AdmissionReason.FLOAT_NUMBER
    if isinstance(error, IntegerOutOfRangeError):
        return AdmissionReason.INTEGER_OUT_OF_RANGE
    if isinstance(error, UnknownFieldError):
        return AdmissionReason.UNKNOWN_FIELD
    if isinstance(error, MissingFieldError):
        return AdmissionReason.MISSING_FIELD
    if isinstance(error, EncodingError):
        return AdmissionReason.MALFORMED_JSON
    return AdmissionReason.FIELD_TYPE
