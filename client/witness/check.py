"""What a witness checks before it cosigns a checkpoint (ADR 0021). Pure: no I/O, no clock.

The validator quorum and the set in force are checked by the receipt verifier's own
functions (client/receipt/history.py, log_binding.py), so a witness and a judge's verifier
cannot disagree about which notes count. Then the new checkpoint must extend the last one
this witness cosigned: the same root at the same size, or an RFC 9162 consistency proof
from the old size (c2sp.org/tlog-witness). A witness never cosigns a smaller tree again.
"""

import enum
from collections.abc import Sequence
from dataclasses import dataclass

from client.errors import CodedError
from client.receipt.codes import ReceiptError
from client.receipt.history import SetChange, SetHistory, verify_checkpoint_note
from client.receipt.log_binding import CheckpointHeader, verify_log_binding
from protocol.errors import ProtocolError
from protocol.hashing import Hash32
from protocol.merkle import verify_consistency
from protocol.note import Checkpoint, parse_signed_note
from protocol.validators import ValidatorSet


class Refusal(enum.Enum):
    INVALID = "INVALID"
    """The note is not a checkpoint of this chain with the validator quorum of its set."""
    INCONSISTENT = "INCONSISTENT"
    """Another root at a size already cosigned, or no valid consistency proof: a fork."""
    STALE = "STALE"
    """Smaller than the last cosigned tree: a lagging node, not evidence; nothing to do."""


class WitnessRefusedError(CodedError[Refusal]):
    """The witness does not cosign; kind (its code) says why, detail how."""

    @property
    def kind(self) -> Refusal:
        return self.code


@dataclass(frozen=True, slots=True, kw_only=True)
class Offered:
    """A checkpoint as a node offers it, with what proves its set and its extension."""

    note: str
    """The signed checkpoint note as served (validator lines, maybe cosignatures)."""
    changes: tuple[SetChange, ...]
    """The set changes below its size, each with its path in its tree (receipt format 3)."""
    last: CheckpointHeader
    """Its last header (height size - 1) with its path."""
    consistency: tuple[bytes, ...]
    """RFC 9162 proof from the last cosigned size; empty when there is none to prove."""


def check_offered(
    offered: Offered,
    *,
    chain_id: Hash32,
    genesis_set: ValidatorSet,
    previous: Checkpoint | None,
) -> Checkpoint:
    """The checkpoint to cosign, or WitnessRefusedError. previous is the last checkpoint
    this witness cosigned (None on its first run: trust on first use, ADR 0021)."""
    checkpoint = _validated(offered, chain_id, genesis_set)
    if previous is None:
        return checkpoint
    if checkpoint.size < previous.size:
        raise WitnessRefusedError(
            Refusal.STALE, f"size {checkpoint.size} < last cosigned {previous.size}"
        )
    if checkpoint.size == previous.size:
        if checkpoint.root_hash != previous.root_hash:
            raise WitnessRefusedError(Refusal.INCONSISTENT, f"two roots for size {checkpoint.size}")
        return checkpoint
    try:
        verify_consistency(
            previous.size,
            checkpoint.size,
            previous.root_hash,
            checkpoint.root_hash,
            offered.consistency,
        )
    except ProtocolError as error:
        raise WitnessRefusedError(
            Refusal.INCONSISTENT,
            f"size {checkpoint.size} does not extend size {previous.size}: {error}",
        ) from None
    return checkpoint


def checkpoint_of(note: str) -> Checkpoint:
    """The checkpoint text of a signed note (no signature checked: for a note already kept)."""
    return Checkpoint.parse(parse_signed_note(note).text)


def _validated(offered: Offered, chain_id: Hash32, genesis_set: ValidatorSet) -> Checkpoint:
    changes: Sequence[SetChange] = offered.changes
    try:
        history = SetHistory.from_changes(chain_id, genesis_set, changes)
        checkpoint = verify_checkpoint_note(offered.note, chain_id, history)
        verify_log_binding(checkpoint, changes, offered.last, history)
    except ReceiptError as error:
        raise WitnessRefusedError(Refusal.INVALID, str(error)) from None
    return checkpoint
