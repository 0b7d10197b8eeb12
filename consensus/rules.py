"""The "upon" rules of Alg. 1 (lines 22-56), applied until none fires. Pure.

Each rule returns the new state when it fires and None when its condition does not hold;
apply_rules runs them to a fixpoint after every event. valid(v) is asynchronous here (the
node answers ValidateProposal later), so rules that need it wait until it is known.
Line numbers: Buchman, Kwon, Milosevic, "The latest gossip on BFT consensus" (2018).
"""

from collections.abc import Callable
from dataclasses import replace

from consensus.actions import Action
from consensus.casting import cast_vote
from consensus.config import TimeoutKind
from consensus.decision import decide
from consensus.rounds import catch_up, release_round, schedule_timeout, skip_to_higher_round
from consensus.state import ReplicaState, Step
from protocol.hashing import Hash32
from protocol.votes import VoteType

Rule = Callable[[ReplicaState, list[Action]], ReplicaState | None]

_RULES_PER_EVENT_MAX = 1000


def prevote_on_proposal(state: ReplicaState, out: list[Action]) -> ReplicaState | None:
    """Lines 22-27 (pol_round = -1) and 28-33 (pol_round = vr with q prevotes at vr)."""
    if state.step is not Step.PROPOSE:
        return None
    message = state.proposals.get(state.round)
    if message is None:
        return None
    proposal = message.signed.proposal
    block, pol_round = proposal.block_hash, proposal.pol_round
    if pol_round >= 0 and state.votes.count(pol_round, VoteType.PREVOTE, block) < state.quorum:
        return None  # Line 28 needs the POL; the propose timeout covers its absence.
    valid = state.validity.get(block)
    if valid is None:
        return None
    locked_round, locked_block = state.signer.locked_round, state.signer.locked_block
    # Line 23: unlocked or locked on v. Line 29: locked no later than vr, or on v.
    unlocked = locked_round == -1 if pol_round < 0 else locked_round <= pol_round
    lock_allows = unlocked or locked_block == block or _pol_held_since_lock(state, block)
    choice = block if valid and lock_allows else None
    state = cast_vote(state, VoteType.PREVOTE, choice, out)
    return replace(state, step=Step.PREVOTE)


def _pol_held_since_lock(state: ReplicaState, block: Hash32) -> bool:
    """Line 29 for any round vr we hold a POL of, not only the one the proposal names: q
    prevotes for block in a round vr with lockedRound <= vr < round_p. The safety argument
    of line 29 is about the POL, not about who names it, so this is as safe.

    A proposer restarted after locking may have lost its POL and proposes its lock with
    pol_round -1 (rounds.start_round); if its POL's last prevote came from a Byzantine
    validator that sent it to that proposer alone, and another correct replica is locked in
    an earlier round, neither lock ever gave way (simulator strategy lost_pol: 19 of 40
    runs at n=4 halted). The POL is passed on at the start of every later round
    (rounds.start_round), so the others hold it and prevote the proposal here."""
    return any(
        state.signer.locked_round <= vr < state.round
        and state.votes.count(vr, VoteType.PREVOTE, block) >= state.quorum
        for vr in state.votes.rounds(VoteType.PREVOTE)
    )


def schedule_prevote_timeout(state: ReplicaState, out: list[Action]) -> ReplicaState | None:
    """Lines 34-35: q prevotes for anything, in step prevote, for the first time."""
    if state.step is not Step.PREVOTE:
        return None
    if not _first_quorum_of_any(state, VoteType.PREVOTE, state.prevote_timeout_round):
        return None
    state = replace(state, prevote_timeout_round=state.round)
    return schedule_timeout(state, TimeoutKind.PREVOTE, out)


def lock_on_polka(state: ReplicaState, out: list[Action]) -> ReplicaState | None:
    """Lines 36-43: the proposal and q prevotes for it, valid, step >= prevote, first time."""
    if state.step not in (Step.PREVOTE, Step.PRECOMMIT) or state.polka_round >= state.round:
        return None
    message = state.proposals.get(state.round)
    if message is None:
        return None
    block = message.signed.proposal.block_hash
    if state.validity.get(block) is not True:
        return None
    if state.votes.count(state.round, VoteType.PREVOTE, block) < state.quorum:
        return None
    state = replace(state, polka_round=state.round)
    if state.step is Step.PREVOTE:
        # Lines 38-41. The lock enters the signer state before the precommit is sent.
        signer = replace(state.signer, locked_round=state.round, locked_block=block)
        state = cast_vote(replace(state, signer=signer), VoteType.PRECOMMIT, block, out)
        state = replace(state, step=Step.PRECOMMIT)
    # Lines 42-43. The POL goes with the valid value into the signer state (the write the
    # lock makes anyway): a restart re-proposes it with pol_round = valid_round.
    pol = state.votes.votes_for(state.round, VoteType.PREVOTE, block)
    signer = replace(state.signer, valid_round=state.round, valid_block=block, valid_pol=pol)
    return replace(state, signer=signer)


def precommit_nil_on_nil_polka(state: ReplicaState, out: list[Action]) -> ReplicaState | None:
    """Lines 44-46: q prevotes for nil while in step prevote."""
    if state.step is not Step.PREVOTE:
        return None
    if state.votes.count(state.round, VoteType.PREVOTE, None) < state.quorum:
        return None
    state = cast_vote(state, VoteType.PRECOMMIT, None, out)
    return replace(state, step=Step.PRECOMMIT)


def schedule_precommit_timeout(state: ReplicaState, out: list[Action]) -> ReplicaState | None:
    """Lines 47-48: q precommits for anything in this round, for the first time."""
    if state.step is Step.COMMITTING:
        return None
    if not _first_quorum_of_any(state, VoteType.PRECOMMIT, state.precommit_timeout_round):
        return None
    state = replace(state, precommit_timeout_round=state.round)
    return schedule_timeout(state, TimeoutKind.PRECOMMIT, out)


def _first_quorum_of_any(state: ReplicaState, vote_type: VoteType, acted_round: int) -> bool:
    """q votes of vote_type for anything in this round, and no timeout for them yet."""
    if acted_round >= state.round:
        return False
    return state.votes.count_any(state.round, vote_type) >= state.quorum


def skip_round(state: ReplicaState, out: list[Action]) -> ReplicaState | None:
    """Lines 55-56, except while the decided block is being applied."""
    if state.step is Step.COMMITTING:
        return None
    return skip_to_higher_round(state, out)


def catch_up_round(state: ReplicaState, out: list[Action]) -> ReplicaState | None:
    """Not in Alg. 1: join the validators in a higher round our round cannot do without
    (rounds.catch_up)."""
    return catch_up(state, out)


def release_held_round(state: ReplicaState, out: list[Action]) -> ReplicaState | None:
    """Not in Alg. 1: stop waiting in our round for those behind (rounds.release_round)."""
    if state.step is Step.COMMITTING:
        return None
    return release_round(state, out)


RULES: tuple[Rule, ...] = (
    decide,
    skip_round,
    catch_up_round,
    release_held_round,
    prevote_on_proposal,
    schedule_prevote_timeout,
    lock_on_polka,
    precommit_nil_on_nil_polka,
    schedule_precommit_timeout,
)
"""Deciding first: a decided height needs nothing else; then round changes, then votes."""


def apply_rules(state: ReplicaState, out: list[Action]) -> ReplicaState:
    """Fire rules until none does. Every rule firing changes step, round or a flag."""
    for _ in range(_RULES_PER_EVENT_MAX):
        for rule in RULES:
            fired = rule(state, out)
            if fired is not None:
                state = fired
                break
        else:
            return state
    raise AssertionError("consensus rules did not reach a fixpoint")
