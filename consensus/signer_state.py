"""The signer state: what this key last signed, its lock, its valid value, its checkpoint. Pure.

DESIGN.md §4: before any vote, proposal or checkpoint signature leaves the process, the
node writes this state with fsync beside the keystore (never in the data dir, so wiping
the data never resets it). The guard here is the one place that decides whether a key may
sign: it never signs two different things for one (height, round, step) and never goes
back to an earlier position. A non-empty lock belongs to `height` (a lock is only taken
together with a precommit); the engine clears lock and valid value when it enters a new
height, which it does only after the node durably applied the previous block.

valid_pol holds the POL of the valid value: the q prevotes for valid_block in valid_round
(ADR 0010, amended at stop 48). It changes only together with valid_round, so it rides on
the write the lock already makes: a crash never leaves the lock without its POL, and a
restarted proposer re-proposes its valid value with pol_round = valid_round (line 16).
A file is trusted no more than a peer: pol_kept checks each vote on a restart.
"""

import enum
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Annotated, Any

from protocol.codec import JsonCodec, Wire, codec_wire, integer, items
from protocol.encoding import JsonValue, decode_canonical, encode
from protocol.errors import FieldTypeError
from protocol.fields import read_str
from protocol.hashing import Hash32
from protocol.signing import VerifySignature
from protocol.validators import ValidatorSet
from protocol.votes import SignedVote, VoteType


class SignedStep(enum.Enum):
    """The kinds of consensus signature, in the order they happen within a round."""

    PROPOSAL = "proposal"
    PREVOTE = "prevote"
    PRECOMMIT = "precommit"


def _read_step(obj: Mapping[str, Any], name: str) -> SignedStep | None:
    text = read_str(obj, name)
    steps = {s.value: s for s in SignedStep}
    if text != "none" and text not in steps:
        raise FieldTypeError(f"{name}: unknown signed step {text!r}")
    return steps.get(text)


def _write_step(step: SignedStep | None) -> JsonValue:
    return "none" if step is None else step.value


Step = Annotated[SignedStep | None, Wire(_read_step, _write_step)]
"""A SignedStep, or "none" on the wire when nothing is signed yet."""
RoundOrNone = Annotated[int, integer(minimum=-1)]

VALID_POL_MAX = 1024
"""Bound on the votes a signer-state file may hold: above any validator set's size (the
set bounds them again on a restart, pol_kept)."""
PolVotes = Annotated[tuple[SignedVote, ...], items(codec_wire(SignedVote), max_items=VALID_POL_MAX)]
VALID_POL = "valid_pol"
"""The field's key: absent from files of builds before stop 48 and when there is no POL."""

_STEP_ORDER = {None: -1, SignedStep.PROPOSAL: 0, SignedStep.PREVOTE: 1, SignedStep.PRECOMMIT: 2}


@dataclass(frozen=True, slots=True, kw_only=True)
class SignerState(JsonCodec, what="signer state"):
    """Persisted per validator key. round/locked_round/valid_round use -1 for "none"."""

    height: int
    """Height of the last signature."""
    round: int
    step: Step
    """Kind of the last signature; None when the key has signed nothing yet."""
    block_hash: Hash32 | None
    """Block of the last signature (None for a nil vote or nothing signed)."""
    locked_round: RoundOrNone = -1
    locked_block: Hash32 | None = None
    valid_round: RoundOrNone = -1
    valid_block: Hash32 | None = None
    valid_pol: PolVotes = ()
    """The POL of the valid value: prevotes for valid_block in valid_round (none: ())."""
    checkpoint_size: int = 0
    """Size of the last checkpoint this key signed (0: none)."""
    checkpoint_root: Hash32 | None = None


def initial_signer_state() -> SignerState:
    """The signer state `keys new` / `genesis init` write: nothing signed, height 0."""
    return SignerState(height=0, round=0, step=None, block_hash=None)


def encode_signer_state(state: SignerState) -> bytes:
    """Canonical JSON bytes (RFC 8785) for the signer-state file; without a POL, the
    bytes of the builds before valid_pol (which can then still read the file)."""
    obj = state.to_json()
    if not state.valid_pol:
        del obj[VALID_POL]
    return encode(obj)


def decode_signer_state(data: bytes) -> SignerState:
    """Parse a signer-state file; refuses non-canonical bytes. A file without valid_pol
    (an older build's, or no POL) holds none."""
    obj = decode_canonical(data)
    if isinstance(obj, dict) and VALID_POL not in obj:
        obj = {**obj, VALID_POL: []}
    return SignerState.from_json(obj)


def without_lock(state: SignerState) -> SignerState:
    """The state with no lock, valid value or POL (line 53: a new height)."""
    return replace(
        state, locked_round=-1, locked_block=None, valid_round=-1, valid_block=None, valid_pol=()
    )


def pol_kept(
    state: SignerState, chain_id: Hash32, validators: ValidatorSet, verify: VerifySignature
) -> tuple[SignerState, tuple[SignedVote, ...]]:
    """The state with only the POL votes that hold, and the votes dropped.

    A vote holds when it is a prevote of this chain for valid_block at (height,
    valid_round), by a validator of the set (the first of each), signed by it: a file is
    trusted no more than a peer. At most the set's size of votes is kept.
    """
    kept: list[SignedVote] = []
    dropped: list[SignedVote] = []
    voters: set[bytes] = set()
    for signed in state.valid_pol:
        vote = signed.vote
        holds = (
            state.valid_block is not None
            and (vote.type, vote.chain_id, vote.height, vote.round, vote.block_hash)
            == (VoteType.PREVOTE, chain_id, state.height, state.valid_round, state.valid_block)
            and validators.contains(signed.validator)
            and signed.validator not in voters
            and signed.verify(verify)
        )
        (kept if holds else dropped).append(signed)
        if holds:
            voters.add(signed.validator)
    if not dropped:
        return state, ()
    return replace(state, valid_pol=tuple(kept)), tuple(dropped)


def may_sign(
    state: SignerState, height: int, round_number: int, step: SignedStep, block: Hash32 | None
) -> bool:
    """True when signing (height, round, step, block) keeps the key safe.

    A later position is always allowed. The same position is allowed only for a vote naming
    the same block: that re-creates identical bytes (Ed25519 is deterministic). A proposal
    is never signed twice, since a second one could carry a different pol_round.
    """
    new = (height, round_number, _STEP_ORDER[step])
    last = (state.height, state.round, _STEP_ORDER[state.step])
    if new > last:
        return True
    return new == last and step is not SignedStep.PROPOSAL and block == state.block_hash


def record_signed(
    state: SignerState, height: int, round_number: int, step: SignedStep, block: Hash32 | None
) -> SignerState:
    """The state after signing. Requires may_sign(state, height, round_number, step, block)."""
    assert may_sign(state, height, round_number, step, block)
    return replace(state, height=height, round=round_number, step=step, block_hash=block)


def may_sign_checkpoint(state: SignerState, size: int, root: Hash32) -> bool:
    """A key never signs a second root for one log size, nor a smaller size (DESIGN.md §4)."""
    if size > state.checkpoint_size:
        return True
    return size == state.checkpoint_size and root == state.checkpoint_root


def record_checkpoint(state: SignerState, size: int, root: Hash32) -> SignerState:
    """The state after signing checkpoint (size, root). Requires may_sign_checkpoint."""
    assert may_sign_checkpoint(state, size, root)
    return replace(state, checkpoint_size=size, checkpoint_root=root)
