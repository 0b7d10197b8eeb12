"""protocol/note.py: C2SP signed notes and checkpoints, byte-exact and strict on input."""

import base64
import dataclasses
import hashlib

import nacl.signing
import pytest

from protocol.errors import NoteError, NoteQuorumError
from protocol.hashing import Hash32
from protocol.note import (
    SIGNATURE_COUNT_MAX,
    Checkpoint,
    NoteSignature,
    NoteVerifierKey,
    SignedNote,
    check_key_name,
    check_note_text,
    checkpoint_at_height,
    checkpoint_origin,
    format_signed_note,
    note_key_id,
    open_checkpoint,
    parse_signature_line,
    parse_signed_note,
    parse_verifier_key,
    require_quorum,
    sign_note,
    verified_signers,
    verifier_key_string,
    verify_signed_note,
)
from protocol.signing import SigningKey

# Interoperability vectors from golang.org/x/mod/sumdb/note, example_test.go (ExampleSign,
# ExampleOpen, ExampleSign_add_signatures). Go's signer key for PeterNeumann is
# "PRIVATE+KEY+PeterNeumann+c74f20a3+<base64(0x01 || seed)>"; EnochRoot's key comes from
# GenerateKey over a reader of zero bytes, so its seed is 32 zero bytes.
GO_PETER_SIGNER_KEY = (
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
)
GO_PETER_SEED = base64.b64decode(GO_PETER_SIGNER_KEY.split("+", 4)[4])[1:]
GO_PETER_VERIFIER_KEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
GO_PETER_LINE = (
    "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXg"
    "KvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)
GO_ENOCH_SEED = bytes(32)
GO_ENOCH_LINE = (
    "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOT"
    "GwnWLox33WWd1RvMc+QQ=\n"
)

NAMES = ("xiangshan-county", "ningbo-exchange", "zhejiang-court")
KEYS = tuple(SigningKey(bytes([index + 1]) * 32) for index in range(len(NAMES)))
VERIFIERS = tuple(
    NoteVerifierKey(name=name, public_key=key.public_key)
    for name, key in zip(NAMES, KEYS, strict=True)
)
OUTSIDER = SigningKey(bytes([99]) * 32)
CHAIN_ID = bytes(range(32))
BASE64_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
ROOT = Hash32(bytes(range(100, 132)))


def signed_by(text: str, count: int) -> str:
    return format_signed_note(text, [sign_note(text, NAMES[i], KEYS[i]) for i in range(count)])


# --- Go interoperability -------------------------------------------------------------------


def test_go_example_key_id_and_verifier_key_are_reproduced() -> None:
    key = SigningKey(GO_PETER_SEED)
    assert note_key_id("PeterNeumann", key.public_key).hex() == "c74f20a3"
    assert verifier_key_string("PeterNeumann", key.public_key) == GO_PETER_VERIFIER_KEY


def test_go_example_signed_note_is_reproduced_byte_for_byte() -> None:
    peter = sign_note(GO_TEXT, "PeterNeumann", SigningKey(GO_PETER_SEED))
    enoch = sign_note(GO_TEXT, "EnochRoot", SigningKey(GO_ENOCH_SEED))
    expected = GO_TEXT + "\n" + GO_PETER_LINE + GO_ENOCH_LINE
    assert format_signed_note(GO_TEXT, [peter, enoch]) == expected


def test_go_example_note_opens_with_go_verifier_key() -> None:
    note = parse_signed_note((GO_TEXT + "\n" + GO_PETER_LINE).encode())
    assert note.text == GO_TEXT
    assert verify_signed_note(note, [parse_verifier_key(GO_PETER_VERIFIER_KEY)]) == (
        "PeterNeumann",
    )


# --- key names, key ids, verifier keys -----------------------------------------------------


@pytest.mark.parametrize("name", ["xiangshan-county", "example.com/log42", "象山县", "a"])
def test_valid_key_names(name: str) -> None:
    check_key_name(name)


@pytest.mark.parametrize(
    "name",
    ["", "a b", "a+b", "+", "a\tb", "a\nb", "a\u00a0b", "a\u3000b", "a\u2028b", "a\x85b", "a\x01"],
)
def test_invalid_key_names_are_refused(name: str) -> None:
    with pytest.raises(NoteError):
        check_key_name(name)
    with pytest.raises(NoteError):
        note_key_id(name, KEYS[0].public_key)


def test_key_id_is_sha256_of_name_newline_type_and_key() -> None:
    public_key = KEYS[0].public_key
    expected = hashlib.sha256(b"xiangshan-county\n\x01" + public_key).digest()[:4]
    assert note_key_id("xiangshan-county", public_key) == expected
    assert VERIFIERS[0].key_id == expected


def test_key_id_needs_a_32_byte_key() -> None:
    with pytest.raises(NoteError):
        note_key_id("a", bytes(31))


def test_verifier_key_round_trip() -> None:
    for verifier in VERIFIERS:
        text = verifier.to_string()
        assert text == verifier_key_string(verifier.name, verifier.public_key)
        assert parse_verifier_key(text) == verifier
        name, key_id, key_data = text.split("+", 2)
        assert (name, key_id) == (verifier.name, verifier.key_id.hex())
        assert base64.b64decode(key_data) == b"\x01" + verifier.public_key


def _with_other_key_data(text: str, key_data: bytes) -> str:
    name, key_id, _ = text.split("+", 2)
    return f"{name}+{key_id}+{base64.b64encode(key_data).decode()}"


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t.split("+", 1)[0],  # no key id, no key data
        lambda t: t.rsplit("+", 1)[0] if t.count("+") == 2 else "x+y",  # no key data
        lambda t: t.replace("+", "+X", 1),  # key id not hex
        lambda t: "+".join(p.upper() if i == 1 else p for i, p in enumerate(t.split("+", 2))),
        lambda t: " " + t,  # name with a space
        lambda t: "+" + t,  # empty name
        lambda t: "other-name" + t[t.index("+") :],  # key id of another name
        lambda t: t[:-4] + "!!!=",  # key data not base64
        lambda t: _with_other_key_data(t, b"\x02" + KEYS[0].public_key),  # not Ed25519
        lambda t: _with_other_key_data(t, b"\x01" + KEYS[0].public_key[:31]),  # short key
        lambda t: _with_other_key_data(t, b"\x01" + KEYS[1].public_key),  # id of another key
    ],
)
def test_malformed_verifier_keys_are_refused(mangle) -> None:
    text = VERIFIERS[0].to_string()
    mangled = mangle(text)
    assert mangled != text
    with pytest.raises(NoteError):
        parse_verifier_key(mangled)


def test_non_canonical_base64_checkpoint_root_is_refused() -> None:
    # 32 bytes leave 2 spare bits in the last base64 digit before "="; set one of them.
    encoded = base64.b64encode(ROOT).decode()
    respelled = encoded[:-2] + BASE64_ALPHABET[BASE64_ALPHABET.index(encoded[-2]) ^ 1] + "="
    assert base64.b64decode(respelled) == ROOT
    with pytest.raises(NoteError, match="canonical"):
        Checkpoint.parse(f"o\n1\n{respelled}\n")


# --- note text and signing ------------------------------------------------------------------


@pytest.mark.parametrize("text", ["a\n", "\n", "line\n\nafter a blank line\n", "蓝碳 𠮷\x7f\n"])
def test_sign_and_parse_round_trip(text: str) -> None:
    note_text = signed_by(text, 2)
    note = parse_signed_note(note_text)
    assert note.text == text
    assert note.format() == note_text
    assert parse_signed_note(note_text.encode("utf-8")) == note
    assert verify_signed_note(note, VERIFIERS) == tuple(sorted(NAMES[:2]))


def test_signature_covers_the_text_bytes_exactly() -> None:
    text = "lantan/test\n1\n" + base64.b64encode(ROOT).decode() + "\n"
    line = sign_note(text, NAMES[0], KEYS[0])
    nacl.signing.VerifyKey(KEYS[0].public_key).verify(text.encode(), line.signature)
    assert line.key_id == VERIFIERS[0].key_id


@pytest.mark.parametrize(
    "text", ["", "no newline", "a\r\n", "a\x00\n", "tab\there\n", "esc\x1b\n", "lone \ud800\n"]
)
def test_unsignable_text_is_refused(text: str) -> None:
    with pytest.raises(NoteError):
        check_note_text(text)
    with pytest.raises(NoteError):
        sign_note(text, NAMES[0], KEYS[0])


def test_signature_line_round_trip() -> None:
    signature = sign_note("a\n", NAMES[0], KEYS[0])
    assert parse_signature_line(signature.line()) == signature
    for bad in [signature.line()[:-1], signature.line() * 2, signature.line()[:-1] + "\r\n"]:
        with pytest.raises(NoteError):
            parse_signature_line(bad)


def test_signature_fields_are_checked() -> None:
    with pytest.raises(NoteError):
        NoteSignature(name=NAMES[0], key_id=b"abc", signature=bytes(64))
    with pytest.raises(NoteError):
        NoteSignature(name=NAMES[0], key_id=b"abcd", signature=b"")
    with pytest.raises(NoteError):
        NoteSignature(name="a b", key_id=b"abcd", signature=bytes(64))


def test_a_signed_note_needs_one_to_max_signatures() -> None:
    signature = sign_note("a\n", NAMES[0], KEYS[0])
    with pytest.raises(NoteError):
        SignedNote(text="a\n", signatures=())
    with pytest.raises(NoteError):
        format_signed_note("a\n", [])
    SignedNote(text="a\n", signatures=(signature,) * SIGNATURE_COUNT_MAX)
    with pytest.raises(NoteError):
        SignedNote(text="a\n", signatures=(signature,) * (SIGNATURE_COUNT_MAX + 1))


# --- malformed signed notes -----------------------------------------------------------------

GOOD_LINE = sign_note("a\n", NAMES[0], KEYS[0]).line()
GOOD_B64 = GOOD_LINE.split(" ")[2][:-1]


@pytest.mark.parametrize(
    "note",
    [
        "a\n" + GOOD_LINE,  # no blank line
        "a\n\n",  # no signature line
        "a\n\n" + GOOD_LINE[:-1],  # last line without newline
        "a\n\n" + GOOD_LINE + "\n",  # blank line after the signatures
        "a\n\n" + GOOD_LINE + "trailing\n",  # a line that is not a signature
        "a\n\n- " + GOOD_LINE[2:],  # hyphen instead of em dash
        "a\n\n—" + GOOD_LINE[2:],  # no space after the em dash
        "a\n\n— " + NAMES[0] + "\n",  # no signature
        "a\n\n— " + NAMES[0] + "  " + GOOD_B64 + "\n",  # two spaces
        "a\n\n— a+b " + GOOD_B64 + "\n",  # '+' in the name
        "a\n\n—  " + GOOD_B64 + "\n",  # empty name
        "a\n\n— " + NAMES[0] + " " + GOOD_B64[:-1] + "\n",  # bad base64 padding
        "a\n\n— " + NAMES[0] + " " + GOOD_B64 + " extra\n",  # trailing field
        "a\n\n— " + NAMES[0] + " AAAAAA==\n",  # only a key id
        "a\r\n\n" + GOOD_LINE,  # CR is a control character
        "a\x00\n\n" + GOOD_LINE,  # NUL
        "a\n\n" + GOOD_LINE.replace("\n", "\r\n"),  # CRLF line endings
        "a\n\n" + GOOD_LINE * (SIGNATURE_COUNT_MAX + 1),  # too many lines
    ],
)
def test_malformed_signed_notes_are_refused(note: str) -> None:
    with pytest.raises(NoteError):
        parse_signed_note(note)
    with pytest.raises(NoteError):
        parse_signed_note(note.encode("utf-8"))


def test_non_canonical_base64_signature_is_refused() -> None:
    # 68 bytes end in "x=", where x carries 2 spare bits; setting one keeps the same bytes.
    assert GOOD_B64.endswith("=") and not GOOD_B64.endswith("==")
    flipped = BASE64_ALPHABET[BASE64_ALPHABET.index(GOOD_B64[-2]) ^ 1]
    respelled = GOOD_B64[:-2] + flipped + "="
    assert base64.b64decode(respelled) == base64.b64decode(GOOD_B64)
    with pytest.raises(NoteError, match="canonical"):
        parse_signed_note("a\n\n— " + NAMES[0] + " " + respelled + "\n")


@pytest.mark.parametrize("data", [b"a\xff\n\n", b"a\n\n\xe2\x80\n", b"\xed\xa0\x80\n\n"])
def test_invalid_utf8_is_refused(data: bytes) -> None:
    with pytest.raises(NoteError):
        parse_signed_note(data + GOOD_LINE.encode())


def test_last_blank_line_separates_text_from_signatures() -> None:
    text = "first\n\n\nlast\n"
    note = parse_signed_note(signed_by(text, 1))
    assert note.text == text
    # Text whose last line looks like a signature line stays text.
    tricky = "a\n\n" + GOOD_LINE
    assert parse_signed_note(signed_by(tricky, 1)).text == tricky


# --- verification ---------------------------------------------------------------------------


def test_unknown_keys_are_ignored() -> None:
    text = "a\n"
    lines = [
        sign_note(text, "outsider", OUTSIDER),  # unknown name and key
        sign_note(text, NAMES[1], OUTSIDER),  # known name, other key id
        sign_note(text, NAMES[0], KEYS[0]),
    ]
    # A known key id under another name is another key too.
    lines.append(NoteSignature(name="outsider", key_id=VERIFIERS[0].key_id, signature=bytes(64)))
    # A key type we do not know (other signature length) from an unknown key.
    lines.append(NoteSignature(name="witness", key_id=b"wxyz", signature=bytes(72)))
    note = parse_signed_note(format_signed_note(text, lines))
    assert verify_signed_note(note, VERIFIERS) == (NAMES[0],)


def test_no_known_signature_is_an_error_for_verify_but_empty_for_signers() -> None:
    note = parse_signed_note(format_signed_note("a\n", [sign_note("a\n", "outsider", OUTSIDER)]))
    assert verified_signers(note, VERIFIERS) == ()
    with pytest.raises(NoteError, match="no signature of a known key"):
        verify_signed_note(note, VERIFIERS)
    with pytest.raises(NoteError):
        verify_signed_note(parse_signed_note(signed_by("a\n", 3)), [])


def test_bad_signature_from_a_known_key_rejects_the_note() -> None:
    good = sign_note("a\n", NAMES[0], KEYS[0])
    flipped = bytes([good.signature[0] ^ 1]) + good.signature[1:]
    bad = dataclasses.replace(good, signature=flipped)
    other = sign_note("a\n", NAMES[1], KEYS[1])
    note = parse_signed_note(format_signed_note("a\n", [other, bad]))
    with pytest.raises(NoteError, match="invalid"):
        verify_signed_note(note, VERIFIERS)
    short = dataclasses.replace(good, signature=good.signature[:63])
    with pytest.raises(NoteError):
        verify_signed_note(parse_signed_note(format_signed_note("a\n", [short])), VERIFIERS)


def test_signature_over_other_text_is_invalid() -> None:
    moved = sign_note("b\n", NAMES[0], KEYS[0])
    note = parse_signed_note(format_signed_note("a\n", [moved]))
    with pytest.raises(NoteError):
        verified_signers(note, VERIFIERS)


def test_tampered_text_fails() -> None:
    note_text = signed_by("lantan/x\n5\nAAAA\n", 2)
    with pytest.raises(NoteError):
        verify_signed_note(parse_signed_note(note_text.replace("\n5\n", "\n6\n")), VERIFIERS)


def test_duplicate_lines_count_once() -> None:
    line = sign_note("a\n", NAMES[0], KEYS[0])
    note = parse_signed_note(format_signed_note("a\n", [line, line, line]))
    assert verified_signers(note, VERIFIERS) == (NAMES[0],)
    with pytest.raises(NoteQuorumError, match="quorum is 2"):
        require_quorum(note, VERIFIERS, 2)


def test_a_bad_known_line_is_not_a_quorum_shortfall() -> None:
    """Receipts (§14.4 step 5) tell BAD_CHECKPOINT from CHECKPOINT_QUORUM by this type."""
    good = sign_note("a\n", NAMES[0], KEYS[0])
    bad = sign_note("b\n", NAMES[1], KEYS[1])
    note = parse_signed_note(format_signed_note("a\n", [good, bad]))
    with pytest.raises(NoteError) as raised:
        require_quorum(note, VERIFIERS, 1)
    assert not isinstance(raised.value, NoteQuorumError)


def test_quorum_counts_distinct_known_signers() -> None:
    text = "a\n"
    lines = [sign_note(text, NAMES[i], KEYS[i]) for i in range(3)]
    lines.append(sign_note(text, "outsider", OUTSIDER))
    for count in range(1, 4):
        note = parse_signed_note(format_signed_note(text, lines[:count] + lines[3:]))
        for quorum in range(1, 4):
            if count >= quorum:
                assert len(require_quorum(note, VERIFIERS, quorum)) == count
            else:
                with pytest.raises(NoteError):
                    require_quorum(note, VERIFIERS, quorum)


def test_one_key_under_two_names_is_refused() -> None:
    twin = NoteVerifierKey(name="twin", public_key=KEYS[0].public_key)
    note = parse_signed_note(signed_by("a\n", 1))
    with pytest.raises(NoteError, match="two names"):
        verified_signers(note, (*VERIFIERS, twin))
    # The same verifier listed twice is harmless.
    assert verified_signers(note, (*VERIFIERS, VERIFIERS[0])) == (NAMES[0],)


def test_colliding_key_ids_under_one_name_are_refused() -> None:
    # A 4-byte id collision cannot be found by hand; forge one on a frozen instance.
    impostor = NoteVerifierKey(name=NAMES[0], public_key=OUTSIDER.public_key)
    object.__setattr__(impostor, "key_id", VERIFIERS[0].key_id)
    note = parse_signed_note(signed_by("a\n", 1))
    with pytest.raises(NoteError, match="share name"):
        verified_signers(note, (*VERIFIERS, impostor))


# --- checkpoints ----------------------------------------------------------------------------


def test_checkpoint_body_is_exact() -> None:
    checkpoint = checkpoint_at_height(chain_id=CHAIN_ID, height=41, root_hash=ROOT)
    expected = f"lantan/{CHAIN_ID.hex()}\n42\n{base64.b64encode(ROOT).decode()}\n"
    assert checkpoint.body() == expected
    assert checkpoint.size == 42
    assert Checkpoint.parse(expected) == checkpoint


def test_checkpoint_of_genesis_has_size_one_and_size_zero_parses() -> None:
    assert checkpoint_at_height(chain_id=CHAIN_ID, height=0, root_hash=ROOT).size == 1
    assert Checkpoint.parse(f"log\n0\n{base64.b64encode(ROOT).decode()}\n").size == 0


def test_checkpoint_origin_needs_a_32_byte_chain_id() -> None:
    assert checkpoint_origin(CHAIN_ID) == "lantan/" + CHAIN_ID.hex()
    with pytest.raises(NoteError):
        checkpoint_origin(CHAIN_ID[:31])


ROOT_B64 = base64.b64encode(ROOT).decode()


@pytest.mark.parametrize(
    "body",
    [
        f"o\n1\n{ROOT_B64}",  # no final newline
        "o\n1\n",  # no root line
        f"o\n1\n{ROOT_B64}\nextension\n",  # extension lines are not ours
        f"o\n1\n{ROOT_B64}\n\n",  # empty fourth line
        f"\n1\n{ROOT_B64}\n",  # empty origin
        f"o\x01\n1\n{ROOT_B64}\n",  # control character in the origin
        f"o\n01\n{ROOT_B64}\n",  # leading zero
        f"o\n00\n{ROOT_B64}\n",
        f"o\n+1\n{ROOT_B64}\n",  # sign
        f"o\n-1\n{ROOT_B64}\n",
        f"o\n 1\n{ROOT_B64}\n",  # space
        f"o\n1_0\n{ROOT_B64}\n",  # Python digit separator
        f"o\n１\n{ROOT_B64}\n",  # fullwidth digit
        f"o\n٣\n{ROOT_B64}\n",  # Arabic-Indic digit
        f"o\n\n{ROOT_B64}\n",  # empty size
        f"o\n9007199254740992\n{ROOT_B64}\n",  # 2**53
        f"o\n{'9' * 5000}\n{ROOT_B64}\n",  # beyond int()'s digit limit
        f"o\n1\n{base64.b64encode(ROOT[:31]).decode()}\n",  # 31-byte root
        f"o\n1\n{base64.b64encode(ROOT + b'x').decode()}\n",  # 33-byte root
        f"o\n1\n{ROOT_B64.rstrip('=')}\n",  # unpadded base64
        f"o\n1\n{ROOT.hex()}\n",  # hex, not base64
        f"o\n1\n{base64.urlsafe_b64encode(bytes([251]) * 32).decode()}\n",  # URL alphabet
    ],
)
def test_malformed_checkpoints_are_refused(body: str) -> None:
    with pytest.raises(NoteError):
        Checkpoint.parse(body)


def test_largest_checkpoint_size_parses() -> None:
    assert Checkpoint.parse(f"o\n9007199254740991\n{ROOT_B64}\n").size == 2**53 - 1


@pytest.mark.parametrize(
    "fields",
    [
        {"origin": "", "size": 1, "root_hash": ROOT},
        {"origin": "a\nb", "size": 1, "root_hash": ROOT},
        {"origin": "o", "size": -1, "root_hash": ROOT},
        {"origin": "o", "size": 2**53, "root_hash": ROOT},
        {"origin": "o", "size": True, "root_hash": ROOT},
        {"origin": "o", "size": 1, "root_hash": ROOT[:31]},
    ],
)
def test_checkpoint_fields_are_checked(fields) -> None:
    with pytest.raises(NoteError):
        Checkpoint(**fields)


def _signed_checkpoint(height: int, signers: int, chain_id: bytes = CHAIN_ID) -> str:
    body = checkpoint_at_height(chain_id=chain_id, height=height, root_hash=ROOT).body()
    return signed_by(body, signers)


def test_open_checkpoint_with_quorum() -> None:
    checkpoint, signers = open_checkpoint(
        _signed_checkpoint(7, 2).encode(), chain_id=CHAIN_ID, verifiers=VERIFIERS, quorum=2
    )
    assert (checkpoint.size, checkpoint.root_hash) == (8, ROOT)
    assert signers == tuple(sorted(NAMES[:2]))


def test_open_checkpoint_refuses_below_quorum_other_chain_and_tampering() -> None:
    with pytest.raises(NoteError, match="quorum"):
        open_checkpoint(_signed_checkpoint(7, 1), chain_id=CHAIN_ID, verifiers=VERIFIERS, quorum=2)
    other_chain = bytes(32)
    with pytest.raises(NoteError, match="origin"):
        open_checkpoint(
            _signed_checkpoint(7, 3, other_chain), chain_id=CHAIN_ID, verifiers=VERIFIERS, quorum=2
        )
    tampered = _signed_checkpoint(7, 3).replace("\n8\n", "\n9\n")
    with pytest.raises(NoteError, match="invalid"):
        open_checkpoint(tampered, chain_id=CHAIN_ID, verifiers=VERIFIERS, quorum=2)


def test_open_checkpoint_reads_the_body_only_after_the_signatures() -> None:
    # A well-signed note whose text is not a checkpoint: refused as a checkpoint.
    with pytest.raises(NoteError, match="has exactly 3"):
        open_checkpoint(signed_by("hello\n", 3), chain_id=CHAIN_ID, verifiers=VERIFIERS, quorum=2)
    # An unsigned-by-us note is refused for its signatures before its text is looked at.
    stranger = format_signed_note("hello\n", [sign_note("hello\n", "outsider", OUTSIDER)])
    with pytest.raises(NoteError, match="quorum"):
        open_checkpoint(stranger, chain_id=CHAIN_ID, verifiers=VERIFIERS, quorum=1)
