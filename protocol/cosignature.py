"""Witness cosignatures of checkpoints: c2sp.org/tlog-cosignature, Ed25519 type (ADR 0021).

A cosignature is one more signature line of the checkpoint note: `— <witness name>
base64(key id || timestamp || signature)`, key id SHA-256(name || 0x0A || 0x04 || key)[:4],
timestamp 8 bytes big-endian (seconds since the epoch), signature Ed25519 over
"cosignature/v1\\ntime <timestamp>\\n" followed by the note text. Pure: no I/O, no clock.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from protocol.errors import CosignatureQuorumError, NoteError
from protocol.note import (
    NoteSignature,
    SignedNote,
    check_note_text,
    encode_base64,
    typed_key_id,
)
from protocol.signing import (
    SIGNATURE_SIZE,
    SigningKey,
    VerifySignature,
    verify_signature,
)
from protocol.witnesses import Witness, WitnessSet

COSIGNATURE_SIGNATURE_TYPE: Final = 0x04
"""Signature type byte of Ed25519 cosignature/v1 in key ids and verifier keys."""
COSIGNATURE_HEADER: Final = "cosignature/v1\n"
TIMESTAMP_SIZE: Final = 8
TIMESTAMP_MAX: Final = (1 << 63) - 1
"""The spec's bound on the timestamp (it is a u64 that must not exceed 2^63 - 1)."""


def cosignature_key_id(name: str, public_key: bytes) -> bytes:
    """SHA-256(name || 0x0A || 0x04 || public_key)[:4]. Requires a valid name, a 32-byte key."""
    return typed_key_id(name, COSIGNATURE_SIGNATURE_TYPE, public_key)


def cosigner_verifier_key(name: str, public_key: bytes) -> str:
    """The vkey string `<name>+<hex key id>+<base64(0x04 || key)>` (tlog-cosignature)."""
    key_id = cosignature_key_id(name, public_key)
    key_data = bytes([COSIGNATURE_SIGNATURE_TYPE]) + public_key
    return f"{name}+{key_id.hex()}+{encode_base64(key_data)}"


def cosigned_message(text: str, timestamp_s: int) -> bytes:
    """The bytes a witness signs. Requires check_note_text(text), 0 <= timestamp_s <= 2^63-1."""
    check_note_text(text)
    _check_timestamp(timestamp_s)
    return f"{COSIGNATURE_HEADER}time {timestamp_s}\n{text}".encode()


@dataclass(frozen=True, slots=True, kw_only=True)
class Cosignature:
    """One witness's cosignature line, decoded."""

    name: str
    """The witness's key name."""
    key_id: bytes
    """The 4-byte key id the line carries (cosignature_key_id for a witness of the set)."""
    timestamp_s: int
    """When the witness cosigned, in seconds since the epoch (POSIX time)."""
    signature: bytes
    """The 64-byte Ed25519 signature over cosigned_message(text, timestamp_s)."""

    def __post_init__(self) -> None:
        _check_timestamp(self.timestamp_s)
        if len(self.signature) != SIGNATURE_SIZE:
            raise NoteError(f"cosignature has {len(self.signature)} bytes, not {SIGNATURE_SIZE}")

    def note_signature(self) -> NoteSignature:
        """The signature line's parts: key id, then timestamp || signature."""
        stamp = self.timestamp_s.to_bytes(TIMESTAMP_SIZE, "big")
        return NoteSignature(name=self.name, key_id=self.key_id, signature=stamp + self.signature)

    @classmethod
    def from_note_signature(cls, line: NoteSignature) -> "Cosignature":
        """Decode a line's bytes as a timestamped Ed25519 signature; NoteError if they are not."""
        if len(line.signature) != TIMESTAMP_SIZE + SIGNATURE_SIZE:
            raise NoteError(f"cosignature line of {line.name} is not timestamp || signature")
        stamp = int.from_bytes(line.signature[:TIMESTAMP_SIZE], "big")
        return cls(
            name=line.name,
            timestamp_s=stamp,
            signature=line.signature[TIMESTAMP_SIZE:],
            key_id=line.key_id,
        )


def cosign(text: str, name: str, signing_key: SigningKey, timestamp_s: int) -> Cosignature:
    """The witness's cosignature of note text at timestamp_s (the caller's clock)."""
    key_id = cosignature_key_id(name, signing_key.public_key)
    signature = signing_key.sign(cosigned_message(text, timestamp_s))
    return Cosignature(name=name, timestamp_s=timestamp_s, signature=signature, key_id=key_id)


def verify_cosignature(
    text: str,
    cosignature: Cosignature,
    witness: Witness,
    verify: VerifySignature = verify_signature,
) -> bool:
    """True when cosignature names witness (name and key id) and verifies over text."""
    key_id = cosignature_key_id(witness.name, witness.public_key)
    if cosignature.name != witness.name or cosignature.key_id != key_id:
        return False
    message = cosigned_message(text, cosignature.timestamp_s)
    return verify(witness.public_key, message, cosignature.signature)


def verified_cosigners(
    note: SignedNote,
    witnesses: WitnessSet,
    verify: VerifySignature = verify_signature,
) -> tuple[str, ...]:
    """Sorted names of the witnesses with a valid cosignature line; may be empty.

    As for validator lines (protocol/note.py verified_signers): a line of another key
    (a validator's, an unknown witness's) is ignored; a line that names a witness of the set
    (name and cosignature key id) must decode and verify, else NoteError."""
    known = _index(witnesses.witnesses)
    cosigners: set[str] = set()
    for line in note.signatures:
        witness = known.get((line.name, line.key_id))
        if witness is None:
            continue
        cosignature = Cosignature.from_note_signature(line)
        if not verify_cosignature(note.text, cosignature, witness, verify):
            raise NoteError(f"cosignature of witness {line.name} does not verify")
        cosigners.add(witness.name)
    return tuple(sorted(cosigners))


def require_cosignatures(
    note: SignedNote, witnesses: WitnessSet, verify: VerifySignature = verify_signature
) -> tuple[str, ...]:
    """The cosigner names when at least witnesses.quorum witnesses cosigned validly.

    Raises CosignatureQuorumError when too few did, NoteError when a witness's line is bad."""
    cosigners = verified_cosigners(note, witnesses, verify)
    if len(cosigners) < witnesses.quorum:
        raise CosignatureQuorumError(len(cosigners), witnesses.quorum)
    return cosigners


def _index(witnesses: Iterable[Witness]) -> dict[tuple[str, bytes], Witness]:
    return {(w.name, cosignature_key_id(w.name, w.public_key)): w for w in witnesses}


def _check_timestamp(timestamp_s: int) -> None:
    if isinstance(timestamp_s, bool) or not 0 <= timestamp_s <= TIMESTAMP_MAX:
        raise NoteError(f"cosignature timestamp {timestamp_s!r} is outside 0..2^63-1")
