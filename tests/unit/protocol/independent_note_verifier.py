"""A second, independent reading of c2sp.org/signed-note and c2sp.org/tlog-checkpoint.

Written from the two specs alone and importing nothing from protocol/, so a shared
misreading cannot make protocol/note.py and its test agree by accident. Ed25519 comes from
PyNaCl directly. Test-only; it answers "does this checkpoint verify?" and nothing more.
"""

import base64
import binascii
import hashlib
from dataclasses import dataclass

import nacl.exceptions
import nacl.signing

EM_DASH_SPACE = "\u2014 "
ED25519_TYPE = b"\x01"


class RejectedNoteError(Exception):
    """The note or checkpoint does not verify under this reading of the specs."""


@dataclass(frozen=True)
class KnownKey:
    name: str
    key_hash: bytes
    public_key: bytes


def valid_name(name: str) -> bool:
    """signed-note §Format: non-empty, no Unicode spaces, no plus."""
    return bool(name) and "+" not in name and not any(c.isspace() for c in name)


def key_hash(name: str, public_key: bytes) -> bytes:
    """signed-note §Ed25519 signatures: SHA-256(name || 0x0A || 0x01 || key)[:4]."""
    return hashlib.sha256(name.encode() + b"\n" + ED25519_TYPE + public_key).digest()[:4]


def read_verifier_key(vkey: str) -> KnownKey:
    """Go sumdb/note verifier key: <name>+<hash hex>+<base64(type || key)>."""
    parts = vkey.split("+", 2)
    if len(parts) != 3:
        raise RejectedNoteError("verifier key needs three parts")
    name, hash_hex, data_b64 = parts
    try:
        data = base64.b64decode(data_b64, validate=True)
    except binascii.Error:
        raise RejectedNoteError("verifier key data is not base64") from None
    if not valid_name(name) or len(hash_hex) != 8 or data[:1] != ED25519_TYPE or len(data) != 33:
        raise RejectedNoteError("not an Ed25519 verifier key")
    if key_hash(name, data[1:]) != bytes.fromhex(hash_hex):
        raise RejectedNoteError("verifier key hash does not match")
    return KnownKey(name=name, key_hash=bytes.fromhex(hash_hex), public_key=data[1:])


def open_note(message: bytes, known: list[KnownKey]) -> tuple[str, list[str]]:
    """Return (text, names of known keys whose signatures verify); reject per the spec."""
    try:
        whole = message.decode("utf-8")
    except UnicodeDecodeError:
        raise RejectedNoteError("not UTF-8") from None
    if any(ord(c) < 0x20 and c != "\n" for c in whole):
        raise RejectedNoteError("control character")
    cut = whole.rfind("\n\n")
    if cut == -1:
        raise RejectedNoteError("no blank line")
    text, signature_block = whole[: cut + 1], whole[cut + 2 :]
    if not signature_block or signature_block[-1] != "\n":
        raise RejectedNoteError("signature block must end with a newline")
    verified: list[str] = []
    for line in signature_block[:-1].split("\n"):
        name, signature = _read_line(line)
        for key in known:
            if (key.name, key.key_hash) != (name, signature[:4]):
                continue  # Unknown keys are ignored (signed-note §Signatures).
            if not _ed25519_ok(key.public_key, text.encode(), signature[4:]):
                raise RejectedNoteError(f"known key {name} has a bad signature")
            if name not in verified:
                verified.append(name)
    if not verified:
        raise RejectedNoteError("no signature from a known key verifies")
    return text, verified


def read_checkpoint(text: str) -> tuple[str, int, bytes]:
    """tlog-checkpoint §Note text: origin, decimal size without leading zeros, base64 root."""
    lines = text.split("\n")
    if len(lines) < 4 or lines[-1] != "" or any(line == "" for line in lines[:-1]):
        raise RejectedNoteError("a checkpoint is at least three non-empty lines")
    origin, size_text, root_text = lines[0], lines[1], lines[2]
    digits_ok = size_text.isascii() and size_text.isdigit()
    if not digits_ok or (size_text != "0" and size_text.startswith("0")):
        raise RejectedNoteError("tree size is not canonical decimal")
    try:
        root = base64.b64decode(root_text, validate=True)
    except binascii.Error:
        raise RejectedNoteError("root is not base64") from None
    if len(root) != 32:
        raise RejectedNoteError("root is not 32 bytes")
    return origin, int(size_text), root


def verify_checkpoint(
    message: bytes, verifier_keys: list[str], quorum: int
) -> tuple[str, int, bytes]:
    """Open a checkpoint note and require quorum distinct known signers."""
    known = [read_verifier_key(v) for v in verifier_keys]
    text, signers = open_note(message, known)
    if len(signers) < quorum:
        raise RejectedNoteError(f"{len(signers)} signers, quorum {quorum}")
    return read_checkpoint(text)


def sign_line(name: str, seed: bytes, text: str) -> str:
    """A signature line made straight from the spec, for notes protocol/note.py must accept."""
    signing_key = nacl.signing.SigningKey(seed)
    public_key = bytes(signing_key.verify_key)
    signature = signing_key.sign(text.encode()).signature
    encoded = base64.b64encode(key_hash(name, public_key) + signature).decode()
    return f"{EM_DASH_SPACE}{name} {encoded}\n"


def _read_line(line: str) -> tuple[str, bytes]:
    if not line.startswith(EM_DASH_SPACE):
        raise RejectedNoteError("signature line must start with an em dash and a space")
    name, _, encoded = line[len(EM_DASH_SPACE) :].partition(" ")
    try:
        signature = base64.b64decode(encoded, validate=True)
    except binascii.Error:
        raise RejectedNoteError("signature is not base64") from None
    if not valid_name(name) or len(signature) < 5:
        raise RejectedNoteError("malformed signature line")
    return name, signature


def _ed25519_ok(public_key: bytes, message: bytes, signature: bytes) -> bool:
    try:
        nacl.signing.VerifyKey(public_key).verify(message, signature)
    except (nacl.exceptions.BadSignatureError, ValueError):
        return False
    return True
