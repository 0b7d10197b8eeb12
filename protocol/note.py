"""C2SP signed notes and tlog checkpoints with Ed25519 keys (DESIGN.md §3). Pure: no I/O.

Formats: c2sp.org/signed-note (text, a blank line, `— <name> <base64(key id || sig)>` lines),
c2sp.org/tlog-checkpoint (origin, tree size, base64 root; no extension lines for Lantan) and
the verifier key string of Go's sumdb/note, so standard tooling can check our checkpoints.
"""

import base64
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final

from protocol.encoding import INTEGER_MAGNITUDE_LIMIT
from protocol.errors import NoteError, NoteQuorumError
from protocol.hashing import HASH_SIZE, Hash32, sha256
from protocol.signing import (
    PUBLIC_KEY_SIZE,
    PublicKey,
    SigningKey,
    VerifySignature,
    verify_signature,
)

ED25519_SIGNATURE_TYPE: Final = 0x01
"""Signature type byte of Ed25519 in key ids and verifier keys (signed-note §Signature types)."""
KEY_ID_SIZE: Final = 4
SIGNATURE_LINE_PREFIX: Final = "\u2014 "
"""An em dash (U+2014) and a space open every signature line."""
SIGNATURE_COUNT_MAX: Final = 100
"""The spec asks verifiers to accept at least 16 lines; a cap bounds the work one note costs."""
LANTAN_ORIGIN_PREFIX: Final = "lantan/"
CHAIN_ID_SIZE: Final = 32

# The spec forbids ASCII controls other than newline; a Python str may also hold lone
# surrogates, which have no UTF-8 form and so cannot be signed or sent.
_FORBIDDEN_NOTE_CHARACTER = re.compile("[\x00-\x09\x0b-\x1f\ud800-\udfff]")
_KEY_ID_HEX = re.compile("[0-9a-f]{8}")
_TREE_SIZE_DIGITS_MAX = 16  # 2**53 has 16 digits; longer strings are out of range unparsed.


def check_key_name(name: str) -> None:
    """Raise NoteError unless name is a key name: non-empty, no Unicode space, no '+'."""
    if not name:
        raise NoteError("key name is empty")
    for char in name:
        if char.isspace() or char == "+" or _FORBIDDEN_NOTE_CHARACTER.match(char):
            raise NoteError(f"key name {name!r} contains {char!r}")


def check_note_text(text: str) -> None:
    """Raise NoteError unless text can be signed: ends in '\\n', no control but '\\n'."""
    if not text.endswith("\n"):
        raise NoteError("note text must end with a newline")
    _check_characters(text, "note text")


def note_key_id(name: str, public_key: bytes) -> bytes:
    """SHA-256(name || 0x0A || 0x01 || public_key)[:4]. Requires a valid name, a 32-byte key."""
    return typed_key_id(name, ED25519_SIGNATURE_TYPE, public_key)


def typed_key_id(name: str, signature_type: int, public_key: bytes) -> bytes:
    """SHA-256(name || 0x0A || signature type || public_key)[:4] (signed-note §Key IDs).

    The type byte keeps one key's ids apart across uses: 0x01 for note signatures, 0x04
    for cosignatures (protocol/cosignature.py). Requires a valid name, a 32-byte key."""
    check_key_name(name)
    _check_public_key(public_key)
    preimage = name.encode("utf-8") + b"\n" + bytes([signature_type]) + public_key
    return bytes(sha256(preimage)[:KEY_ID_SIZE])


@dataclass(frozen=True, slots=True, kw_only=True)
class NoteVerifierKey:
    """A known Ed25519 note key: the (name, key id) that signature lines name, and its key."""

    name: str
    """Key name, e.g. "xiangshan-county": non-empty, no Unicode space, no '+'."""
    public_key: PublicKey
    """The 32-byte Ed25519 public key."""
    key_id: bytes = field(init=False)
    """note_key_id(name, public_key), derived; signature lines carry it to name the key."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "key_id", note_key_id(self.name, self.public_key))

    def to_string(self) -> str:
        """`<name>+<8 lowercase hex key id>+<base64(0x01 || public key)>`."""
        key_data = bytes([ED25519_SIGNATURE_TYPE]) + self.public_key
        return f"{self.name}+{self.key_id.hex()}+{encode_base64(key_data)}"


def verifier_key_string(name: str, public_key: bytes) -> str:
    """The verifier key string that genesis publishes for (name, public_key)."""
    return NoteVerifierKey(name=name, public_key=PublicKey(public_key)).to_string()


def parse_verifier_key(text: str) -> NoteVerifierKey:
    """Parse `<name>+<hex key id>+<base64(0x01 || key)>`; the key id must match name and key."""
    name, _, rest = text.partition("+")
    key_id_hex, separator, key_data_text = rest.partition("+")
    if not separator:
        raise NoteError(f"verifier key {text[:80]!r} is not <name>+<key id>+<key data>")
    if not _KEY_ID_HEX.fullmatch(key_id_hex):
        raise NoteError(f"verifier key id {key_id_hex[:16]!r} is not 8 lowercase hex digits")
    key_data = decode_base64(key_data_text, "verifier key data")
    if len(key_data) != 1 + PUBLIC_KEY_SIZE or key_data[0] != ED25519_SIGNATURE_TYPE:
        raise NoteError("verifier key data is not 0x01 followed by a 32-byte Ed25519 key")
    verifier = NoteVerifierKey(name=name, public_key=PublicKey(key_data[1:]))
    if verifier.key_id.hex() != key_id_hex:
        raise NoteError(f"verifier key id {key_id_hex} does not match its name and key")
    return verifier


@dataclass(frozen=True, slots=True, kw_only=True)
class NoteSignature:
    """One signature line: `— <name> <base64(key id || signature)>`."""

    name: str
    """Key name of the signer (checked like every key name)."""
    key_id: bytes
    """The 4-byte key id; with the name it selects the verifier key."""
    signature: bytes
    """Signature bytes: 64 for Ed25519; other lengths appear for key types we do not know."""

    def __post_init__(self) -> None:
        check_key_name(self.name)
        if len(self.key_id) != KEY_ID_SIZE:
            raise NoteError(f"key id has {len(self.key_id)} bytes, not {KEY_ID_SIZE}")
        if not self.signature:
            raise NoteError("signature line carries no signature bytes")

    def line(self) -> str:
        """The signature line, ending in a newline."""
        encoded = encode_base64(self.key_id + self.signature)
        return f"{SIGNATURE_LINE_PREFIX}{self.name} {encoded}\n"


@dataclass(frozen=True, slots=True, kw_only=True)
class SignedNote:
    """A note text with its signature lines, in the order they appear."""

    text: str
    """The signed text, final newline included; the signatures cover its UTF-8 bytes."""
    signatures: tuple[NoteSignature, ...]
    """One to SIGNATURE_COUNT_MAX lines, from known and unknown keys alike."""

    def __post_init__(self) -> None:
        check_note_text(self.text)
        if not 0 < len(self.signatures) <= SIGNATURE_COUNT_MAX:
            raise NoteError(f"a signed note has 1 to {SIGNATURE_COUNT_MAX} signature lines")

    def format(self) -> str:
        """Text, blank line, signature lines: the signed note exactly as sent."""
        return self.text + "\n" + "".join(s.line() for s in self.signatures)


def sign_note(text: str, name: str, signing_key: SigningKey) -> NoteSignature:
    """Sign text as-is with signing_key under name. Requires check_note_text(text) to pass."""
    check_note_text(text)
    key_id = note_key_id(name, signing_key.public_key)
    signature = signing_key.sign(text.encode("utf-8"))
    return NoteSignature(name=name, key_id=key_id, signature=signature)


def format_signed_note(text: str, signatures: Iterable[NoteSignature]) -> str:
    """The signed note of text with signatures in the given order (at least one)."""
    return SignedNote(text=text, signatures=tuple(signatures)).format()


def parse_signature_line(line: str) -> NoteSignature:
    """Parse one signature line, as gossiped between validators; it must end in '\\n'."""
    if not line.endswith("\n") or "\n" in line[:-1]:
        raise NoteError("a signature line is one line ending in a newline")
    _check_characters(line, "signature line")
    return _parse_signature(line[:-1])


def parse_signed_note(data: str | bytes) -> SignedNote:
    """Parse a signed note: UTF-8, text, blank line, signature lines. Verifies nothing."""
    note = _decode_utf8(data) if isinstance(data, bytes) else data
    _check_characters(note, "signed note")
    # The text may hold blank lines itself; the LAST blank line opens the signatures.
    split = note.rfind("\n\n")
    if split < 0:
        raise NoteError("signed note has no blank line before its signatures")
    text, block = note[: split + 1], note[split + 2 :]
    if not block.endswith("\n"):
        raise NoteError("signed note must end with a signature line and a newline")
    if block.count("\n") > SIGNATURE_COUNT_MAX:
        raise NoteError(f"signed note has more than {SIGNATURE_COUNT_MAX} signature lines")
    lines = block[:-1].split("\n")
    return SignedNote(text=text, signatures=tuple(_parse_signature(line) for line in lines))


def verified_signers(
    note: SignedNote,
    verifiers: Iterable[NoteVerifierKey],
    verify: VerifySignature = verify_signature,
) -> tuple[str, ...]:
    """Sorted names of the known keys with a valid line; may be empty.

    Lines of unknown keys are ignored, as the spec requires; a line of a known key that does
    not verify raises NoteError. Repeated lines of one key count once.
    """
    known = _index_verifiers(verifiers)
    message = note.text.encode("utf-8")
    signers: set[str] = set()
    checked: set[NoteSignature] = set()
    for signature in note.signatures:
        verifier = known.get((signature.name, signature.key_id))
        if verifier is None or signature in checked:
            continue
        if not verify(verifier.public_key, message, signature.signature):
            raise NoteError(f"signature of {signature.name} ({signature.key_id.hex()}) is invalid")
        checked.add(signature)
        signers.add(signature.name)
    return tuple(sorted(signers))


def verify_signed_note(
    note: SignedNote,
    verifiers: Iterable[NoteVerifierKey],
    verify: VerifySignature = verify_signature,
) -> tuple[str, ...]:
    """Like verified_signers, but a note with no valid line of a known key raises NoteError."""
    signers = verified_signers(note, verifiers, verify)
    if not signers:
        raise NoteError("no signature of a known key in the note")
    return signers


def require_quorum(
    note: SignedNote, verifiers: Iterable[NoteVerifierKey], quorum: int
) -> tuple[str, ...]:
    """The signer names when at least quorum known names signed validly. Requires quorum >= 1.

    Raises NoteQuorumError when too few signed, NoteError when a known key's line is bad."""
    assert quorum >= 1, quorum
    signers = verified_signers(note, verifiers)
    if len(signers) < quorum:
        raise NoteQuorumError(len(signers), quorum)
    return signers


@dataclass(frozen=True, slots=True, kw_only=True)
class Checkpoint:
    """The text of a tlog checkpoint: origin, tree size, root hash (no extension lines)."""

    origin: str
    """The log's identity; Lantan's is `lantan/<chain_id hex>` (checkpoint_origin)."""
    size: int
    """Leaves in the history log: h + 1 once height h is committed."""
    root_hash: Hash32
    """RFC 9162 root over the first `size` headers."""

    def __post_init__(self) -> None:
        if not self.origin or "\n" in self.origin:
            raise NoteError("checkpoint origin must be one non-empty line")
        _check_characters(self.origin, "checkpoint origin")
        if isinstance(self.size, bool) or not 0 <= self.size < INTEGER_MAGNITUDE_LIMIT:
            raise NoteError(f"checkpoint size {self.size!r} is outside 0 <= size < 2**53")
        if len(self.root_hash) != HASH_SIZE:
            raise NoteError(f"checkpoint root has {len(self.root_hash)} bytes, not {HASH_SIZE}")

    def body(self) -> str:
        """The note text to sign: `<origin>\\n<size>\\n<base64 root>\\n`."""
        return f"{self.origin}\n{self.size}\n{encode_base64(self.root_hash)}\n"

    @classmethod
    def parse(cls, text: str) -> "Checkpoint":
        """Parse a checkpoint body strictly; extension lines are refused."""
        check_note_text(text)
        lines = text[:-1].split("\n")
        if len(lines) != 3:
            count = f"{len(lines)} line{'' if len(lines) == 1 else 's'}"
            raise NoteError(
                f"the checkpoint text has {count}; a Lantan checkpoint body has exactly 3"
            )
        origin, size_text, root_text = lines
        root_hash = decode_base64(root_text, "checkpoint root")
        return cls(origin=origin, size=_parse_tree_size(size_text), root_hash=Hash32(root_hash))


def checkpoint_origin(chain_id: bytes) -> str:
    """`lantan/<chain_id lowercase hex>`. Requires a 32-byte chain id."""
    if len(chain_id) != CHAIN_ID_SIZE:
        raise NoteError(f"chain id has {len(chain_id)} bytes, not {CHAIN_ID_SIZE}")
    return LANTAN_ORIGIN_PREFIX + chain_id.hex()


def checkpoint_at_height(*, chain_id: bytes, height: int, root_hash: bytes) -> Checkpoint:
    """The checkpoint after committing height: size height + 1. Requires height >= 0."""
    assert height >= 0, height
    origin = checkpoint_origin(chain_id)
    return Checkpoint(origin=origin, size=height + 1, root_hash=Hash32(root_hash))


def open_checkpoint(
    data: str | bytes,
    *,
    chain_id: bytes,
    verifiers: Iterable[NoteVerifierKey],
    quorum: int,
) -> tuple[Checkpoint, tuple[str, ...]]:
    """Verify a signed checkpoint of chain_id by quorum known keys; return it and its signers.

    The text is read only after the signatures verify, as the signed-note spec asks.
    """
    note = parse_signed_note(data)
    signers = require_quorum(note, verifiers, quorum)
    checkpoint = Checkpoint.parse(note.text)
    if checkpoint.origin != checkpoint_origin(chain_id):
        raise NoteError(f"checkpoint origin {checkpoint.origin[:80]!r} is not this chain's")
    return checkpoint, signers


def _parse_signature(line: str) -> NoteSignature:
    if not line.startswith(SIGNATURE_LINE_PREFIX):
        raise NoteError(f"signature line {line[:40]!r} does not start with an em dash and space")
    name, separator, encoded = line[len(SIGNATURE_LINE_PREFIX) :].partition(" ")
    if not separator:
        raise NoteError("signature line has no space between name and signature")
    raw = decode_base64(encoded, "signature")
    if len(raw) <= KEY_ID_SIZE:
        raise NoteError("signature line is shorter than a key id and a signature")
    return NoteSignature(name=name, key_id=raw[:KEY_ID_SIZE], signature=raw[KEY_ID_SIZE:])


def _index_verifiers(
    verifiers: Iterable[NoteVerifierKey],
) -> dict[tuple[str, bytes], NoteVerifierKey]:
    # Quorum counts names, so one public key under two names would count twice: refuse it.
    index: dict[tuple[str, bytes], NoteVerifierKey] = {}
    names_by_key: dict[bytes, str] = {}
    for verifier in verifiers:
        slot = (verifier.name, verifier.key_id)
        if index.setdefault(slot, verifier) != verifier:
            raise NoteError(f"two verifier keys share name {verifier.name} and key id")
        if names_by_key.setdefault(verifier.public_key, verifier.name) != verifier.name:
            raise NoteError(f"one public key is known under two names, {verifier.name} too")
    return index


def _parse_tree_size(text: str) -> int:
    # ASCII digits only (str.isdigit alone accepts other scripts' digits), no sign, no
    # leading zero except "0" itself (tlog-checkpoint §Note text).
    if not (text.isascii() and text.isdigit()) or (len(text) > 1 and text[0] == "0"):
        raise NoteError(f"checkpoint size {text[:40]!r} is not a canonical decimal")
    if len(text) > _TREE_SIZE_DIGITS_MAX:
        raise NoteError(f"checkpoint size {text[:40]}… is too large")
    return int(text)


def _check_characters(text: str, what: str) -> None:
    found = _FORBIDDEN_NOTE_CHARACTER.search(text)
    if found is not None:
        raise NoteError(f"{what} holds U+{ord(found.group()):04X} at index {found.start()}")


def _check_public_key(public_key: bytes) -> None:
    if len(public_key) != PUBLIC_KEY_SIZE:
        raise NoteError(f"Ed25519 public key has {len(public_key)} bytes, not {PUBLIC_KEY_SIZE}")


def _decode_utf8(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise NoteError(f"signed note is not UTF-8 at byte {error.start}") from None


def encode_base64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def decode_base64(text: str, what: str) -> bytes:
    # Standard alphabet with padding (RFC 4648 §4), and only its canonical form: re-encoding
    # must give the same text, so no line can be re-spelled with other trailing bits.
    try:
        raw = base64.b64decode(text, validate=True)
    except ValueError:
        raise NoteError(f"{what} is not base64") from None
    if encode_base64(raw) != text:
        raise NoteError(f"{what} is not canonical base64")
    return raw
