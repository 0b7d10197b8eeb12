"""protocol/cosignature.py: c2sp.org/tlog-cosignature lines, checked against the spec's bytes.

The expected key ids and messages are built here with hashlib and PyNaCl from the spec's
text, not from protocol/, so a misreading shared by code and test cannot pass unnoticed.
"""

import base64
import hashlib

import nacl.signing
import pytest
from hypothesis import given
from hypothesis import strategies as st

from protocol.cosignature import (
    Cosignature,
    cosign,
    cosignature_key_id,
    cosigned_message,
    cosigner_verifier_key,
    require_cosignatures,
    verified_cosigners,
    verify_cosignature,
)
from protocol.encoding import JsonObject
from protocol.errors import CosignatureQuorumError, FieldTypeError, NoteError
from protocol.hashing import TAG_TX, Hash32, sha256
from protocol.note import (
    NoteSignature,
    NoteVerifierKey,
    checkpoint_at_height,
    format_signed_note,
    parse_signed_note,
    sign_note,
    verified_signers,
)
from protocol.signing import PublicKey, SigningKey, verify_signature
from protocol.witnesses import Witness, WitnessSet
from tests.unit.protocol import independent_note_verifier as independent
from tests.vectors.protocol_examples import example_unsigned_tx

# The worked example of PROTOCOL.md §10.1: seeds H("lantan cosignature example key: " || name).
CHAIN_ID = sha256(b"lantan cosignature example chain")
ROOT = Hash32(sha256(b"lantan cosignature example root"))
TIMESTAMP_S = 1764115210


def key(name: str) -> SigningKey:
    return SigningKey(sha256(b"lantan cosignature example key: " + name.encode()))


VALIDATOR = key("xiangshan-county")
COURT = key("xiangshan-court-witness")
AUDITOR = key("zhejiang-auditor-witness")
TEXT = checkpoint_at_height(chain_id=CHAIN_ID, height=4, root_hash=ROOT).body()


def witness(name: str, signing_key: SigningKey) -> Witness:
    return Witness(name=name, public_key=signing_key.public_key)


WITNESSES = WitnessSet(
    witnesses=tuple(
        sorted(
            (
                witness("xiangshan-court-witness", COURT),
                witness("zhejiang-auditor-witness", AUDITOR),
            ),
            key=lambda w: w.public_key,
        )
    ),
    quorum=1,
)


def cosigned_note(*lines: Cosignature) -> str:
    validator_line = sign_note(TEXT, "xiangshan-county", VALIDATOR)
    return format_signed_note(TEXT, [validator_line, *(c.note_signature() for c in lines)])


def test_key_id_uses_type_byte_4() -> None:
    public = COURT.public_key
    expected = hashlib.sha256(b"xiangshan-court-witness\n\x04" + public).digest()[:4]
    assert cosignature_key_id("xiangshan-court-witness", public) == expected


def test_verifier_key_is_a_vkey_of_type_4() -> None:
    text = cosigner_verifier_key("w", COURT.public_key)
    name, key_id, data = text.split("+", 2)
    assert (name, bytes.fromhex(key_id)) == ("w", cosignature_key_id("w", COURT.public_key))
    assert base64.b64decode(data) == b"\x04" + COURT.public_key


def test_message_is_header_time_line_then_the_note_text() -> None:
    expected = b"cosignature/v1\ntime 1764115210\n" + TEXT.encode()
    assert cosigned_message(TEXT, TIMESTAMP_S) == expected


def test_line_is_key_id_then_big_endian_timestamp_then_signature() -> None:
    cosignature = cosign(TEXT, "xiangshan-court-witness", COURT, TIMESTAMP_S)
    line = cosignature.note_signature().line()
    assert line.startswith("\u2014 xiangshan-court-witness ")
    raw = base64.b64decode(line.split(" ")[2])
    assert (
        raw[:4] == hashlib.sha256(b"xiangshan-court-witness\n\x04" + COURT.public_key).digest()[:4]
    )
    assert int.from_bytes(raw[4:12], "big") == TIMESTAMP_S
    message = b"cosignature/v1\ntime 1764115210\n" + TEXT.encode()
    nacl.signing.VerifyKey(COURT.public_key).verify(message, raw[12:])


def test_spec_example_line_decodes_its_timestamp() -> None:
    # The example cosignature of c2sp.org/tlog-cosignature signs "time 1679315147".
    note = parse_signed_note(
        "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n"
        "\u2014 witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9"
        "dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n"
    )
    assert Cosignature.from_note_signature(note.signatures[0]).timestamp_s == 1679315147


def test_cosigned_checkpoint_counts_both_kinds_of_line_apart() -> None:
    note = parse_signed_note(cosigned_note(cosign(TEXT, "xiangshan-court-witness", COURT, 7)))
    assert verified_cosigners(note, WITNESSES) == ("xiangshan-court-witness",)
    assert require_cosignatures(note, WITNESSES) == ("xiangshan-court-witness",)
    # The validators' reading ignores the cosignature line (another key id: type 0x04).
    validator = NoteVerifierKey(name="xiangshan-county", public_key=VALIDATOR.public_key)
    assert verified_signers(note, [validator]) == ("xiangshan-county",)


def test_no_cosignature_is_below_quorum() -> None:
    note = parse_signed_note(cosigned_note())
    with pytest.raises(CosignatureQuorumError) as caught:
        require_cosignatures(note, WITNESSES)
    assert (caught.value.cosigners, caught.value.quorum) == (0, 1)


def test_two_lines_of_one_witness_count_once() -> None:
    lines = [cosign(TEXT, "xiangshan-court-witness", COURT, t) for t in (7, 8)]
    note = parse_signed_note(cosigned_note(*lines))
    two = WitnessSet(witnesses=WITNESSES.witnesses, quorum=2)
    with pytest.raises(CosignatureQuorumError):
        require_cosignatures(note, two)


@pytest.mark.parametrize("field", ["timestamp", "signature", "text"])
def test_tampered_cosignature_is_refused(field: str) -> None:
    good = cosign(TEXT, "xiangshan-court-witness", COURT, 7)
    signature = bytes([good.signature[0] ^ 1]) + good.signature[1:]
    bad = {
        "timestamp": Cosignature(
            name=good.name, key_id=good.key_id, timestamp_s=8, signature=good.signature
        ),
        "signature": Cosignature(
            name=good.name, key_id=good.key_id, timestamp_s=7, signature=signature
        ),
        "text": cosign(TEXT.replace("\n5\n", "\n6\n"), "xiangshan-court-witness", COURT, 7),
    }[field]
    note = parse_signed_note(cosigned_note(bad))
    with pytest.raises(NoteError, match="does not verify"):
        verified_cosigners(note, WITNESSES)


def test_line_of_a_witness_with_wrong_length_is_refused() -> None:
    line = sign_note(TEXT, "xiangshan-court-witness", COURT)  # 64 bytes, no timestamp
    as_witness = NoteSignature(
        name=line.name,
        key_id=cosignature_key_id(line.name, COURT.public_key),
        signature=line.signature,
    )
    note = parse_signed_note(format_signed_note(TEXT, [as_witness]))
    with pytest.raises(NoteError, match="not timestamp"):
        verified_cosigners(note, WITNESSES)


def test_witness_key_signing_as_another_witness_does_not_count() -> None:
    impostor = cosign(TEXT, "zhejiang-auditor-witness", COURT, 7)  # court key, auditor name
    assert not verify_cosignature(TEXT, impostor, WITNESSES.by_name("zhejiang-auditor-witness"))  # type: ignore[arg-type]
    note = parse_signed_note(cosigned_note(impostor))
    assert verified_cosigners(note, WITNESSES) == ()


def test_timestamp_bounds() -> None:
    with pytest.raises(NoteError):
        cosigned_message(TEXT, 1 << 63)
    assert cosigned_message(TEXT, (1 << 63) - 1).startswith(
        b"cosignature/v1\ntime 9223372036854775807\n"
    )


def test_witness_set_rules() -> None:
    court, auditor = WITNESSES.witnesses
    with pytest.raises(FieldTypeError, match="sorted"):
        WitnessSet(witnesses=(auditor, court), quorum=1)
    with pytest.raises(FieldTypeError, match="exceeds"):
        WitnessSet(witnesses=(court, auditor), quorum=3)
    with pytest.raises(FieldTypeError, match="quorum"):
        WitnessSet.from_json({"witnesses": [court.to_json()], "quorum": 0})
    with pytest.raises(FieldTypeError, match="name"):
        Witness(name="two words", public_key=PublicKey(COURT.public_key))
    same_name = Witness(name=court.name, public_key=auditor.public_key)
    ordered = tuple(sorted((court, same_name), key=lambda w: w.public_key))
    with pytest.raises(FieldTypeError, match="unique"):
        WitnessSet(witnesses=ordered, quorum=1)
    assert WitnessSet.from_json(WITNESSES.to_json()) == WITNESSES


def test_worked_example() -> None:
    """The bytes of PROTOCOL.md §10.1; regenerate the doc by hand if a seed changes."""
    cosignature = cosign(TEXT, "xiangshan-court-witness", COURT, TIMESTAMP_S)
    assert COURT.public_key.hex() == EXAMPLE["public_key"]
    assert (
        cosignature_key_id("xiangshan-court-witness", COURT.public_key).hex() == EXAMPLE["key_id"]
    )
    assert cosignature.note_signature().line() == EXAMPLE["line"]


EXAMPLE = {
    "public_key": "a33e83e02ab46da95b47f7906bd7fbf17d3d87a9d407188fc5c6cfedd9a6ef16",
    "key_id": "056bd5c4",
    "line": "\u2014 xiangshan-court-witness BWvVxAAAAABpJkMKYbRzFYZOh7JN7lllMV4jBvWX5V6hGMCHab"
    "xBC3yUfmyg4CxciEovre/9xOD7oCCeE/gaaqy5utYdPzVjKQe7BA==\n",
}


def test_independent_note_verifier_ignores_cosignature_lines() -> None:
    """Go's sumdb/note rules (tests/unit/protocol/independent_note_verifier.py): a cosigned
    checkpoint verifies under the validator's key; the cosignature lines are unknown keys."""
    note = cosigned_note(
        cosign(TEXT, "xiangshan-court-witness", COURT, 7),
        cosign(TEXT, "zhejiang-auditor-witness", AUDITOR, 8),
    )
    verifier_key = NoteVerifierKey(name="xiangshan-county", public_key=VALIDATOR.public_key)
    origin, size, _root = independent.verify_checkpoint(
        note.encode(), [verifier_key.to_string()], 1
    )
    assert (origin, size) == (TEXT.split("\n")[0], 5)


@given(st.integers(0, 2**40), st.binary(min_size=32, max_size=32), st.integers(0, 2**63 - 1))
def test_no_cosigned_message_is_tx_signing_bytes(height: int, root: bytes, time_s: int) -> None:
    """ADR 0025: a witness's cosigning key also signs its institution's txs. Every tx's
    signing bytes begin with TAG_TX ("lantan/v1/tx" 0x00) and every cosignature/v1 message
    with "cosignature/v1\\n" and has no 0x00 (note texts have none): no message is both,
    so neither signature can be replayed as the other."""
    key = SigningKey(sha256(b"lantan cosignature example key: xiangshan-court-witness"))
    body: JsonObject = {"public_key": key.public_key.hex(), "address": "https://w.example:443"}
    chain_id = Hash32(sha256(b"lantan cosignature example chain"))
    tx = example_unsigned_tx(chain_id, "node.announce", key, 1, body)
    signing = tx.signing_bytes()
    text = checkpoint_at_height(chain_id=tx.chain_id, height=height, root_hash=Hash32(root)).body()
    message = cosigned_message(text, time_s)
    assert signing.startswith(TAG_TX) and b"\x00" in signing
    assert message.startswith(b"cosignature/v1\n") and b"\x00" not in message
    assert signing[:1] != message[:1]
    signature = key.sign(signing)
    assert not verify_signature(key.public_key, message, signature)
