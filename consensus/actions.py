"""Outputs of step(): what the node must persist, send, build, validate, commit. Pure.

Order matters: the node performs actions in list order. PersistPayload comes before the
PersistSignerState that locks on that payload, and PersistSignerState always comes before
any Send or Broadcast of something signed in the same list (etcd-raft Ready order:
persist, then send), so a crash can never leave a signature out in the world that the
signer state does not know about, nor a lock on bytes that exist nowhere.
"""

import enum
from dataclasses import dataclass
from typing import TypeAlias

from consensus.config import TimeoutKind
from consensus.events import ProposedBlock
from consensus.messages import Message
from consensus.signer_state import SignerState
from protocol.evidence import DuplicateVoteEvidence
from protocol.hashing import Hash32
from protocol.lock_violation import LockViolationEvidence
from protocol.signing import PublicKey
from protocol.votes import CommitCertificate, SignedVote


@dataclass(frozen=True, slots=True, kw_only=True)
class PersistSignerState:
    """Write signer_state durably (fsync) before performing the actions after it."""

    signer_state: SignerState


@dataclass(frozen=True, slots=True, kw_only=True)
class PersistPayload:
    """Write the payload of a block we lock on or hold as valid value durably (fsync).

    It comes before the PersistSignerState that first names block_hash as locked_block or
    valid_block, so a lock on disk never points at bytes that exist nowhere
    (docs/adr/0010-persist-locked-payload.md). Payloads the signer state no longer names
    may be deleted once that signer state is on disk.
    """

    height: int
    block_hash: Hash32
    payload: bytes


@dataclass(frozen=True, slots=True, kw_only=True)
class Send:
    """Send message to the peer holding key `to`."""

    to: PublicKey
    message: Message


@dataclass(frozen=True, slots=True, kw_only=True)
class Broadcast:
    """Send message to every peer."""

    message: Message


@dataclass(frozen=True, slots=True, kw_only=True)
class RequestProposal:
    """Build a block for (height, round) and answer with ProposalSubmitted."""

    height: int
    round: int


@dataclass(frozen=True, slots=True, kw_only=True)
class ValidateProposal(ProposedBlock):
    """Execute payload and answer with ProposalValidated."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ScheduleTimeout:
    """Deliver a Tick with now_ms >= deadline_ms (local clock) at the latest then."""

    height: int
    round: int
    step: TimeoutKind
    deadline_ms: int


@dataclass(frozen=True, slots=True, kw_only=True)
class CommitBlock:
    """The block is decided: store it with its certificate, then answer CommitApplied."""

    height: int
    block_hash: Hash32
    payload: bytes
    certificate: CommitCertificate


@dataclass(frozen=True, slots=True, kw_only=True)
class EvidenceFound:
    """Conflicting votes signed by one key: gossip and include it in a block.

    Two votes in one slot, or a prevote against the key's own lock (ADR 0012).
    """

    evidence: DuplicateVoteEvidence | LockViolationEvidence


@dataclass(frozen=True, slots=True, kw_only=True)
class ForkDetected:
    """A verified certificate of a height we decided names another block: halt.

    The replica signs nothing more; evidence naming the double-signers derivable from the
    two certificates (and our own votes of that height) comes as EvidenceFound.
    """

    height: int
    ours: CommitCertificate
    theirs: CommitCertificate


@dataclass(frozen=True, slots=True, kw_only=True)
class ProposalRefused:
    """A proposal signed by its round's proposer whose payload does not hash to the block it
    names: dropped, as any bad proposal is, and said, because only the proposer could
    have sent it (a validator turned hostile, or one with a bug). Nothing else changes."""

    height: int
    round: int
    proposer: PublicKey
    block_hash: Hash32


class DropReason(enum.Enum):
    """Why consensus/intake.py dropped a message: a bound (each bounds what one validator,
    or one peer, can make a replica hold), or a check no honest peer's message fails."""

    FUTURE_ROUND_BUDGET = "future_round_budget"
    """A vote of a round above ours past its validator's budget of rounds there."""
    PAST_ROUND_BUDGET = "past_round_budget"
    """A vote of a round more than one below ours past its validator's budget there."""
    LATE_VOTE_BUDGET = "late_vote_budget"
    """A late vote of the height just decided past its validator's budget of rounds."""
    STALE_PROPOSAL = "stale_proposal"
    """A proposal of a round below ours whose payload we do not need."""
    NEXT_HEIGHT_SHARE = "next_height_share"
    """A message for the next height that its sender's share of the buffer (or the full
    buffer) had no room for: the sender's oldest one held, or the new one."""
    OUTSIDE_WINDOW = "outside_window"
    """A vote or proposal of a round past the window above ours (EngineConfig.round_window)."""
    FUTURE_PROPOSAL = "future_proposal"
    """A proposal of a round more than one above ours: its proposer retransmits it."""
    SECOND_PROPOSAL = "second_proposal"
    """Another proposal, correctly signed, for a round whose proposal we hold, its payload
    not needed: an equivocating proposer."""
    WRONG_CHAIN = "wrong_chain"
    """A vote or proposal of another chain_id inside an envelope of ours."""
    NOT_A_VALIDATOR = "not_a_validator"
    """A vote whose key is not in its height's validator set."""
    BAD_VOTE_SIGNATURE = "bad_vote_signature"
    """A vote whose signature does not verify under the key it names."""
    BAD_CERTIFICATE = "bad_certificate"
    """A commit certificate that is not a quorum of its height's set signing it (too few,
    a stranger's or a forged signature): of the height we decide, or a decided one naming
    another block (a forged fork claim)."""
    COMMIT_MISMATCH = "commit_mismatch"
    """A commit whose payload does not hash to the block its certificate names."""
    BAD_PROPOSAL_SIGNATURE = "bad_proposal_signature"
    """A proposal not signed by its round's proposer (another key, a signature that does
    not verify, or a POL round outside -1 .. round - 1)."""
    UNNEEDED_CERTIFICATE = "unneeded_certificate"
    """A pushed certificate of a height neither decided here (among the decisions kept)
    nor being decided: ignored unverified, so it says nothing of its sender (a peer more
    than a height ahead sends such among its recent certificates)."""

    @property
    def hostile(self) -> bool:
        """Only a forged signature or a hostile peer's message makes this drop: an honest
        peer relays only what it verified. The node logs these, naming the peer that
        sealed the message; the bounds above, which honest traffic also reaches (peers
        rounds apart), are only counted."""
        return self in _HOSTILE_DROPS


_HOSTILE_DROPS = frozenset(
    {
        DropReason.WRONG_CHAIN,
        DropReason.NOT_A_VALIDATOR,
        DropReason.BAD_VOTE_SIGNATURE,
        DropReason.BAD_CERTIFICATE,
        DropReason.COMMIT_MISMATCH,
        DropReason.BAD_PROPOSAL_SIGNATURE,
    }
)


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageDropped:
    """A bound or a check dropped a received message: nothing else changes; the node counts
    it (and logs the hostile ones, DropReason.hostile).

    An action per message rather than a counter in the state: a drop is already a step of
    its own (one message), the action costs one small object beside the message's decoding,
    and the state stays free of what only the operator reads. Most drops come before any
    signature check, so the reason says what a message claimed; sender is the peer that
    sealed the envelope it came in (the transport authenticated it), height the height
    the message names.
    """

    reason: DropReason
    sender: PublicKey
    height: int


@dataclass(frozen=True, slots=True, kw_only=True)
class PolVoteDropped:
    """A vote of the signer state's POL that does not hold on a restart (start_replica,
    consensus.signer_state.pol_kept): dropped, the start goes on; the node logs it. The
    file is trusted no more than a peer, and a bad vote only costs the POL."""

    vote: SignedVote


Action: TypeAlias = (
    PersistPayload
    | PersistSignerState
    | Send
    | Broadcast
    | RequestProposal
    | ValidateProposal
    | ScheduleTimeout
    | CommitBlock
    | EvidenceFound
    | ForkDetected
    | ProposalRefused
    | MessageDropped
    | PolVoteDropped
)
