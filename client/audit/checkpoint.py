"""The auditor's saved checkpoint and the checks of signed checkpoint notes. Pure: no I/O.

`lantan audit --state FILE` keeps the newest checkpoint it verified as JSON
{chain_id, size, root, note}; the next audit proves every node still extends it
(DESIGN.md §3: a fork or a rollback since the last audit). The note is kept verbatim, so
the file is itself transferable evidence of what the validators signed.
"""

from dataclasses import dataclass
from typing import Annotated

from protocol.codec import JsonCodec, integer, string
from protocol.hashing import Hash32
from protocol.note import (
    Checkpoint,
    NoteVerifierKey,
    open_checkpoint,
    parse_signed_note,
    parse_verifier_key,
)
from protocol.validators import ValidatorSet

NOTE_LENGTH_MAX = 64 * 1024


@dataclass(frozen=True, slots=True, kw_only=True)
class SavedCheckpoint(JsonCodec, what="saved checkpoint"):
    """A checkpoint the auditor verified: >= q validator lines over (size, root)."""

    chain_id: Hash32
    size: Annotated[int, integer(minimum=1)]
    """History size: the checkpoint covers headers 0 .. size-1."""
    root: Hash32
    note: Annotated[str, string(max_length=NOTE_LENGTH_MAX)]
    """The signed note exactly as a node served it."""

    @property
    def height(self) -> int:
        """The last height the checkpoint covers."""
        return self.size - 1


def note_verifiers(validators: ValidatorSet) -> list[NoteVerifierKey]:
    return [parse_verifier_key(v.note_verifier_key) for v in validators.validators]


def checkpoint_size(note: str) -> int:
    """The size a signed checkpoint note claims, read before its signatures are checked
    only to pick the validator set that must have signed it. Raises NoteError."""
    return Checkpoint.parse(parse_signed_note(note).text).size


def open_note(note: str, chain_id: Hash32, validators: ValidatorSet) -> Checkpoint:
    """The checkpoint of a note with >= q valid lines of validators. Raises NoteError."""
    checkpoint, _signers = open_checkpoint(
        note,
        chain_id=chain_id,
        verifiers=note_verifiers(validators),
        quorum=validators.quorum,
    )
    return checkpoint


def saved_from(note: str, checkpoint: Checkpoint, chain_id: Hash32) -> SavedCheckpoint:
    return SavedCheckpoint(
        chain_id=chain_id, size=checkpoint.size, root=checkpoint.root_hash, note=note
    )
