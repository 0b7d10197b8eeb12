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
    read_allowed_auth_line,
    seal_envelope,
)
from protocol.encoding import encode
from protocol.hashing import TAG_PEER, Hash32, sha256
from protocol.signing import SigningKey, verify_signature
from tests.unit.node.chain_kit import CHAIN_ID, KEYS, VALIDATOR_KEYS

SENDER = VALIDATOR_KEYS[1]
ALLOWED = frozenset(key.public_key for key in VALIDATOR_KEYS)
AUTH_LINE = 64 + 1 + 128 + 1
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


def frame(sender: SigningKey, envelope_bytes: bytes, signature: bytes | None = None) -> bytes:
    """The wire form around arbitrary envelope bytes, signed by sender unless given."""
    if signature is None:
        signature = sender.sign(TAG_PEER + envelope_bytes)
    return f"{sender.public_key.hex()} {signature.hex()}\n".encode() + envelope_bytes


def envelope_of(data: bytes) -> Any:
    return json.loads(data[AUTH_LINE:])


def resigned(edit: Any, key: SigningKey = SENDER) -> bytes:
    """The sealed envelope edited, then signed again: it passes authentication. Written as
    JCS (json.dumps so, for these values: a float too), so only the edit is refused."""
    envelope = envelope_of(sealed())
    edit(envelope)
    text = json.dumps(envelope, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    return frame(key, text.encode())


def unsigned(edit: Any) -> bytes:
    """The sealed envelope edited under its old signature."""
    data = sealed()
    envelope = envelope_of(data)
    edit(envelope)
    return data[:AUTH_LINE] + encode(envelope)


@pytest.mark.parametrize("kind", list(PeerKind))
def test_a_sealed_message_opens_to_its_envelope(kind: PeerKind) -> None:
    envelope = open_envelope(sealed(kind), CHAIN_ID, kind, ALLOWED)
    assert envelope == PeerEnvelope(
        chain_id=CHAIN_ID, kind=kind, sender=SENDER.public_key, body=BODY
    )


def test_the_wire_form_is_an_auth_line_then_the_canonical_envelope() -> None:
    data = sealed()
    line, envelope_bytes = data[:AUTH_LINE], data[AUTH_LINE:]
    sender_hex, signature_hex = line[:-1].decode().split(" ")
    assert sender_hex == SENDER.public_key.hex()
    envelope = json.loads(envelope_bytes)
    assert encode(envelope) == envelope_bytes
    assert envelope == {
        "chain_id": CHAIN_ID.hex(),
        "kind": "consensus",
        "sender": SENDER.public_key.hex(),
        "body": BODY,
    }
    signature = bytes.fromhex(signature_hex)
    assert verify_signature(SENDER.public_key, TAG_PEER + envelope_bytes, signature)
    assert not verify_signature(SENDER.public_key, envelope_bytes, signature)


def test_the_signature_covers_the_bytes_as_sent() -> None:
    # A relaid-out copy of signed bytes fails the signature (before it is parsed).
    spaced = json.dumps(envelope_of(sealed()), indent=2).encode()
    relaid = sealed()[:AUTH_LINE] + spaced
    assert reason_of(relaid) is DropReason.BAD_SIGNATURE


def _layouts() -> dict[str, bytes]:
    """The finding's layouts (h56 F4) of one sealed envelope, none of them JCS."""
    canonical = sealed()[AUTH_LINE:]
    envelope = envelope_of(sealed())
    reversed_keys = dict(reversed(list(envelope.items())))
    return {
        "whitespace": json.dumps(envelope, indent=2, ensure_ascii=False).encode(),
        "unsorted keys": json.dumps(
            reversed_keys, separators=(",", ":"), ensure_ascii=False
        ).encode(),
        "escaped key character": canonical.replace(b'"sender"', b'"\\u0073ender"'),
        "escaped non-ASCII": json.dumps(envelope, separators=(",", ":"), sort_keys=True).encode(),
    }


LAYOUTS = _layouts()


@pytest.mark.parametrize("envelope_bytes", LAYOUTS.values(), ids=LAYOUTS.keys())
def test_an_envelope_signed_in_another_layout_than_jcs_is_dropped(envelope_bytes: bytes) -> None:
    # Every one was accepted before: the docs (and seal_envelope) say the envelope is JCS.
    assert json.loads(envelope_bytes) == envelope_of(sealed())
    with pytest.raises(PeerMessageDroppedError) as caught:
        open_envelope(frame(SENDER, envelope_bytes), CHAIN_ID, PeerKind.CONSENSUS, ALLOWED)
    assert caught.value.reason is DropReason.MALFORMED
    assert "canonical" in caught.value.detail


def test_a_strangers_bytes_are_never_parsed() -> None:
    # Finding 4: authenticate before decoding. Garbage that would fail to parse is refused
    # for its sender or signature, so no JSON work was spent on it.
    garbage = b"[" * 100_000
    stranger = KEYS["xiangshan-court"]
    assert reason_of(frame(stranger, garbage)) is DropReason.UNKNOWN_KEY
    assert reason_of(frame(SENDER, garbage, bytes(64))) is DropReason.BAD_SIGNATURE
    assert reason_of(frame(SENDER, garbage)) is DropReason.MALFORMED


AUTH_LINES = {
    "empty": b"",
    "not a line": b"\x00garbage",
    "json": b'{"envelope": {}, "signature": "00"}',
    "short sender": b"00" * 31 + b" " + b"00" * 64 + b"\n{}",
    "upper-case hex": SENDER.public_key.hex().upper().encode() + b" " + b"00" * 64 + b"\n{}",
    "no separator": b"00" * 32 + b"_" + b"00" * 64 + b"\n{}",
    "no newline": b"00" * 32 + b" " + b"00" * 64 + b" {}",
    "signature not hex": b"00" * 32 + b" " + b"zz" * 64 + b"\n{}",
}


@pytest.mark.parametrize("data", AUTH_LINES.values(), ids=AUTH_LINES.keys())
def test_a_message_without_a_well_formed_auth_line_is_dropped(data: bytes) -> None:
    assert reason_of(data) is DropReason.MALFORMED


def early_reason(head: bytes) -> DropReason | None:
    """What the route's refusal before the body is read says of the first AUTH_LINE bytes."""
    try:
        read_allowed_auth_line(head[:AUTH_LINE], ALLOWED)
    except PeerMessageDroppedError as error:
        return error.reason
    return None


EARLY = {
    **AUTH_LINES,
    "a stranger": frame(KEYS["xiangshan-court"], b"[" * 1000),
    "a validator, bad signature": frame(SENDER, sealed()[AUTH_LINE:], bytes(64)),
    "a validator, sealed": sealed(),
}


@pytest.mark.parametrize("data", EARLY.values(), ids=EARLY.keys())
def test_the_early_sender_check_is_open_envelopes_own(data: bytes) -> None:
    # Stop 51: PeerInbox.refused_sender restated open_envelope's sender rule; both now call
    # read_allowed_auth_line. What it refuses before the body is read, open_envelope refuses
    # for the same reason; what it lets through (a validator's line) is checked further.
    early = early_reason(data)
    try:
        open_envelope(data, CHAIN_ID, PeerKind.CONSENSUS, ALLOWED)
        whole = None
    except PeerMessageDroppedError as error:
        whole = error.reason
    if early is not None:
        assert whole is early
    else:
        assert whole in (None, DropReason.BAD_SIGNATURE)


MALFORMED = {
    "invalid utf-8": b'{"chain_id": "\xff"}',
    "an array": b"[]",
    "float": b'{"chain_id": 1.5}',
    "duplicate key": b'{"kind": "consensus", "kind": "consensus"}',
}


@pytest.mark.parametrize("envelope", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_signed_bytes_are_dropped(envelope: bytes) -> None:
    assert reason_of(frame(SENDER, envelope)) is DropReason.MALFORMED


def _drop(field: str) -> Any:
    return lambda m: m.pop(field)


EDITS = {
    "no chain_id": _drop("chain_id"),
    "no kind": _drop("kind"),
    "no sender": _drop("sender"),
    "no body": _drop("body"),
    "extra envelope field": lambda m: m.update(extra=1),
    "unknown kind": lambda m: m.update(kind="gossip"),
    "kind not a string": lambda m: m.update(kind=1),
    "short chain_id": lambda m: m.update(chain_id="00" * 31),
    "short sender": lambda m: m.update(sender="00" * 31),
    "body not an object": lambda m: m.update(body=[1]),
    "float in body": lambda m: m.update(body={"x": 0.5}),
    "sender is not the signer": lambda m: m.update(sender=VALIDATOR_KEYS[0].public_key.hex()),
}


@pytest.mark.parametrize("edit", EDITS.values(), ids=EDITS.keys())
def test_malformed_envelopes_are_dropped(edit: Any) -> None:
    assert reason_of(resigned(edit)) is DropReason.MALFORMED
    with pytest.raises(PeerMessageDroppedError) as caught:
        open_envelope(resigned(edit), CHAIN_ID, PeerKind.CONSENSUS, ALLOWED)
    assert "canonical" not in caught.value.detail, "refused for its edit, not its layout"


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


BAD_SIGNATURES = {
    "body changed": lambda m: m["body"].update(height=8),
    "chain changed": lambda m: m.update(chain_id="11" * 32),
    "kind changed": lambda m: m.update(kind="evidence"),
}


@pytest.mark.parametrize("edit", BAD_SIGNATURES.values(), ids=BAD_SIGNATURES.keys())
def test_a_bad_signature_is_dropped(edit: Any) -> None:
    assert reason_of(unsigned(edit)) is DropReason.BAD_SIGNATURE


def test_a_signature_of_another_key_or_flipped_is_dropped() -> None:
    data = sealed()
    envelope_bytes = data[AUTH_LINE:]
    other = VALIDATOR_KEYS[0].sign(TAG_PEER + envelope_bytes)
    assert reason_of(frame(SENDER, envelope_bytes, other)) is DropReason.BAD_SIGNATURE
    flipped = data[:65] + (b"0" if data[65:66] != b"0" else b"1") + data[66:]
    assert reason_of(flipped) is DropReason.BAD_SIGNATURE


def test_every_drop_reason_has_a_distinct_wire_name() -> None:
    names = [reason.value for reason in DropReason]
    assert len(set(names)) == len(names)
    assert {
        "malformed",
        "wrong_chain",
        "unknown_key",
        "bad_signature",
        "bad_body",
        "queue_full",
        "far_ahead",
        "over_budget",
    } == set(names)


def test_admit_is_asked_after_the_signature_and_before_any_parse(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    asked: list[tuple[bytes, int]] = []

    def admit(sender: Any, size: int) -> bool:
        asked.append((bytes(sender), size))
        return False

    def no_parse(*_args: object) -> None:
        raise AssertionError("decoded an envelope its sender's budget refused")

    monkeypatch.setattr(peer_envelope, "decode_canonical", no_parse)
    data = sealed()
    assert reason_of(data, admit=admit) is DropReason.OVER_BUDGET
    assert asked == [(bytes(SENDER.public_key), len(data))]
    forged = data[: AUTH_LINE - 1 - 128] + b"0" * 128 + data[AUTH_LINE - 1 :]
    assert reason_of(forged, admit=admit) is DropReason.BAD_SIGNATURE
    assert len(asked) == 1  # a signature that does not verify spends nothing
    assert peer_envelope.claimed_sender(data) == SENDER.public_key
    assert peer_envelope.claimed_sender(b"nonsense") is None
