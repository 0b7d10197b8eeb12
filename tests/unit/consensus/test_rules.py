"""One test per rule of Algorithm 1 in Buchman, Kwon, Milosevic, "The latest gossip on BFT
consensus" (2018), named by its line numbers. n=4, q=3 (f_S = 1) unless stated."""

from dataclasses import replace

from consensus import (
    Action,
    Broadcast,
    CommitApplied,
    CommitBlock,
    ProposalRefused,
    ProposalSubmitted,
    RequestProposal,
    ScheduleTimeout,
    SignerState,
    Step,
    Tick,
    TimeoutKind,
    ValidateProposal,
)
from consensus.messages import ProposalMessage
from consensus.signer_state import SignedStep
from consensus.votes_tally import VOTES_PER_SLOT_MAX
from protocol.votes import SignedVote
from tests.unit.consensus.harness import (
    COM,
    PRE,
    Harness,
    X,
    Y,
    block_hash,
    broadcast_votes,
    feed,
    sent_proposals,
    validated,
)


def _at_propose(h: Harness, me: int, round_number: int = 0):
    state, _ = h.start(me)
    if round_number:
        state = replace(state, round=round_number)
    return state


def _prevote_step(h: Harness, me: int, proposal: ProposalMessage, *, valid: bool = True):
    """me at round 0 receives proposal and has the node's verdict on it: now in prevote."""
    state = _at_propose(h, me)
    state, _ = h.receive(state, proposal)
    state, actions = feed(state, validated(proposal, valid=valid))
    assert state.step is Step.PREVOTE
    return state, actions


def _prevoting_with_others(h: Harness):
    """A non-proposer of round 0 in prevote on a valid proposal for X, and the other three."""
    me = h.non_proposer(1, 0)
    state, _ = _prevote_step(h, me, h.proposal(0, X))
    return state, [i for i in range(4) if i != me]


def test_lines_11_to_21_start_round_proposer_asks_node_and_others_wait_for_proposal():
    h = Harness()
    proposer = h.proposer_index(1, 0)
    _, actions = h.start(proposer)
    assert RequestProposal(height=1, round=0) in actions
    _, actions = h.start(h.non_proposer(1, 0))
    kinds = {a.step for a in actions if isinstance(a, ScheduleTimeout)}
    assert TimeoutKind.PROPOSE in kinds
    assert not any(isinstance(a, RequestProposal) for a in actions)


def test_line_19_proposer_broadcasts_the_block_the_node_built():
    h = Harness()
    state, _ = h.start(h.proposer_index(1, 0))
    event = ProposalSubmitted(height=1, round=0, block_hash=block_hash(X), payload=X)
    state, actions = feed(state, event)
    proposals = sent_proposals(actions)
    assert [p.signed.proposal.block_hash for p in proposals] == [block_hash(X)]
    # Line 22 then applies to our own proposal: we prevote for it.
    assert [v.block_hash for v in broadcast_votes(actions, PRE)] == [block_hash(X)]


def test_lines_15_16_proposer_reproposes_valid_value_with_valid_round_and_its_pol():
    h = Harness()
    me = h.proposer_index(1, 1)
    state = _at_propose(h, me)
    proposal = h.proposal(0, X)
    state, _ = h.receive(state, proposal)
    state, _ = feed(state, validated(proposal))
    for i in range(3):
        state, _ = h.receive(state, h.vote(i, PRE, 0, block_hash(X)))
    assert state.signer.valid_round == 0 and state.signer.valid_block == block_hash(X)
    state, actions = feed(state, Tick(now_ms=10_000))  # timeouts move us to round 1
    ours = [m for m in sent_proposals(actions) if m.signed.proposal.round == 1]
    assert ours, "the round-1 proposer re-proposes"
    assert ours[0].signed.proposal.block_hash == block_hash(X)
    assert ours[0].signed.proposal.pol_round == 0
    assert len(ours[0].pol_votes) >= 3


def test_lines_22_to_27_prevote_valid_proposal_when_unlocked():
    h = Harness()
    _, actions = _prevote_step(h, h.non_proposer(1, 0), h.proposal(0, X))
    assert [v.block_hash for v in broadcast_votes(actions, PRE)] == [block_hash(X)]


def test_line_26_prevote_nil_for_an_invalid_proposal():
    h = Harness()
    _, actions = _prevote_step(h, h.non_proposer(1, 0), h.proposal(0, X), valid=False)
    assert [v.block_hash for v in broadcast_votes(actions, PRE)] == [None]


def test_line_23_prevote_nil_when_locked_on_another_value():
    h = Harness()
    me = h.non_proposer(1, 1)
    state = _at_propose(h, me, round_number=1)
    locked = replace(state.signer, locked_round=0, locked_block=block_hash(Y))
    state = replace(state, signer=locked)
    proposal = h.proposal(1, X)
    state, _ = h.receive(state, proposal)
    _, actions = feed(state, validated(proposal))
    assert [v.block_hash for v in broadcast_votes(actions, PRE)] == [None]


def test_lines_28_to_33_prevote_for_value_with_pol_at_or_after_our_lock():
    h = Harness()
    me = h.non_proposer(1, 2)
    state = _at_propose(h, me, round_number=2)
    state = replace(state, signer=replace(state.signer, locked_round=0, locked_block=block_hash(Y)))
    pol = tuple(h.vote(i, PRE, 1, block_hash(X)) for i in range(3))
    proposal = h.proposal(2, X, pol_round=1, pol_votes=pol)
    state, _ = h.receive(state, proposal)
    _, actions = feed(state, validated(proposal))
    assert [v.block_hash for v in broadcast_votes(actions, PRE)] == [block_hash(X)]


def test_line_28_waits_for_the_pol_prevotes_before_prevoting():
    h = Harness()
    me = h.non_proposer(1, 2)
    state = _at_propose(h, me, round_number=2)
    proposal = h.proposal(2, X, pol_round=1)  # no POL attached, none received
    state, _ = h.receive(state, proposal)
    state, actions = feed(state, validated(proposal))
    assert state.step is Step.PROPOSE and not broadcast_votes(actions)


def test_lines_34_35_schedule_prevote_timeout_on_q_prevotes_of_anything_once():
    h = Harness()
    state, others = _prevoting_with_others(h)
    state, actions = h.receive(state, h.vote(others[0], PRE, 0, None))
    assert not any(
        isinstance(a, ScheduleTimeout) and a.step is TimeoutKind.PREVOTE for a in actions
    )
    state, actions = h.receive(state, h.vote(others[1], PRE, 0, block_hash(Y)))
    assert any(isinstance(a, ScheduleTimeout) and a.step is TimeoutKind.PREVOTE for a in actions)
    _, actions = h.receive(state, h.vote(others[2], PRE, 0, None))
    assert not any(
        isinstance(a, ScheduleTimeout) and a.step is TimeoutKind.PREVOTE for a in actions
    )


def test_lines_36_to_43_polka_locks_precommits_and_sets_valid_value():
    h = Harness()
    me = h.non_proposer(1, 0)
    state, _ = _prevote_step(h, me, h.proposal(0, X))
    actions = []
    for i in (i for i in range(4) if i != me):
        state, more = h.receive(state, h.vote(i, PRE, 0, block_hash(X)))
        actions += more
    assert [v.block_hash for v in broadcast_votes(actions, COM)] == [block_hash(X)]
    assert (state.signer.locked_round, state.signer.locked_block) == (0, block_hash(X))
    assert (state.signer.valid_round, state.signer.valid_block) == (0, block_hash(X))
    assert state.step is Step.PRECOMMIT


def test_lines_44_to_46_nil_polka_precommits_nil():
    h = Harness()
    me = h.non_proposer(1, 0)
    state, _ = _prevote_step(h, me, h.proposal(0, X))
    actions = []
    for i in [i for i in range(4) if i != me][:3]:
        state, more = h.receive(state, h.vote(i, PRE, 0, None))
        actions += more
    assert [v.block_hash for v in broadcast_votes(actions, COM)] == [None]
    assert state.signer.locked_round == -1


def test_lines_47_48_schedule_precommit_timeout_on_q_precommits_of_anything():
    h = Harness()
    me = h.non_proposer(1, 0)
    state = _at_propose(h, me)
    actions = []
    for i, block in zip([i for i in range(4) if i != me], (None, block_hash(Y), None), strict=True):
        state, more = h.receive(state, h.vote(i, COM, 0, block))
        actions += more
    assert any(isinstance(a, ScheduleTimeout) and a.step is TimeoutKind.PRECOMMIT for a in actions)


def test_lines_49_to_54_decide_then_start_next_height_without_lock():
    h = Harness()
    me = h.non_proposer(1, 0)
    proposal = h.proposal(0, X)
    state, _ = _prevote_step(h, me, proposal)
    state = replace(state, signer=replace(state.signer, locked_round=0, locked_block=block_hash(X)))
    actions = []
    for i in [i for i in range(4) if i != me][:3]:
        state, more = h.receive(state, h.vote(i, COM, 0, block_hash(X)))
        actions += more
    commits = [a for a in actions if isinstance(a, CommitBlock)]
    assert [(c.height, c.block_hash, c.payload) for c in commits] == [(1, block_hash(X), X)]
    assert len(commits[0].certificate.signatures) == 3
    assert state.step is Step.COMMITTING
    state, _ = feed(state, CommitApplied(height=1, next_validators=h.validators))
    assert (state.height, state.round, state.step) == (2, 0, Step.PROPOSE)
    assert state.signer.locked_round == -1 and state.signer.valid_block is None


def test_line_50_never_decides_an_invalid_block():
    h = Harness()
    me = h.non_proposer(1, 0)
    state, _ = _prevote_step(h, me, h.proposal(0, X), valid=False)
    for i in [i for i in range(4) if i != me][:3]:
        state, actions = h.receive(state, h.vote(i, COM, 0, block_hash(X)))
        assert not any(isinstance(a, CommitBlock) for a in actions)


def test_lines_55_56_skip_to_round_with_f_plus_one_messages():
    h = Harness()  # f_S = 2q - n - 1 = 1, so two validators from round 5 are needed
    me = h.non_proposer(1, 0)
    state = _at_propose(h, me)
    others = [i for i in range(4) if i != me]
    state, _ = h.receive(state, h.vote(others[0], PRE, 5, None))
    assert state.round == 0
    state, _ = h.receive(state, h.vote(others[1], COM, 5, None))
    assert state.round == 5


def test_line_55_one_byzantine_sender_never_moves_n3_alone():
    # f_S = 0 but f_L = 1 at n=3: with f = f_S one message skipped, so one Byzantine
    # validator could drag the honest pair from round to round (issue 10). f = max(f_S, f_L).
    h = Harness(n=3, quorum=2)
    me = h.non_proposer(1, 0)
    state = _at_propose(h, me)
    first, second = (i for i in range(3) if i != me)
    for round_number in (3, 4, 7):
        state, _ = h.receive(state, h.vote(first, PRE, round_number, None))
    assert state.round == 0
    state, _ = h.receive(state, h.vote(second, COM, 4, None))
    assert state.round == 4


def test_a_validators_votes_are_kept_for_two_rounds_ahead_at_most():
    h = Harness()
    me = h.non_proposer(1, 0)
    state = _at_propose(h, me)
    flooder = next(i for i in range(4) if i != me)
    for round_number in range(1, 50):
        state, _ = h.receive(state, h.vote(flooder, PRE, round_number, None))
    assert state.votes.rounds_of(h.key(flooder), above=0) == {1, 2}


def test_lines_57_to_60_propose_timeout_prevotes_nil():
    h = Harness()
    state = _at_propose(h, h.non_proposer(1, 0))
    state, actions = feed(state, Tick(now_ms=1000))
    assert [v.block_hash for v in broadcast_votes(actions, PRE)] == [None]
    assert state.step is Step.PREVOTE


def test_lines_61_to_64_prevote_timeout_precommits_nil():
    h = Harness()
    state, others = _prevoting_with_others(h)
    state, _ = h.receive(state, h.vote(others[0], PRE, 0, None))
    state, _ = h.receive(state, h.vote(others[1], PRE, 0, block_hash(Y)))
    state, actions = feed(state, Tick(now_ms=500))
    assert [v.block_hash for v in broadcast_votes(actions, COM)] == [None]


def test_lines_65_to_67_precommit_timeout_starts_next_round():
    h = Harness()
    me = h.non_proposer(1, 0)
    state = _at_propose(h, me)
    for i in [i for i in range(4) if i != me][:3]:
        state, _ = h.receive(state, h.vote(i, COM, 0, None))
    state, _ = feed(state, Tick(now_ms=500))
    assert state.round == 1 and state.step in (Step.PROPOSE, Step.PREVOTE)


def test_round_timeouts_grow_linearly_and_are_capped():
    timeouts = Harness().config(0).timeouts
    durations = [timeouts.duration_ms(TimeoutKind.PROPOSE, r) for r in (0, 1, 2, 10)]
    assert durations == [1000, 1100, 1200, 1500]


def test_a_proposal_whose_payload_is_not_its_block_is_refused_and_said() -> None:
    """Signed by its round's proposer, but its payload is not the block it names: dropped as
    before (it is no proposal of that block), and now a ProposalRefused action, which the
    node logs: only the proposer could have sent it (a hostile pass found it silent)."""
    h = Harness()
    me = h.non_proposer(1, 0)
    state, _ = h.start(me)
    honest = h.proposal(0, X)
    forged = replace(honest, payload=Y)
    state, actions = h.receive(state, forged)
    refused = [a for a in actions if isinstance(a, ProposalRefused)]
    proposer = h.signers[h.proposer_index(1, 0)].public_key
    assert refused == [
        ProposalRefused(height=1, round=0, proposer=proposer, block_hash=block_hash(X))
    ]
    assert 0 not in state.proposals  # not taken
    state, actions = h.receive(state, honest)
    assert state.proposals[0] == honest  # the real one still is
    assert not [a for a in actions if isinstance(a, ProposalRefused)]


def test_votes_of_rounds_long_below_ours_are_kept_for_four_rounds_per_validator_at_most():
    # One validator alone ahead moved a replica up by 2^20 rounds (rounds.catch_up before
    # stop 50, the third validator silent); every round below then took its votes: 20,000
    # votes took 59 s of steps, each slower than the last. Here it resumes up there.
    h = Harness(n=3, quorum=2)
    me = h.non_proposer(1, 1 << 20)
    resumed = SignerState(height=1, round=1 << 20, step=SignedStep.PREVOTE, block_hash=None)
    state, _ = h.start(me, signer_state=resumed)
    flooder = next(i for i in range(3) if i != me)
    assert state.round == 1 << 20
    for round_number in range(0, 1 << 20, 1 << 12):
        state, _ = h.receive(state, h.vote(flooder, PRE, round_number, None), sender=flooder)
    assert len(state.votes.rounds_of(h.key(flooder), below=state.round - 1)) == 4
    late = h.vote(flooder, COM, state.round - 1, None)
    state, _ = h.receive(state, late, sender=flooder)
    assert state.votes.contains(late), "a vote of the round before ours is merely late"


def test_line_28_counts_a_pol_of_a_round_long_past_whatever_its_voters_sent_before():
    h = Harness()
    me = h.non_proposer(1, 40)
    state = _at_propose(h, me, round_number=40)
    others = [i for i in range(4) if i != me]
    for i in others:  # their budget of rounds long past, filled
        for round_number in range(10, 14):
            state, _ = h.receive(state, h.vote(i, PRE, round_number, None), sender=i)
    pol = tuple(h.vote(i, PRE, 1, block_hash(X)) for i in others)
    proposal = h.proposal(40, X, pol_round=1, pol_votes=pol)
    state, _ = h.receive(state, proposal)
    _, actions = feed(state, validated(proposal))
    assert [v.block_hash for v in broadcast_votes(actions, PRE)] == [block_hash(X)]


def _slot_filled_with_other_blocks(h: Harness, state, index: int, round_number: int):
    """index signs VOTES_PER_SLOT_MAX prevotes of round_number for blocks nobody proposed."""
    for n in range(VOTES_PER_SLOT_MAX):
        junk = block_hash(b"junk %d" % n)
        state, _ = h.receive(state, h.vote(index, PRE, round_number, junk), sender=index)
    return state


def test_line_28_counts_the_pol_vote_of_a_validator_that_filled_its_slot_before():
    # Simulator seed 20,000,005 (n=7, pull_ahead+split_votes): the splitter sent two honest
    # replicas four conflicting prevotes of the POL's round, so its real prevote, the last
    # of the POL, was refused by the bound on votes per slot; three honest replicas locked
    # on the block, the two others never saw its POL, and no block came for 600 s.
    h = Harness()
    me = h.non_proposer(1, 2)
    others = [i for i in range(4) if i != me]
    state = _slot_filled_with_other_blocks(h, _at_propose(h, me, round_number=2), others[0], 1)
    pol = tuple(h.vote(i, PRE, 1, block_hash(X)) for i in others)
    proposal = h.proposal(2, X, pol_round=1, pol_votes=pol)
    state, _ = h.receive(state, proposal)
    assert state.votes.count(1, PRE, block_hash(X)) == 3
    _, actions = feed(state, validated(proposal))
    assert [v.block_hash for v in broadcast_votes(actions, PRE)] == [block_hash(X)]


def test_a_pol_short_of_a_quorum_keeps_no_vote_past_the_bound():
    # Else a Byzantine proposer could take the one vote past the bound with a block no
    # quorum prevoted, and the real POL's vote would be refused again.
    h = Harness()
    me = h.non_proposer(1, 2)
    others = [i for i in range(4) if i != me]
    state = _slot_filled_with_other_blocks(h, _at_propose(h, me, round_number=2), others[0], 1)
    pol = tuple(h.vote(i, PRE, 1, block_hash(X)) for i in others[:2])
    state, _ = h.receive(state, h.proposal(2, X, pol_round=1, pol_votes=pol))
    assert len(state.votes.slots[(1, PRE)][h.key(others[0])]) == VOTES_PER_SLOT_MAX
    assert state.votes.count(1, PRE, block_hash(X)) == 1


def test_a_proposal_of_a_round_below_ours_is_kept_only_for_a_payload_we_need():
    # The rules read only our round's proposal: before, a proposer's block for every
    # round below ours was stored and executed (ValidateProposal).
    h = Harness()
    me = h.non_proposer(1, 0)
    state = _at_propose(h, me, round_number=9)
    old = h.proposal(3, Y)
    state, actions = h.receive(state, old)
    assert 3 not in state.proposals and block_hash(Y) not in state.blocks
    assert not [a for a in actions if isinstance(a, ValidateProposal)]
    for i in (i for i in range(4) if i != me):
        state, _ = h.receive(state, h.vote(i, COM, 3, block_hash(Y)), sender=i)
    state, actions = h.receive(state, old)  # q precommits for it: its payload decides
    assert state.blocks[block_hash(Y)] == Y
    assert [a.block_hash for a in actions if isinstance(a, ValidateProposal)] == [block_hash(Y)]


def _prevote_when_locked_holding_a_pol(*, locked_round: int, pol_round: int):
    """A non-proposer of round 3, locked on Y in locked_round, holding q prevotes for X in
    pol_round, receives a proposal for X naming no POL: what it prevotes."""
    h = Harness()
    me = h.non_proposer(1, 3)
    state = _at_propose(h, me, round_number=3)
    lock = replace(state.signer, locked_round=locked_round, locked_block=block_hash(Y))
    state = replace(state, signer=lock)
    for i in [i for i in range(4) if i != me]:
        state, _ = h.receive(state, h.vote(i, PRE, pol_round, block_hash(X)))
    proposal = h.proposal(3, X)
    state, _ = h.receive(state, proposal)
    _, actions = feed(state, validated(proposal))
    return [v.block_hash for v in broadcast_votes(actions, PRE)]


def test_line_29_a_pol_we_hold_at_or_after_our_lock_lets_us_prevote_a_proposal_without_one():
    """The proposal names no POL (a restarted proposer lost it: rounds.start_round), but we
    hold q prevotes for its value in a round at or after our lock and below ours: line 29's
    condition holds for that round. Before, we prevoted nil: with the proposer's lock the
    later one, neither lock ever gave way (the simulator's lost_pol halted)."""
    assert _prevote_when_locked_holding_a_pol(locked_round=1, pol_round=2) == [block_hash(X)]


def test_line_29_a_pol_we_hold_below_our_lock_does_not_unlock_us():
    assert _prevote_when_locked_holding_a_pol(locked_round=2, pol_round=1) == [None]


def _relayed(h: Harness, me: int, actions: list[Action]) -> set[bytes]:
    """Whose prevotes other than ours actions broadcast."""
    return {
        a.message.validator
        for a in actions
        if isinstance(a, Broadcast)
        and isinstance(a.message, SignedVote)
        and a.message.vote.type is PRE
        and a.message.validator != h.key(me)
    }


def test_a_polka_is_passed_on_as_the_next_round_starts_not_as_we_lock():
    """The paper's gossip relays what a correct process receives; our links carry only what
    each replica signed. A POL whose last prevote reached only us (a Byzantine prevoter's)
    stays ours, so we pass its prevotes on when a later round starts (rounds.relay_valid_pol);
    not as we lock, when round 0 may still decide (that cost ~15 % of tx/s)."""
    h = Harness()
    me = h.non_proposer(1, 0)
    state, _ = _prevote_step(h, me, h.proposal(0, X))
    at_lock: list[Action] = []
    others = [i for i in range(4) if i != me][:2]  # with our own prevote: q
    for i in others:
        state, more = h.receive(state, h.vote(i, PRE, 0, block_hash(X)))
        at_lock += more
    assert state.signer.locked_block == block_hash(X)
    assert _relayed(h, me, at_lock) == set()
    next_round: list[Action] = []
    for i in others:  # f + 1 messages of round 1 (line 55)
        state, more = h.receive(state, h.vote(i, PRE, 1, None))
        next_round += more
    assert state.round == 1
    assert _relayed(h, me, next_round) == {h.key(i) for i in others}
