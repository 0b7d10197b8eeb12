"""node/peer_envelope.py: seal and open signed peer messages; every reason to drop one."""

import json
from typing import Any

import pytest

from node import peer_envelope
from node.peer_envelope import (
    DropReason,
    PeerEnvelope,
    PeerKind,
    PeerMessageDroppedError,
    open_envelope,
    seal_envelope,
)
from protocol.encoding import encode
from protocol.hashing import TAG_PEER, Hash32, sha256
from protocol.signing import verify_signature
from tests.unit.node.chain_kit import CHAIN_ID, KEYS, VALIDATOR_KEYS

SENDER = VALIDATOR_KEYS[1]
ALLOWED = frozenset(key.public_key for key in VALIDATOR_KEYS)
BODY: dict[str, Any] = {"height": 7, "note": "象山 blue carbon", "items": [1, 2, {"x": None}]}


def sealed(kind: PeerKind = PeerKind.CONSENSUS, body: dict[str, Any] | None = None) -> bytes:
    return seal_envelope(SENDER, CHAIN_ID, kind, BODY if body is None else body)


def reason_of(data: bytes, kind: PeerKind = PeerKind.CONSENSUS, **changes: Any) -> DropReason:
    arguments: dict[str, Any] = {"chain_id": CHAIN_ID, "kind": kind, "allowed": ALLOWED}
    arguments |= changes
    with pytest.raises(PeerMessageDroppedError) as caught:
        open_envelope(data, **arguments)
    assert str(caught.value).startswith(caught.value.reason.value + ": ")
    return caught.value.reason


def edited(data: bytes, edit: Any) -> bytes:
    message = json.loads(data)
    edit(message)
    return json.dumps(message).encode()


@pytest.mark.parametrize("kind", list(PeerKind))
def test_a_sealed_message_opens_to_its_envelope(kind: PeerKind) -> None:
    envelope = open_envelope(sealed(kind), CHAIN_ID, kind, ALLOWED)
    assert envelope == PeerEnvelope(
        chain_id=CHAIN_ID, kind=kind, sender=SENDER.public_key, body=BODY
    )


def test_the_wire_form_is_canonical_and_signed_under_the_peer_tag() -> None:
    data = sealed()
    message = json.loads(data)
    assert encode(message) == data
    assert set(message) == {"envelope", "signature"}
    assert message["envelope"] == {
        "chain_id": CHAIN_ID.hex(),
        "kind": "consensus",
        "sender": SENDER.public_key.hex(),
        "body": BODY,
    }
    signed = TAG_PEER + encode(message["envelope"])
    assert verify_signature(SENDER.public_key, signed, bytes.fromhex(message["signature"]))
    assert not verify_signature(
        SENDER.public_key, encode(message["envelope"]), bytes.fromhex(message["signature"])
    )


def test_layout_and_key_order_do_not_matter() -> None:
    # The signature covers the canonical form of the envelope, not the bytes on the wire.
    data = json.dumps(json.loads(sealed()), indent=2, sort_keys=False).encode()
    assert open_envelope(data, CHAIN_ID, PeerKind.CONSENSUS, ALLOWED).body == BODY


MALFORMED = {
    "not json": b"\x00garbage",
    "invalid utf-8": b'{"envelope": "\xff"}',
    "an array": b"[]",
    "float": b'{"envelope": 1.5, "signature": "00"}',
    "duplicate key": b'{"signature": "00", "signature": "00", "envelope": {}}',
}


@pytest.mark.parametrize("data", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_bytes_are_dropped(data: bytes) -> None:
    assert reason_of(data) is DropReason.MALFORMED


def _drop(field: str) -> Any:
    return lambda m: m["envelope"].pop(field)


EDITS = {
    "no signature": lambda m: m.pop("signature"),
    "extra field": lambda m: m.update(extra=1),
    "short signature": lambda m: m.update(signature=m["signature"][:-2]),
    "signature not hex": lambda m: m.update(signature="zz" * 64),
    "envelope not an object": lambda m: m.update(envelope=[]),
    "no chain_id": _drop("chain_id"),
    "no kind": _drop("kind"),
    "no sender": _drop("sender"),
    "no body": _drop("body"),
    "extra envelope field": lambda m: m["envelope"].update(extra=1),
    "unknown kind": lambda m: m["envelope"].update(kind="gossip"),
    "kind not a string": lambda m: m["envelope"].update(kind=1),
    "short chain_id": lambda m: m["envelope"].update(chain_id="00" * 31),
    "short sender": lambda m: m["envelope"].update(sender="00" * 31),
    "body not an object": lambda m: m["envelope"].update(body=[1]),
    "float in body": lambda m: m["envelope"].update(body={"x": 0.5}),
}


@pytest.mark.parametrize("edit", EDITS.values(), ids=EDITS.keys())
def test_malformed_envelopes_are_dropped(edit: Any) -> None:
    assert reason_of(edited(sealed(), edit)) is DropReason.MALFORMED


def test_an_oversized_message_is_dropped_before_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    data = sealed()
    monkeypatch.setattr(peer_envelope, "ENVELOPE_BYTES_MAX", len(data))
    assert open_envelope(data, CHAIN_ID, PeerKind.CONSENSUS, ALLOWED).body == BODY
    assert reason_of(data + b" ") is DropReason.MALFORMED


def test_a_message_of_another_chain_is_dropped() -> None:
    other = Hash32(sha256(b"another chain"))
    data = seal_envelope(SENDER, other, PeerKind.CONSENSUS, BODY)
    assert reason_of(data) is DropReason.WRONG_CHAIN
    assert reason_of(sealed(), chain_id=other) is DropReason.WRONG_CHAIN


def test_a_message_sent_to_another_endpoint_is_dropped() -> None:
    # The kind is signed: a txs message replayed to /peer/consensus is refused.
    assert reason_of(sealed(PeerKind.TXS), PeerKind.CONSENSUS) is DropReason.WRONG_CHAIN
    assert reason_of(sealed(PeerKind.CONSENSUS), PeerKind.EVIDENCE) is DropReason.WRONG_CHAIN


def test_a_sender_outside_the_validator_set_is_dropped() -> None:
    outsider = KEYS["xiangshan-court"]
    data = seal_envelope(outsider, CHAIN_ID, PeerKind.CONSENSUS, BODY)
    assert reason_of(data) is DropReason.UNKNOWN_KEY
    assert open_envelope(data, CHAIN_ID, PeerKind.CONSENSUS, ALLOWED | {outsider.public_key})
    assert reason_of(sealed(), allowed=frozenset()) is DropReason.UNKNOWN_KEY


def test_a_forged_sender_is_dropped_as_unknown_before_its_signature_is_checked() -> None:
    outsider = KEYS["xiangshan-court"].public_key.hex()
    data = edited(sealed(), lambda m: m["envelope"].update(sender=outsider))
    assert reason_of(data) is DropReason.UNKNOWN_KEY


BAD_SIGNATURES = {
    "body changed": lambda m: m["envelope"]["body"].update(height=8),
    "sender swapped": lambda m: m["envelope"].update(sender=VALIDATOR_KEYS[0].public_key.hex()),
    "signature flipped": lambda m: m.update(signature="ff" + m["signature"][2:]),
    "signature of another key": lambda m: m.update(
        signature=VALIDATOR_KEYS[0].sign(b"anything").hex()
    ),
}


@pytest.mark.parametrize("edit", BAD_SIGNATURES.values(), ids=BAD_SIGNATURES.keys())
def test_a_bad_signature_is_dropped(edit: Any) -> None:
    assert reason_of(edited(sealed(), edit)) is DropReason.BAD_SIGNATURE


def test_every_drop_reason_has_a_distinct_wire_name() -> None:
    names = [reason.value for reason in DropReason]
    assert len(set(names)) == len(names)
    assert {"malformed", "wrong_chain", "unknown_key", "bad_signature", "bad_body"} == set(names)
