"""Checkpoints made by protocol/note.py verify under an independent reading of the specs.

The verifier in independent_note_verifier.py shares no code with protocol/; it must accept
what we sign, reject every tampered variant, and agree with Go's sumdb/note example.
"""

import base64

import pytest

from protocol.hashing import Hash32
from protocol.note import (
    NoteVerifierKey,
    checkpoint_at_height,
    format_signed_note,
    open_checkpoint,
    parse_signed_note,
    sign_note,
    verify_signed_note,
)
from protocol.signing import SigningKey
from tests.unit.protocol import independent_note_verifier as independent
from tests.unit.protocol.test_note import (
    GO_PETER_LINE,
    GO_PETER_VERIFIER_KEY,
    GO_TEXT,
)

SEEDS = tuple(bytes([index + 7]) * 32 for index in range(4))
NAMES = ("xiangshan-county", "ningbo-exchange", "zhejiang-court", "auditor.example/w1")
KEYS = tuple(SigningKey(seed) for seed in SEEDS)
VERIFIER_KEYS = [
    NoteVerifierKey(name=name, public_key=key.public_key).to_string()
    for name, key in zip(NAMES, KEYS, strict=True)
]
CHAIN_ID = bytes(range(32, 64))
ROOT = Hash32(bytes(range(200, 232)))


def make_checkpoint(height: int, signer_count: int) -> str:
    body = checkpoint_at_height(chain_id=CHAIN_ID, height=height, root_hash=ROOT).body()
    lines = [sign_note(body, NAMES[i], KEYS[i]) for i in range(signer_count)]
    return format_signed_note(body, lines)


def test_independent_verifier_agrees_with_the_go_example() -> None:
    message = (GO_TEXT + "\n" + GO_PETER_LINE).encode()
    known = [independent.read_verifier_key(GO_PETER_VERIFIER_KEY)]
    assert independent.open_note(message, known) == (GO_TEXT, ["PeterNeumann"])
    with pytest.raises(independent.RejectedNoteError):
        independent.open_note(message.replace(b"problem,", b"problem;"), known)


@pytest.mark.parametrize("height", [0, 1, 41, 2**53 - 2])
def test_our_checkpoints_verify_independently(height: int) -> None:
    note = make_checkpoint(height, 3).encode()
    origin, size, root = independent.verify_checkpoint(note, VERIFIER_KEYS[:3], quorum=2)
    assert origin == "lantan/" + CHAIN_ID.hex()
    assert size == height + 1
    assert root == ROOT


def test_our_verifier_key_strings_parse_independently() -> None:
    for verifier_key, key in zip(VERIFIER_KEYS, KEYS, strict=True):
        assert independent.read_verifier_key(verifier_key).public_key == key.public_key


def _flip_last_signature_bit(note: str) -> str:
    head, _, last_line = note[:-1].rpartition("\n")
    prefix, _, encoded = last_line.rpartition(" ")
    raw = bytearray(base64.b64decode(encoded))
    raw[-1] ^= 1
    return f"{head}\n{prefix} {base64.b64encode(bytes(raw)).decode()}\n"


TAMPERINGS = {
    "size": lambda note: note.replace("\n42\n", "\n43\n", 1),
    "root": lambda note: note.replace(
        base64.b64encode(ROOT).decode(), base64.b64encode(bytes(32)).decode(), 1
    ),
    "origin": lambda note: note.replace("lantan/", "lantan-test/", 1),
    "signature bit": _flip_last_signature_bit,
    "extra text line": lambda note: note.replace("\n\n", "\nextension\n\n", 1),
    "no blank line": lambda note: note.replace("\n\n", "\n", 1),
    "carriage return": lambda note: note.replace("\n", "\r\n", 1),
}


@pytest.mark.parametrize("name", sorted(TAMPERINGS))
def test_tampered_checkpoints_are_rejected_independently(name: str) -> None:
    note = make_checkpoint(41, 3)
    tampered = TAMPERINGS[name](note)
    assert tampered != note
    with pytest.raises(independent.RejectedNoteError):
        independent.verify_checkpoint(tampered.encode(), VERIFIER_KEYS[:3], quorum=2)


def test_renamed_signer_is_unknown_and_below_quorum_is_rejected() -> None:
    note = make_checkpoint(41, 2).replace(NAMES[1], "impostor", 1)
    with pytest.raises(independent.RejectedNoteError, match="quorum"):
        independent.verify_checkpoint(note.encode(), VERIFIER_KEYS[:3], quorum=2)


def test_lines_made_from_the_spec_verify_in_protocol() -> None:
    """The other direction: the spec-only signer's lines pass protocol/note.py."""
    body = checkpoint_at_height(chain_id=CHAIN_ID, height=9, root_hash=ROOT).body()
    lines = "".join(independent.sign_line(NAMES[i], SEEDS[i], body) for i in range(4))
    note = body + "\n" + lines
    assert note == make_checkpoint(9, 4)
    verifiers = [
        NoteVerifierKey(name=name, public_key=key.public_key)
        for name, key in zip(NAMES, KEYS, strict=True)
    ]
    assert verify_signed_note(parse_signed_note(note), verifiers) == tuple(sorted(NAMES))
    checkpoint, signers = open_checkpoint(note, chain_id=CHAIN_ID, verifiers=verifiers, quorum=3)
    assert (checkpoint.size, len(signers)) == (10, 4)
