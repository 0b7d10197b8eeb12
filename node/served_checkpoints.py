"""The signed checkpoints the node serves: a size's note with its witness cosignatures, the
newest one, the one a receipt may carry (ADR 0021); a witness's cosignature taken in.
No HTTP here (NodeService answers for the API).
"""

from node.checkpoints import CheckpointBook
from node.cosignatures import (
    CheckpointUnknownError,
    CosignatureArchive,
    CosignatureBook,
    CosignatureRefusedError,
)
from node.ledger import Ledger
from node.runtime_settings import Clock
from protocol.note import parse_signed_note


class ServedCheckpoints:
    """Checkpoint notes of q validator lines (node/checkpoints.py), with the witness
    cosignatures kept beside them (node/cosignatures.py) when genesis names witnesses."""

    def __init__(
        self,
        *,
        ledger: Ledger,
        checkpoints: CheckpointBook,
        clock: Clock,
        cosignature_archive: CosignatureArchive | None,
    ) -> None:
        self.ledger = ledger
        self.checkpoints = checkpoints
        self.clock = clock
        witnesses = ledger.genesis.document.witnesses
        self.book = None
        if witnesses is not None:
            self.book = CosignatureBook(
                witnesses,
                cosignature_archive,
                checkpoint_text=checkpoints.text,
                skipped=ledger.metrics.cosignatures_skipped.inc,
            )

    def checkpoint_note(self, size: int) -> str | None:
        """The signed note for a history size, once it has >= q lines; None for sizes no
        checkpoint can have (0, or beyond the head: a log of height + 1 leaves)."""
        if not 0 < size <= self.ledger.height + 1:
            return None
        # The quorum of the current set: a checkpoint signed before a set change still needs
        # the (older) q lines it had, which the current q of a grown set may exceed; such a
        # note is then served only once the new validators' lines arrive too.
        note = self.checkpoints.signed_note(size, self._quorum())
        return None if note is None else self._with_cosignatures(size, note)

    def latest_checkpoint(self) -> tuple[int, str] | None:
        """The newest note with >= q lines, with the cosignatures it has so far (a witness
        reads this one to cosign it, so it must not wait for cosignatures)."""
        latest = self.checkpoints.latest_signed(self._quorum())
        return None if latest is None else (latest[0], self._with_cosignatures(*latest))

    def receipt_checkpoint(self) -> tuple[int, str] | None:
        """The newest checkpoint a receipt may carry: with the witness cosignatures genesis
        asks for (ADR 0021), or the newest quorum note when genesis names no witnesses."""
        if self.book is None:
            return self.latest_checkpoint()
        for size in self.book.sizes_with_quorum():
            note = self.checkpoint_note(size)
            if note is not None:
                return size, note
        return None

    def receipt_checkpoint_of_size(self, size: int) -> tuple[int, str] | str:
        """The checkpoint of size for a receipt, or why not: a receipt against it must verify
        with the genesis file, so it needs q validator lines and, when genesis names
        witnesses, their quorum of cosignatures (witnesses cosign only the checkpoints they
        see: most sizes never get one)."""
        missing = f"no signed checkpoint for size {size}"
        if not 0 < size <= self.ledger.height + 1:
            return missing
        book = self.book
        # lines() reads an archived size too (has_quorum looks in memory only).
        if book is not None and len(book.lines(size)) < book.witnesses.quorum:
            if self.checkpoint_note(size) is None:
                return missing
            return (
                f"the checkpoint of size {size} lacks the witness cosignatures genesis asks "
                "for, so a receipt against it would not verify; omit size for the newest "
                "cosigned one"
            )
        note = self.checkpoint_note(size)
        return missing if note is None else (size, note)

    def add_cosignature(self, size: int, line: bytes, sender: str = "") -> str:
        """Verify and keep a witness's cosignature of the checkpoint of size that this node
        serves, posted by sender (a client address); returns the witness name. Raises
        CosignatureRefusedError (CosignatureThrottledError), or CheckpointUnknownError
        when this node holds no signed checkpoint of size."""
        if self.book is None:
            raise CosignatureRefusedError("this network's genesis names no witnesses")
        note = None
        if 0 < size <= self.ledger.height + 1:
            note = self.checkpoints.signed_note(size, self._quorum())
        if note is None:
            raise CheckpointUnknownError(size)
        text = parse_signed_note(note).text
        now_s = self.clock.now_ms() // 1000
        mono_s = self.clock.monotonic_ms() / 1000
        return self.book.add(
            size=size, text=text, line=line, now_s=now_s, mono_s=mono_s, sender=sender
        )

    def newest_cosigned_sizes(self) -> dict[str, int]:
        """Per witness name, the newest checkpoint size whose cosignature this node keeps."""
        return {} if self.book is None else self.book.newest_sizes()

    def _with_cosignatures(self, size: int, note: str) -> str:
        lines = () if self.book is None else self.book.lines(size)
        return note + "".join(line.line() for line in lines)

    def _quorum(self) -> int:
        return self.ledger.validators_of_head().quorum
