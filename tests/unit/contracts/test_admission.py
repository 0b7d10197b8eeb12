"""Bad input class (a): admission errors, each on its own path with its own reason code."""

import json
from typing import Any

import pytest

from contracts import (
    AdmissionError,
    AdmissionReason,
    InvalidBlockError,
    Params,
    admit_signed_tx,
    apply_block,
    check_admissible,
)
from contracts.tx_types import BODY_PARSERS, TxType
from genesis.example.parties import CHAIN_ID, TX_LIFETIME_MS, party_key
from protocol.encoding import encode
from protocol.hashing import Hash32
from protocol.signing import SigningKey
from protocol.tx import SignedTx, TxSignature, sign_tx
from tests.kit.calls import recorded_calls
from tests.vectors.contracts.network import TestChain

HOLD_BODY: dict[str, Any] = {"account_id": "xiangshan-eco-account", "batch_id": "b1"}
HOLD_BODY |= {"quantity_kg": 5, "reason": "preservation"}


def good_tx(chain: TestChain, **changes: object) -> dict[str, Any]:
    """A valid signed freeze tx as JSON, with top-level or body fields changed."""
    signed = chain.build("credits.freeze", party_key("xiangshan-court"), dict(HOLD_BODY))
    value: dict[str, Any] = json.loads(signed.canonical_bytes())
    for name, new in changes.items():
        target = value["tx"]["body"] if name in HOLD_BODY else value["tx"]
        target[name] = new
    return value


def resign(chain: TestChain, value: dict[str, Any]) -> bytes:
    """Re-sign value's tx with the court key so only the changed field is wrong."""
    tx = value["tx"]
    unsigned = SignedTx.from_json({"tx": tx, "signatures": []}).tx
    return sign_tx(unsigned, party_key("xiangshan-court")).canonical_bytes()


def reason_of(chain: TestChain, data: bytes, **kwargs: object) -> AdmissionReason:
    with pytest.raises(AdmissionError) as caught:
        check_admissible(chain.state, data, chain.time_ms, CHAIN_ID, **kwargs)  # type: ignore[arg-type]
    return caught.value.reason


def test_valid_tx_is_admitted(chain: TestChain) -> None:
    signed = check_admissible(chain.state, resign(chain, good_tx(chain)), chain.time_ms, CHAIN_ID)
    assert signed.tx.type == "credits.freeze"


def test_non_canonical_json_is_admitted_and_canonicalised(chain: TestChain) -> None:
    data = resign(chain, good_tx(chain))
    spaced = json.dumps(json.loads(data), indent=2, ensure_ascii=True).encode()
    assert spaced != data
    signed = check_admissible(chain.state, spaced, chain.time_ms, CHAIN_ID)
    assert signed.canonical_bytes() == data


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b'{"tx": ', AdmissionReason.MALFORMED_JSON),
        (b"\xff\xfe", AdmissionReason.MALFORMED_JSON),
        (b'{"a": 1, "a": 2}', AdmissionReason.MALFORMED_JSON),
        (b'{"tx": {"nonce": 1.5}}', AdmissionReason.FLOAT_NUMBER),
        (b'{"tx": {"nonce": 1e3}}', AdmissionReason.FLOAT_NUMBER),
        (b'{"tx": {"nonce": 9007199254740993}}', AdmissionReason.INTEGER_OUT_OF_RANGE),
        (b"[]", AdmissionReason.FIELD_TYPE),
        (b'{"tx": {}}', AdmissionReason.MISSING_FIELD),
    ],
)
def test_malformed_bytes(chain: TestChain, data: bytes, reason: AdmissionReason) -> None:
    assert reason_of(chain, data) is reason


def test_float_amount(chain: TestChain) -> None:
    data = resign(chain, good_tx(chain)).replace(b'"quantity_kg":5', b'"quantity_kg":5.0')
    assert reason_of(chain, data) is AdmissionReason.FLOAT_NUMBER


@pytest.mark.parametrize(
    ("quantity", "reason"),
    [
        (-5, AdmissionReason.NEGATIVE_AMOUNT),
        (0, AdmissionReason.ZERO_AMOUNT),
        (10**12 + 1, AdmissionReason.AMOUNT_TOO_LARGE),
        ("5", AdmissionReason.FIELD_TYPE),
        (True, AdmissionReason.FIELD_TYPE),
    ],
)
def test_bad_amounts(chain: TestChain, quantity: object, reason: AdmissionReason) -> None:
    assert reason_of(chain, resign(chain, good_tx(chain, quantity_kg=quantity))) is reason


def test_unknown_tx_type(chain: TestChain) -> None:
    data = resign(chain, good_tx(chain, type="credits.mint"))
    assert reason_of(chain, data) is AdmissionReason.UNKNOWN_TX_TYPE


def test_unknown_body_field(chain: TestChain) -> None:
    value = good_tx(chain)
    value["tx"]["body"]["note"] = "x"
    assert reason_of(chain, resign(chain, value)) is AdmissionReason.UNKNOWN_FIELD


def test_missing_body_field(chain: TestChain) -> None:
    value = good_tx(chain)
    del value["tx"]["body"]["reason"]
    assert reason_of(chain, resign(chain, value)) is AdmissionReason.MISSING_FIELD


def test_unknown_top_level_field(chain: TestChain) -> None:
    value = good_tx(chain)
    value["extra"] = 1
    assert reason_of(chain, encode(value)) is AdmissionReason.UNKNOWN_FIELD


def test_wrong_chain_id(chain: TestChain) -> None:
    data = resign(chain, good_tx(chain, chain_id="00" * 32))
    assert reason_of(chain, data) is AdmissionReason.WRONG_CHAIN_ID


def test_wrong_protocol_version(chain: TestChain) -> None:
    data = resign(chain, good_tx(chain, protocol_version=2))
    assert reason_of(chain, data) is AdmissionReason.WRONG_PROTOCOL_VERSION


def test_bad_signature(chain: TestChain) -> None:
    value = json.loads(resign(chain, good_tx(chain)))
    value["tx"]["expires_at_ms"] += 1  # signed over the original expiry
    assert reason_of(chain, encode(value)) is AdmissionReason.BAD_SIGNATURE


def test_cheap_checks_come_before_any_signature_is_verified(chain: TestChain) -> None:
    # An unknown sender or a stale nonce is refused without one Ed25519 verification
    # (on the old order, every signature of the tx was verified first).
    calls: list[bytes] = []

    def counting_verify(public_key: bytes, message: bytes, signature: bytes) -> bool:
        calls.append(public_key)
        return True

    stranger = SigningKey(bytes(range(32)))
    value = good_tx(chain, sender=stranger.public_key.hex())
    unsigned = SignedTx.from_json({"tx": value["tx"], "signatures": []}).tx
    unknown = sign_tx(unsigned, stranger).canonical_bytes()
    assert reason_of(chain, unknown, verify=counting_verify) is AdmissionReason.UNKNOWN_SENDER
    stale = resign(chain, good_tx(chain, nonce=7))
    assert reason_of(chain, stale, verify=counting_verify) is AdmissionReason.WRONG_NONCE
    assert calls == []


def test_missing_sender_signature(chain: TestChain) -> None:
    value = good_tx(chain)
    unsigned = SignedTx.from_json({"tx": value["tx"], "signatures": []}).tx
    only_cosigner = sign_tx(unsigned, party_key("ningbo-ptc"))
    assert reason_of(chain, only_cosigner.canonical_bytes()) is AdmissionReason.MISSING_SIGNATURE


def test_duplicate_cosigner(chain: TestChain) -> None:
    value = json.loads(resign(chain, good_tx(chain)))
    value["signatures"] = value["signatures"] * 2
    assert reason_of(chain, encode(value)) is AdmissionReason.DUPLICATE_SIGNER


def test_unsorted_signatures(chain: TestChain) -> None:
    signed = SignedTx.from_json(json.loads(resign(chain, good_tx(chain))))
    signed = sign_tx(signed, party_key("ningbo-ptc"))
    value = json.loads(signed.canonical_bytes())
    value["signatures"] = list(reversed(value["signatures"]))
    assert reason_of(chain, encode(value)) is AdmissionReason.UNSORTED_SIGNATURES


def test_unknown_sender(chain: TestChain) -> None:
    stranger = party_key("stranger")
    signed = chain.build("credits.freeze", stranger, dict(HOLD_BODY))
    assert reason_of(chain, signed.canonical_bytes()) is AdmissionReason.UNKNOWN_SENDER


def test_expired(chain: TestChain) -> None:
    data = resign(chain, good_tx(chain))
    with pytest.raises(AdmissionError) as caught:
        check_admissible(chain.state, data, chain.time_ms + TX_LIFETIME_MS + 1, CHAIN_ID)
    assert caught.value.reason is AdmissionReason.EXPIRED


@pytest.mark.parametrize("nonce", [2, 3])
def test_wrong_nonce(chain: TestChain, nonce: int) -> None:
    data = resign(chain, good_tx(chain, nonce=nonce))
    assert reason_of(chain, data) is AdmissionReason.WRONG_NONCE


def test_pending_nonce_moves_the_expected_nonce(chain: TestChain) -> None:
    data = resign(chain, good_tx(chain, nonce=3))
    assert check_admissible(chain.state, data, chain.time_ms, CHAIN_ID, pending_nonce=2)
    assert reason_of(chain, data, pending_nonce=3) is AdmissionReason.WRONG_NONCE


def test_tx_too_large() -> None:
    chain = TestChain.create(Params(tx_size_max_bytes=1024))
    value = good_tx(chain, reason="x" * 500)
    assert reason_of(chain, resign(chain, value)) is AdmissionReason.TX_TOO_LARGE
    assert reason_of(chain, b" " * 1025) is AdmissionReason.TX_TOO_LARGE


def test_block_with_inadmissible_tx_is_invalid(chain: TestChain) -> None:
    """Admission runs again in apply_block: expiry against the header time, nonces in order."""
    signed = SignedTx.from_json(json.loads(resign(chain, good_tx(chain))))
    with pytest.raises(InvalidBlockError) as caught:
        apply_block(chain.state, chain.next_context(), [signed, signed])
    assert (caught.value.index, caught.value.reason) == (1, "wrong_nonce")
    late = chain.next_context()
    late = type(late)(chain_id=late.chain_id, height=late.height, time_ms=late.time_ms * 2)
    with pytest.raises(InvalidBlockError, match="expired"):
        apply_block(chain.state, late, [signed])


def test_block_with_forged_signature_is_invalid(chain: TestChain) -> None:
    signed = SignedTx.from_json(json.loads(resign(chain, good_tx(chain))))
    forged = SignedTx(
        tx=signed.tx,
        signatures=(TxSignature(public_key=signed.tx.sender, signature=bytes(64)),),
    )
    with pytest.raises(InvalidBlockError, match="bad_signature"):
        apply_block(chain.state, chain.next_context(), [forged])
    other_chain = chain.next_context()
    other = type(other_chain)(chain_id=Hash32(bytes(32)), height=1, time_ms=other_chain.time_ms)
    with pytest.raises(InvalidBlockError, match="wrong_chain_id"):
        apply_block(chain.state, other, [signed])


def test_a_tx_body_is_parsed_once_per_signed_tx(
    chain: TestChain, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Admission at submit and the block's execution of the same object share one parse;
    another object with the same bytes (a tx parsed afresh) parses its own."""
    parses = recorded_calls(monkeypatch, BODY_PARSERS, TxType.CREDITS_FREEZE)
    signed = check_admissible(chain.state, resign(chain, good_tx(chain)), chain.time_ms, CHAIN_ID)
    body = admit_signed_tx(chain.state, signed, chain.time_ms, CHAIN_ID)
    apply_block(chain.state, chain.next_context(), [signed])
    assert len(parses) == 1
    assert admit_signed_tx(chain.state, signed, chain.time_ms, CHAIN_ID) is body
    again = SignedTx.from_json(json.loads(signed.canonical_bytes()))
    assert admit_signed_tx(chain.state, again, chain.time_ms, CHAIN_ID) == body
    assert len(parses) == 2


def test_a_body_error_is_raised_alike_every_time(
    chain: TestChain, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A body that does not parse keeps its reason and detail on every admission of the
    same object: nothing of the failed parse is kept."""
    parses = recorded_calls(monkeypatch, BODY_PARSERS, TxType.CREDITS_FREEZE)
    value = good_tx(chain)
    value["tx"]["body"]["note"] = "x"
    signed = SignedTx.from_json(json.loads(resign(chain, value)))
    caught = []
    for _ in range(2):
        with pytest.raises(AdmissionError) as error:
            admit_signed_tx(chain.state, signed, chain.time_ms, CHAIN_ID)
        caught.append((error.value.reason, error.value.detail))
    assert caught[0] == caught[1]
    assert caught[0][0] is AdmissionReason.UNKNOWN_FIELD
    assert len(parses) == 2
