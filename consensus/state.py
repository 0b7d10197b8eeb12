"""The replica state: one immutable value holding everything a step reads. Pure.

Names follow Alg. 1 of Buchman, Kwon, Milosevic, "The latest gossip on BFT consensus"
(2018): height = h_p, round = round_p, step = step_p; lockedValue/lockedRound and
validValue/validRound live in the signer state, because they must survive a crash.
"""

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field

from consensus.actions import ScheduleTimeout
from consensus.config import EngineConfig
from consensus.events import MessageReceived
from consensus.messages import CommitMessage, ProposalMessage
from consensus.signer_state import SignerState
from consensus.votes_tally import VoteTally
from protocol.hashing import Hash32
from protocol.signing import PublicKey
from protocol.validators import ValidatorSet
from protocol.votes import CommitCertificate, SignedVote, VoteType


class Step(enum.Enum):
    """step_p of Alg. 1, plus COMMITTING: decided, waiting for the node's CommitApplied."""

    PROPOSE = 0
    PREVOTE = 1
    PRECOMMIT = 2
    COMMITTING = 3


@dataclass(frozen=True, slots=True, kw_only=True)
class ReplicaState:
    """Everything one replica knows. Per-height fields are reset when a height starts."""

    config: EngineConfig
    height: int
    round: int
    step: Step
    validators: ValidatorSet
    """The validator set of `height`; it decides the proposer and the quorum."""
    signer: SignerState
    now_ms: int
    sign_from_height: int
    """Cast nothing below this height (DESIGN.md §4: a replica without signer state syncs)."""
    votes: VoteTally = field(default_factory=VoteTally)
    proposals: Mapping[int, ProposalMessage] = field(default_factory=dict)
    """round -> the first correctly signed proposal of proposer(height, round)."""
    blocks: Mapping[Hash32, bytes] = field(default_factory=dict)
    """Payloads of this height by block hash."""
    validity: Mapping[Hash32, bool] = field(default_factory=dict)
    """valid(v) of Alg. 1, as answered by ProposalValidated (or True for our own block)."""
    validation_requested: frozenset[Hash32] = frozenset()
    certificate: CommitCertificate | None = None
    """A verified certificate for this height received from a peer (catch-up)."""
    awaiting_proposal: bool = False
    prevote_timeout_round: int = -1
    """Last round in which line 34 fired ("for the first time")."""
    polka_round: int = -1
    """Last round in which line 36 fired."""
    precommit_timeout_round: int = -1
    """Last round in which line 47 fired."""
    timeouts: tuple[ScheduleTimeout, ...] = ()
    """The timeouts scheduled and not yet fired; each fires on the first Tick at its deadline."""
    decisions: Mapping[int, CommitMessage] = field(default_factory=dict)
    """Recent decided heights, kept to push to lagging peers."""
    future: tuple[MessageReceived, ...] = ()
    """Messages for height + 1, replayed when that height starts."""
    pushed: Mapping[PublicKey, tuple[int, int]] = field(default_factory=dict)
    """peer -> (its height, now_ms) of the last commits pushed to it."""
    asked: Mapping[PublicKey, tuple[int, int]] = field(default_factory=dict)
    """peer -> (our height, now_ms) of the last status we sent it because it was ahead."""
    evidence_slots: frozenset[tuple[PublicKey, int, int, VoteType]] = frozenset()
    """(validator, height, round, type) slots already reported as evidence."""
    lock_evidence_reported: frozenset[tuple[PublicKey, int]] = frozenset()
    """(validator, height) pairs already reported as lock violations (one is enough)."""
    own_votes_forgotten: tuple[int, int] | None = None
    """(height, round): restarted at height, we forgot our votes of rounds <= round."""
    previous_votes: VoteTally = field(default_factory=VoteTally)
    """The votes of height - 1, kept so a late conflicting vote still becomes evidence."""
    previous_validators: ValidatorSet | None = None
    previous_round: int = 0
    """The round we were in when height - 1 was decided: late votes of rounds above it are
    kept only within each validator's future-round budget (intake._over_budget)."""
    decided_validators: Mapping[int, ValidatorSet] = field(default_factory=dict)
    """The validator sets of the heights in decisions, to verify a peer's certificate."""
    fork_height: int | None = None
    """A height for which a conflicting certificate arrived: from then on we sign nothing."""
    round_started_ms: int = 0
    """now_ms when the current round started (StartRound), or was started over after the
    replica waited in it (rounds.release_round)."""
    round_held: bool = False
    """The ROUND timeout fired while fewer than q validators were at or above our round and
    some were below: we wait in it for them (rounds.waits_for_those_behind)."""
    rounds_heard: Mapping[PublicKey, tuple[int, int, int]] = field(default_factory=dict)
    """validator -> (height, round, now_ms) of the last verified vote received from it, of
    this height or the one before: where it was then (rounds.catch_up). Validators of this
    height's set only, and of the previous one's through its late votes: a new height
    keeps its set's (decision.enter_next_height)."""
    heard_votes: Mapping[PublicKey, SignedVote] = field(default_factory=dict)
    """validator -> the vote that put it where rounds_heard says (kept in the tally or
    not): what rounds.relay_round_votes passes on."""

    @property
    def public_key(self) -> PublicKey:
        return self.config.signer.public_key

    @property
    def quorum(self) -> int:
        """q: the paper's 2f+1."""
        return self.validators.quorum

    @property
    def skip_threshold(self) -> int:
        """The paper's f+1 (line 55) with f = max(f_S, f_L): never one Byzantine sender alone.

        With f = f_S alone, n=3 (f_S = 0) skipped on one message, so one Byzantine validator
        could drag the honest ones from round to round and stall the chain (issue 10). A
        replica left behind in a round without a skip is moved on by its ROUND timeout
        (docs/CONSENSUS.md, "Round skipping").
        """
        validators = self.validators
        return max(validators.max_safety_faults, validators.max_liveness_faults) + 1

    @property
    def can_sign(self) -> bool:
        """A member of this height's set, not syncing after losing its signer state, no fork."""
        if self.fork_height is not None or self.height < self.sign_from_height:
            return False
        return self.validators.contains(self.public_key)

    def is_proposer(self, round_number: int) -> bool:
        return self.validators.proposer(self.height, round_number).public_key == self.public_key
