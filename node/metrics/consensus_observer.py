"""Round timing (and the log line of a round that ends undecided), own signatures and every
validator's signing health, read off each step.

The runtime hands over the replica state and actions after every consensus.step; nothing
here changes them. Signing health must read right when q < n: a certificate carries the
precommits that formed the quorum, so an honest validator whose precommit arrived just
after it is absent from the certificate at some height whenever n > q. A decided height is
therefore settled only when the engine drops its tally of it, as the node enters the
height after next (the engine keeps a decided height's votes as previous_votes while the
next height runs), so that the precommits that came after the quorum are seen too:

- in_certificate: the precommit is in the commit certificate;
- not_needed: a precommit for the decided block in the deciding round that arrived after
  the quorum, within NOT_NEEDED_GRACE_S of the decision (healthy: the quorum needed no more);
- late: the same, but after the grace (the validator signs, slowly);
- other: only nil precommits or precommits of other rounds at that height;
- missing: no precommit of that height reached this node while it kept the height's votes.

Heights this node did not decide from live votes (a certificate received in catch-up) are
not counted, since this node saw none of their votes; a replica restarted by block sync
settles what it watched with what it had seen.
"""

import logging
import time
from dataclasses import dataclass

from consensus import Action, Broadcast, CommitBlock, ProposalMessage, ReplicaState
from consensus.votes_tally import VoteTally
from node.metrics.registry import NodeMetrics
from protocol.hashing import Hash32
from protocol.signing import PublicKey
from protocol.validators import ValidatorSet
from protocol.votes import SignedVote, VoteType

log = logging.getLogger("lantan.metrics")
NOT_NEEDED_GRACE_S = 1.0
"""How long after the decision a precommit counts as not needed rather than late."""


@dataclass
class _Watched:
    """A height decided here whose validators' precommits are still being watched for."""

    height: int
    round: int
    block_hash: Hash32
    validators: ValidatorSet
    decided_at: float
    outcomes: dict[PublicKey, str]
    """Settled validators; the others are still unseen."""
    other: set[PublicKey]
    """Unseen validators with a nil or other-round precommit at this height so far."""


class ConsensusObserver:
    """Feeds NodeMetrics from the replica's steps (event loop only)."""

    def __init__(self, metrics: NodeMetrics) -> None:
        self._metrics = metrics
        self._position: tuple[int, int] | None = None
        self._round_started = 0.0
        self._round_open = False
        self._rounds_run = 0
        """Rounds this node entered at its current height: what lantan_consensus_height_rounds
        observes at the decision. Not the round number: one catch_up jump (a round skip,
        CONSENSUS.md) to round 2^20 put 2^20 + 1 into the histogram's sum (stop 50)."""
        self._signed: set[tuple[int, int, str]] = set()
        self._watched: list[_Watched] = []

    def stepped(self, state: ReplicaState, actions: list[Action]) -> None:
        try:
            self._observe(state, actions)
        except Exception:
            # A fault in the metrics must never stop consensus: log it and go on.
            log.exception("consensus metrics failed at height %d", state.height)

    def _observe(self, state: ReplicaState, actions: list[Action]) -> None:
        now = time.monotonic()
        self._count_signatures(state, actions)
        self._watch_precommits(state, now)
        self._follow_round(state, now)
        commit = next((a for a in actions if isinstance(a, CommitBlock)), None)
        if commit is not None:
            self._decided(state, commit, now)

    # --- rounds --------------------------------------------------------------------------

    def _follow_round(self, state: ReplicaState, now: float) -> None:
        position = (state.height, state.round)
        if position == self._position:
            return
        previous = self._position
        if self._round_open and previous is not None and previous[0] == state.height:
            self._metrics.round_duration.labels(outcome="next_round").observe(
                now - self._round_started
            )
            _log_round_change(state, previous[1])
        self._position, self._round_started, self._round_open = position, now, True
        if previous is None or previous[0] != state.height:
            self._signed = {s for s in self._signed if s[0] >= state.height}
            self._rounds_run = 1
        else:
            self._rounds_run += 1

    def _decided(self, state: ReplicaState, commit: CommitBlock, now: float) -> None:
        if self._round_open and self._position == (state.height, state.round):
            self._metrics.round_duration.labels(outcome="decided").observe(
                now - self._round_started
            )
        # The idle wait for work before the next height is no round: stop the clock here.
        self._round_open = False
        self._metrics.height_rounds.observe(self._rounds_run)
        me = state.public_key
        if state.validators.contains(me):
            self._metrics.signer_heights_in_set.inc()
            if _has_precommit(state.votes, me):
                self._metrics.signer_heights_signed.inc()
        if state.certificate is None:
            signers = {s.validator for s in commit.certificate.signatures}
            self._watched.append(
                _Watched(
                    height=commit.height,
                    round=commit.certificate.round,
                    block_hash=commit.block_hash,
                    validators=state.validators,
                    decided_at=now,
                    outcomes={
                        v.public_key: "in_certificate"
                        for v in state.validators.validators
                        if v.public_key in signers
                    },
                    other=set(),
                )
            )

    # --- signing health ------------------------------------------------------------------

    def _watch_precommits(self, state: ReplicaState, now: float) -> None:
        """Note the precommits that arrived; settle heights whose tally the engine dropped."""
        for watched in list(self._watched):
            tally = _tally_of(state, watched.height)
            if tally is None:
                self._watched.remove(watched)
                self._settle(watched)
                continue
            for validator in watched.validators.validators:
                key = validator.public_key
                if key in watched.outcomes:
                    continue
                vote = tally.get(watched.round, VoteType.PRECOMMIT, key)
                if vote is not None and vote.vote.block_hash == watched.block_hash:
                    late = now - watched.decided_at > NOT_NEEDED_GRACE_S
                    watched.outcomes[key] = "late" if late else "not_needed"
                elif _has_precommit(tally, key):
                    watched.other.add(key)

    def _settle(self, watched: _Watched) -> None:
        for validator in watched.validators.validators:
            key = validator.public_key
            outcome = watched.outcomes.get(key)
            if outcome is None:
                outcome = "other" if key in watched.other else "missing"
            self._metrics.validator_heights.labels(validator=validator.name).inc()
            self._metrics.validator_precommits.labels(
                validator=validator.name, outcome=outcome
            ).inc()

    # --- own signatures ------------------------------------------------------------------

    def _count_signatures(self, state: ReplicaState, actions: list[Action]) -> None:
        me = state.public_key
        for action in actions:
            if not isinstance(action, Broadcast):
                continue
            message = action.message
            slot: tuple[int, int, str] | None = None
            if isinstance(message, SignedVote) and message.validator == me:
                vote = message.vote
                slot = (vote.height, vote.round, vote.type.name.lower())
            elif isinstance(message, ProposalMessage) and message.signed.proposer == me:
                proposal = message.signed.proposal
                slot = (proposal.height, proposal.round, "proposal")
            # A retransmission repeats a signature already counted.
            if slot is not None and slot not in self._signed:
                self._signed.add(slot)
                self._metrics.signatures.labels(step=slot[2]).inc()


def _tally_of(state: ReplicaState, height: int) -> VoteTally | None:
    """The engine's votes of height: its own height's, or the previous height's it keeps."""
    if state.height == height:
        return state.votes
    if state.height == height + 1:
        return state.previous_votes
    return None


def _log_round_change(state: ReplicaState, ended_round: int) -> None:
    """A round ended without a decision: say so, and whose proposal it was. A jump past the
    next round is a round skip (CONSENSUS.md: validators heard in a higher round), and is
    said as one: "round 0 ended without a decision" was the first line of every restarted
    validator, whose round 0 had lasted milliseconds before it joined the others' round."""
    proposer = state.validators.proposer(state.height, ended_round)
    extra = {"height": state.height, "round": state.round, "proposer": proposer.name}
    if state.round > ended_round + 1:
        log.warning(
            "height %d: left round %d for round %d, where other validators are "
            "(a round skip; proposer of round %d: %s)",
            state.height,
            ended_round,
            state.round,
            ended_round,
            proposer.name,
            extra=extra,
        )
        return
    log.warning(
        "height %d: round %d ended without a decision (proposer %s); now round %d",
        state.height,
        ended_round,
        proposer.name,
        state.round,
        extra=extra,
    )


def _has_precommit(tally: VoteTally, validator: PublicKey) -> bool:
    return any(
        tally.get(round_number, VoteType.PRECOMMIT, validator) is not None
        for round_number in tally.rounds(VoteType.PRECOMMIT)
    )
