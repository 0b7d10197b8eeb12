"""Checkpoint signature lines from the validators, per history-log size (DESIGN.md §3).

After committing height h every validator signs the C2SP checkpoint for size h+1 and
gossips its line. The book keeps verified lines per size and serves the signed note once
it holds >= q of them. Two valid lines by one key for one size over different roots are
evidence (ConflictingCheckpointEvidence). With an archive (the node's LevelDB), the newest
quorum note of each size is kept durably, so receipts and audits survive a restart.
"""

from collections import OrderedDict
from dataclasses import dataclass
from typing import Protocol

from protocol.errors import NoteError
from protocol.evidence import ConflictingCheckpointEvidence
from protocol.hashing import Hash32
from protocol.note import (
    Checkpoint,
    NoteSignature,
    checkpoint_at_height,
    format_signed_note,
    parse_signature_line,
    parse_signed_note,
    parse_verifier_key,
)
from protocol.signing import PublicKey, verify_signature
from protocol.validators import ValidatorSet

SIZES_KEPT = 4096


class NoteArchive(Protocol):
    """Durable signed notes by size (node/storage/leveldb.py LevelDbStore implements it)."""

    def put_checkpoint_note(self, size: int, note: bytes) -> None: ...

    def get_checkpoint_note(self, size: int | None = None) -> tuple[int, bytes] | None: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class _Line:
    root: Hash32
    signature: NoteSignature


class CheckpointBook:
    """Verified checkpoint lines by size, then by signer key."""

    def __init__(self, chain_id: Hash32, archive: NoteArchive | None = None) -> None:
        self._chain_id = chain_id
        self._archive = archive
        self._lines: OrderedDict[int, dict[PublicKey, _Line]] = OrderedDict()
        self._roots: OrderedDict[int, Hash32] = OrderedDict()

    def checkpoint(self, size: int, root: Hash32) -> Checkpoint:
        return checkpoint_at_height(chain_id=self._chain_id, height=size - 1, root_hash=root)

    def set_committed_root(self, size: int, root: Hash32) -> None:
        """Our own committed root at size: only lines over it are served.

        Sizes come in ascending order (one per commit); only the newest SIZES_KEPT stay in
        memory, so the book does not grow with the chain (older notes are in the archive).
        """
        self._roots[size] = root
        self._roots.move_to_end(size)
        while len(self._roots) > SIZES_KEPT:
            self._roots.popitem(last=False)

    def add(
        self, *, size: int, root: Hash32, line: str, validators: ValidatorSet
    ) -> ConflictingCheckpointEvidence | None:
        """Verify and keep a line; returns evidence when its signer signed another root.

        Raises NoteError for a line that does not verify under a validator of the set. A
        line of a signer whose verified line over this root the book holds is taken as
        seen, unverified and unwritten: a replayed line (or the same text signed again)
        adds nothing, and cost an Ed25519 check and a LevelDB write on the event loop each.
        """
        signature = parse_signature_line(line)
        signer = _signer_of(signature, validators)
        by_signer = self._lines.get(size, {})
        earlier = by_signer.get(signer)
        if earlier is not None and earlier.root == root:
            return None
        text = self.checkpoint(size, root).body()
        if not verify_signature(signer, text.encode(), signature.signature):
            raise NoteError(f"checkpoint line of {signature.name} does not verify")
        by_signer = self._lines.setdefault(size, by_signer)
        if earlier is not None and earlier.root != root:
            return self._conflict(signer, size, earlier, _Line(root=root, signature=signature))
        by_signer[signer] = _Line(root=root, signature=signature)
        self._archive_note(size, validators.quorum)
        while len(self._lines) > SIZES_KEPT:
            oldest, _ = self._lines.popitem(last=False)
            self._roots.pop(oldest, None)
        return None

    def _archive_note(self, size: int, quorum: int) -> None:
        # Only a note over our own committed root with a quorum is kept; each further line
        # replaces it, so the archive holds the newest (most signed) note of the size.
        if self._archive is None:
            return
        note = self._memory_note(size, quorum)
        if note is not None:
            self._archive.put_checkpoint_note(size, note.encode("utf-8"))

    def signed_note(self, size: int, quorum: int) -> str | None:
        """The note for size with every line over our root, once >= quorum lines exist
        (from memory, else from the archive)."""
        note = self._memory_note(size, quorum)
        if note is None and self._archive is not None:
            kept = self._archive.get_checkpoint_note(size)
            note = None if kept is None else kept[1].decode("utf-8")
        return note

    def text(self, size: int) -> str | None:
        """The checkpoint body of size over our committed root (from memory, else from the
        archived note); None when neither holds size or the archived note does not parse."""
        root = self._roots.get(size)
        if root is not None:
            return self.checkpoint(size, root).body()
        kept = None if self._archive is None else self._archive.get_checkpoint_note(size)
        if kept is None:
            return None
        try:
            return parse_signed_note(kept[1]).text
        except NoteError:
            return None

    def _memory_note(self, size: int, quorum: int) -> str | None:
        root = self._roots.get(size)
        if root is None:
            return None
        lines = [
            entry.signature
            for _, entry in sorted(self._lines.get(size, {}).items())
            if entry.root == root
        ]
        if len(lines) < quorum:
            return None
        return format_signed_note(self.checkpoint(size, root).body(), lines)

    def latest_signed(self, quorum: int) -> tuple[int, str] | None:
        for size in sorted(self._roots, reverse=True):
            note = self._memory_note(size, quorum)
            if note is not None:
                return size, note
        kept = None if self._archive is None else self._archive.get_checkpoint_note()
        return None if kept is None else (kept[0], kept[1].decode("utf-8"))

    def _conflict(
        self, signer: PublicKey, size: int, first: _Line, second: _Line
    ) -> ConflictingCheckpointEvidence:
        notes = sorted(
            format_signed_note(self.checkpoint(size, line.root).body(), [line.signature])
            for line in (first, second)
        )
        return ConflictingCheckpointEvidence(
            signer=signer, size=size, note_a=notes[0], note_b=notes[1]
        )


def _signer_of(signature: NoteSignature, validators: ValidatorSet) -> PublicKey:
    for validator in validators.validators:
        verifier = parse_verifier_key(validator.note_verifier_key)
        if verifier.name == signature.name and verifier.key_id == signature.key_id:
            return validator.public_key
    raise NoteError(f"checkpoint line of {signature.name!r} is not from a validator")
