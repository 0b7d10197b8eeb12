"""Rounds: StartRound, the timeouts and what they do, round skipping, retransmission. Pure.

Line numbers refer to Algorithm 1 of Buchman, Kwon, Milosevic, "The latest gossip on BFT
consensus" (2018). Timeouts are kept in the state and fire on Tick, so time enters the
engine only through events (STYLE.md §2).
"""

from dataclasses import replace

from consensus.actions import Action, Broadcast, RequestProposal, ScheduleTimeout
from consensus.casting import cast_proposal, cast_vote
from consensus.config import TimeoutKind
from consensus.messages import (
    CERTIFICATES_MAX,
    BlockRequest,
    CertificatesMessage,
    Message,
    StatusMessage,
)
from consensus.state import ReplicaState, Step
from protocol.hashing import Hash32
from protocol.votes import VoteType


def schedule_timeout(state: ReplicaState, kind: TimeoutKind, out: list[Action]) -> ReplicaState:
    """Schedule kind for the current (height, round) after its linear, capped duration."""
    deadline = state.now_ms + state.config.timeouts.duration_ms(kind, state.round)
    timeout = ScheduleTimeout(
        height=state.height, round=state.round, step=kind, deadline_ms=deadline
    )
    out.append(timeout)
    return replace(state, timeouts=(*state.timeouts, timeout))


def start_round(state: ReplicaState, round_number: int, out: list[Action]) -> ReplicaState:
    """StartRound(round), lines 11-21."""
    state = replace(
        state,
        round=round_number,
        step=Step.PROPOSE,
        awaiting_proposal=False,
        round_started_ms=state.now_ms,
        round_held=False,
    )
    # Line 21 schedules the propose timeout only for non-proposers; we schedule it for the
    # proposer too, because the node answers RequestProposal asynchronously and may not.
    state = schedule_timeout(state, TimeoutKind.PROPOSE, out)
    state = schedule_timeout(state, TimeoutKind.RETRANSMIT, out)
    state = schedule_timeout(state, TimeoutKind.ROUND, out)
    if round_number > 0 and state.can_sign:
        relay_valid_pol(state, out)
    if not (state.can_sign and state.is_proposer(round_number)):
        return state
    valid_block, valid_round = state.signer.valid_block, state.signer.valid_round
    if valid_block is not None and valid_block in state.blocks:
        # Lines 15-16, 19: re-propose validValue with validRound as the POL round. A
        # restart puts back the POL the signer state holds (engine._pol_tally); without it
        # (a file of an older build) proposing the value with pol_round -1 is still safe
        # (safety never depends on the proposer) and lets unlocked replicas and replicas
        # locked on it prevote for it (line 23).
        pol = state.votes.count(valid_round, VoteType.PREVOTE, valid_block)
        pol_round = valid_round if pol >= state.quorum else -1
        return cast_proposal(state, valid_block, state.blocks[valid_block], pol_round, out)
    # Line 18: getValue() is the node's job; it answers with ProposalSubmitted.
    out.append(RequestProposal(height=state.height, round=round_number))
    return replace(state, awaiting_proposal=True)


def fire_due_timeouts(state: ReplicaState, out: list[Action]) -> ReplicaState:
    """Fire every pending timeout whose deadline has passed, in deadline order."""
    due = sorted(
        (t for t in state.timeouts if t.deadline_ms <= state.now_ms), key=lambda t: t.deadline_ms
    )
    if not due:
        return state
    remaining = tuple(
        t for t in state.timeouts if t.deadline_ms > state.now_ms and t.height >= state.height
    )
    state = replace(state, timeouts=remaining)
    for timeout in due:
        state = _fire(state, timeout, out)
    return state


def _fire(state: ReplicaState, timeout: ScheduleTimeout, out: list[Action]) -> ReplicaState:
    current = timeout.height == state.height and timeout.round == state.round
    if not current or state.step is Step.COMMITTING:
        return state
    if timeout.step is TimeoutKind.PROPOSE and state.step is Step.PROPOSE:
        # Lines 57-60: OnTimeoutPropose.
        state = cast_vote(state, VoteType.PREVOTE, None, out)
        return replace(state, step=Step.PREVOTE)
    if timeout.step is TimeoutKind.PREVOTE and state.step is Step.PREVOTE:
        # Lines 61-64: OnTimeoutPrevote.
        state = cast_vote(state, VoteType.PRECOMMIT, None, out)
        return replace(state, step=Step.PRECOMMIT)
    if timeout.step is TimeoutKind.PRECOMMIT:
        # Lines 65-67: OnTimeoutPrecommit.
        return start_round(state, state.round + 1, out)
    if timeout.step is TimeoutKind.ROUND:
        # Not in Alg. 1: a round whose votes died with a crashed replica's memory would
        # never reach line 47. Starting the next round is always safe (docs/CONSENSUS.md).
        if waits_for_those_behind(state):
            state = replace(state, round_held=True)
            return schedule_timeout(state, TimeoutKind.ROUND, out)
        return start_round(state, state.round + 1, out)
    if timeout.step is TimeoutKind.RETRANSMIT:
        return retransmit(state, out)
    return state


def retransmit(state: ReplicaState, out: list[Action]) -> ReplicaState:
    """Re-broadcast our own messages of this round, or our status if we sent none.

    The paper assumes gossip that eventually delivers every message between correct
    processes after GST; our links may drop messages before GST, so we resend.
    """
    own = own_round_messages(state)
    out.extend(Broadcast(message=message) for message in own)
    if not own:
        out.append(Broadcast(message=StatusMessage(height=state.height)))
    if waits_for_those_behind(state):
        relay_round_votes(state, out)
    if state.decisions:
        # So that certificates of conflicting decisions meet (consensus/fork_evidence.py).
        recent = sorted(state.decisions)[-CERTIFICATES_MAX:]
        certificates = tuple(state.decisions[h].certificate for h in recent)
        out.append(Broadcast(message=CertificatesMessage(certificates=certificates)))
    for block in missing_blocks(state):
        out.append(Broadcast(message=BlockRequest(height=state.height, block_hash=block)))
    return schedule_timeout(state, TimeoutKind.RETRANSMIT, out)


def own_round_messages(state: ReplicaState) -> list[Message]:
    """Our own signed messages of the current round, as sent: our proposal (if we are its
    proposer and made one), then our prevote and precommit. Nothing new is signed.

    What retransmit re-broadcasts; the node also sends them to a peer that just became
    reachable (node/runtime.py), which missed them while it was not.
    """
    messages: list[Message] = []
    own = state.proposals.get(state.round)
    if own is not None and own.signed.proposer == state.public_key:
        messages.append(own)
    for vote_type in VoteType:
        vote = state.votes.get(state.round, vote_type, state.public_key)
        if vote is not None:
            messages.append(vote)
    return messages


def missing_blocks(state: ReplicaState) -> list[Hash32]:
    """Blocks we are locked on, hold as valid value, or see q precommits for, without payload."""
    wanted = {state.signer.locked_block, state.signer.valid_block}
    for round_number in state.votes.rounds(VoteType.PRECOMMIT):
        wanted.add(state.votes.block_with(round_number, VoteType.PRECOMMIT, state.quorum))
    return sorted(b for b in wanted if b is not None and b not in state.blocks)


def skip_to_higher_round(state: ReplicaState, out: list[Action]) -> ReplicaState | None:
    """Lines 55-56: f+1 messages of a round above ours start that round. None: no skip."""
    candidates = set(state.proposals) | {
        r for vote_type in VoteType for r in state.votes.rounds(vote_type)
    }
    for round_number in sorted(candidates, reverse=True):
        if round_number <= state.round:
            return None
        senders = set(state.votes.voters_in_round(round_number))
        proposal = state.proposals.get(round_number)
        if proposal is not None:
            senders.add(proposal.signed.proposer)
        if len(senders) >= state.skip_threshold:
            return start_round(state, round_number, out)
    return None


def catch_up(state: ReplicaState, out: list[Action]) -> ReplicaState | None:
    """Not in Alg. 1: follow validators in a higher round that our round cannot do without
    (docs/CONSENSUS.md, "Round skipping"). None: stay.

    The skip rule (line 55) needs f+1 validators in the higher round. At n=3 with one
    validator silent only one can be there; at n=4 with one silent, one can be ahead of the
    other two. Either way the ones behind met the one ahead only through their own round
    timeouts, and once those reached the cap rounds lasted alike and the gap never closed.
    So: once our round has lasted its three step timeouts (as long as a round in which
    nothing arrived on time lasts, line 65), if fewer than q validators, us included, were
    heard (within a round timeout) in our round or below and some above, move up
    (`round_to_catch_up`).

    Starting a round signs nothing (addition 2), so this is safe whatever it does; the
    count is what keeps it live. q validators in one round never move each other this way
    (our round may still gather a quorum), so a Byzantine validator cannot drag a quorum of
    honest ones (what the f+1 of line 55 guards against), and the ones ahead of a group that
    lacks q never follow it: the group below holds them, also once it has joined their
    round. At n=3 (q=2) this is the rule as it was until n=4 was tried (a validator heard in
    our round or below holds us). A Byzantine validator voting in the round of two honest
    ones behind a third still makes them q and holds them here; the one ahead then waits
    for them instead (waits_for_those_behind).
    """
    if state.step is Step.COMMITTING:
        return None
    round_ms = state.config.timeouts.duration_ms(TimeoutKind.ROUND, state.round)
    if state.now_ms - state.round_started_ms < round_ms // 2:
        return None
    ours = (state.height, state.round)
    heard = _heard_live(state, round_ms)
    above = [round_number for height, round_number in heard if (height, round_number) > ours]
    at_or_below = 1 + len(heard) - len(above)  # us, and the others
    if not above or at_or_below >= state.quorum:
        return None
    return start_round(state, round_to_catch_up(state, above), out)


def round_to_catch_up(state: ReplicaState, above: list[int]) -> int:
    """The round catch_up starts, given the rounds of the validators heard above ours.

    f_S+1 of them or more (more than the equivocating validators the set tolerates): the
    highest round that k are heard in or above, k = min(len(above), f+1) with line 55's f
    (`skip_threshold`). At least one of the f_S+1 is correct, and a correct replica is
    where it was heard or higher (intake.heard only moves up), so that round is never
    above every correct replica's: a gap timing or restarts left closes at once. Fewer:
    the next round, whatever round they claim. At n=7 (f_S = 2) two Byzantine validators'
    claims could be all of it, and joining the round one names let it pull a replica 2^19
    rounds up while the other held those behind in their round (stop 50); stepping moves
    us no faster than our own step timeouts would. At n=3, q=2 (f_S = 0, no Byzantine
    validator tolerated) one validator above is followed at once, as before stop 51: a
    validator back after its peer timed rounds alone rejoins it in seconds, not one round
    per half round timeout (78 s after 150 s alone, measured with the step); with both
    others above, the lower of the two.
    """
    if len(above) < state.validators.max_safety_faults + 1:
        return state.round + 1
    k = min(len(above), state.skip_threshold)
    return sorted(above, reverse=True)[k - 1]


def _heard_live(state: ReplicaState, round_ms: int) -> list[tuple[int, int]]:
    """(height, round) of each other validator of our set heard within round_ms: one
    silent for a whole round timeout (crashed, or cut off) counts nowhere."""
    return [
        (height, round_number)
        for validator, (height, round_number, at_ms) in state.rounds_heard.items()
        if validator != state.public_key
        and state.validators.contains(validator)
        and state.now_ms - at_ms <= round_ms
    ]


def waits_for_those_behind(state: ReplicaState) -> bool:
    """Not in Alg. 1: whether our round timeout waits (docs/CONSENSUS.md, "Round skipping").

    True when some validator was heard (within a round timeout) below our round and fewer
    than q, us included, at our round or above: our round cannot gather a quorum before
    those behind arrive, and if we moved on by our timeouts, as they do by theirs, past the
    timeout cap we would stay as far apart for ever; a Byzantine validator voting in their
    round keeps catch_up from bringing them up (it counts toward their q). So we wait, and
    they come to us by their round timeouts, which nothing a Byzantine sends can stop.

    Waiting signs nothing and starts no round, so it is safe whatever it does. It cannot
    stall: the lowest correct replica never waits, since the >= q correct validators are
    all at its round or above (after GST each is heard every retransmit_ms), so it moves up
    until it reaches the next correct ones, and so on. A Byzantine validator claiming a
    round below ours makes us wait only while fewer than q are at our round or above, i.e.
    while a correct one is really below us. Validators silent for a round timeout count
    nowhere, so one replica left alone times its rounds as before.
    """
    round_ms = state.config.timeouts.duration_ms(TimeoutKind.ROUND, state.round)
    ours = (state.height, state.round)
    heard = _heard_live(state, round_ms)
    below = sum(1 for where in heard if where < ours)
    at_or_above = 1 + len(heard) - below  # us, and the others
    return below > 0 and at_or_above < state.quorum


def release_round(state: ReplicaState, out: list[Action]) -> ReplicaState | None:
    """Start our held round over once we no longer wait for those behind: they have just
    arrived (or gone silent), and a full round timeout with them lets the round run its
    steps, or end for all of us at once on q precommits (line 47). None: nothing held."""
    if not state.round_held or waits_for_those_behind(state):
        return None
    current = (state.height, state.round)
    timeouts = tuple(
        t
        for t in state.timeouts
        if not (t.step is TimeoutKind.ROUND and (t.height, t.round) == current)
    )
    state = replace(state, round_held=False, round_started_ms=state.now_ms, timeouts=timeouts)
    return schedule_timeout(state, TimeoutKind.ROUND, out)


def relay_round_votes(state: ReplicaState, out: list[Action]) -> None:
    """Not in Alg. 1: while we wait in our round for those behind, pass on the vote that
    put each other validator heard at our round or above where we heard it
    (`heard_votes`, kept in the tally or not), so that those behind hear it there too.

    What a validator is heard saying reaches only whom it sends it to. A Byzantine one
    claiming a round far above ours to us alone, while another honest validator was not
    heard here (a partition), drew us up there by catch_up (before stop 51, which moves us
    a round at a time on fewer than f+1), and then held the two behind in their round (its
    prevote there makes them q, so catch_up keeps them): we waited for them and they
    climbed one round per round timeout, 2^19 rounds (simulator strategy pull_ahead).
    Relayed, its vote puts it at or above our round at those behind too: f+1 in our round
    (line 55), or fewer than q at theirs (catch_up, which then hears us and it above them,
    f+1 at n=4, and starts our round), and it can no longer be heard below (intake.heard
    only moves up). Not the vote that drew us, as a vote above the two future rounds kept
    per validator is heard but not kept: one seed of 200 still halted relaying the
    tally's votes of our round only."""
    ours = (state.height, state.round)
    out.extend(
        Broadcast(message=vote)
        for validator, vote in sorted(state.heard_votes.items())
        if validator != state.public_key
        and state.validators.contains(validator)
        and (vote.vote.height, vote.vote.round) >= ours
    )


def relay_valid_pol(state: ReplicaState, out: list[Action]) -> None:
    """Not in Alg. 1: pass on the POL of our valid value (the q prevotes behind it) as a new
    round starts. The paper's gossip relays what a correct process receives; our links carry
    only what each replica signed, so a POL whose last prevote reached only us (a Byzantine
    prevoter's) would stay ours, and a replica locked in an earlier round would refuse our
    value for ever (simulator strategy lost_pol; rules._pol_held_since_lock takes it up).
    Only from round 1: a height decided in round 0 needs no relay, and a relay on every
    lock cost ~15 % of committed tx/s and ~15 ms of single-tx latency (lantan bench, stop 48)."""
    valid_block, valid_round = state.signer.valid_block, state.signer.valid_round
    if valid_block is None or valid_round < 0:
        return
    pol = state.votes.votes_for(valid_round, VoteType.PREVOTE, valid_block)
    if len(pol) < state.quorum:
        return
    out.extend(Broadcast(message=vote) for vote in pol if vote.validator != state.public_key)
