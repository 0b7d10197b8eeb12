"""Each per-validator bound of consensus/intake.py says when it drops a message
(MessageDropped with its reason), so the node can count what an operator under a flood
would otherwise never see, and a live test can tell the bound fired."""

from dataclasses import replace

from consensus import Action, DropReason, MessageDropped, MessageReceived, ReplicaState, step
from protocol.signing import PublicKey
from tests.unit.consensus.harness import (
    COM,
    PRE,
    Harness,
    X,
    Y,
    block_hash,
    decided_height_1,
)


def _dropped(actions: list[Action]) -> list[DropReason]:
    return [a.reason for a in actions if isinstance(a, MessageDropped)]


def _at_round(h: Harness, me: int, round_number: int) -> ReplicaState:
    state, _ = h.start(me)
    return replace(state, round=round_number)


def test_votes_past_the_future_round_budget_are_dropped_and_said():
    h = Harness()
    me = h.non_proposer(1, 0)
    state, _ = h.start(me)
    flooder = next(i for i in range(4) if i != me)
    for round_number in (1, 2):  # its two rounds above ours: kept, nothing said
        state, actions = h.receive(state, h.vote(flooder, PRE, round_number, None), flooder)
        assert _dropped(actions) == []
    state, actions = h.receive(state, h.vote(flooder, PRE, 3, None), flooder)
    assert _dropped(actions) == [DropReason.FUTURE_ROUND_BUDGET]
    assert state.votes.rounds_of(h.key(flooder), above=0) == {1, 2}


def test_votes_past_the_past_round_budget_are_dropped_and_said():
    h = Harness()
    me = h.non_proposer(1, 40)
    state = _at_round(h, me, 40)
    flooder = next(i for i in range(4) if i != me)
    for round_number in range(10, 14):  # its four rounds long below ours
        state, actions = h.receive(state, h.vote(flooder, PRE, round_number, None), flooder)
        assert _dropped(actions) == []
    _, actions = h.receive(state, h.vote(flooder, PRE, 14, None), flooder)
    assert _dropped(actions) == [DropReason.PAST_ROUND_BUDGET]
    # A vote of the round before ours is merely late: kept whatever the budget.
    _, actions = h.receive(state, h.vote(flooder, COM, 39, None), flooder)
    assert _dropped(actions) == []


def test_late_votes_of_the_decided_height_past_their_budget_are_dropped_and_said():
    h = Harness(n=3, quorum=2)
    state, (flooder, _) = decided_height_1(h)
    for round_number in (1000, 2000):
        state, actions = h.receive(state, h.vote(flooder, PRE, round_number, None, height=1))
        assert _dropped(actions) == []
    _, actions = h.receive(state, h.vote(flooder, PRE, 3000, None, height=1))
    assert _dropped(actions) == [DropReason.LATE_VOTE_BUDGET]


def test_a_proposal_of_a_round_below_ours_not_wanted_is_dropped_and_said():
    h = Harness()
    me = h.non_proposer(1, 0)
    state = _at_round(h, me, 9)
    _, actions = h.receive(state, h.proposal(3, Y))
    assert _dropped(actions) == [DropReason.STALE_PROPOSAL]
    for i in (i for i in range(4) if i != me):
        state, _ = h.receive(state, h.vote(i, COM, 3, block_hash(Y)), sender=i)
    _, actions = h.receive(state, h.proposal(3, Y))  # q precommits for it: wanted
    assert _dropped(actions) == []


def test_a_message_past_its_senders_share_of_the_next_heights_buffer_is_dropped_and_said():
    h = Harness()
    me = h.non_proposer(1, 0)
    state, _ = h.start(me)
    other = next(i for i in range(4) if i != me)
    share = state.config.future_buffer_max // 4
    for round_number in range(share):
        state, actions = h.receive(state, h.vote(other, PRE, round_number, None, height=2), other)
        assert _dropped(actions) == []
    state, actions = h.receive(state, h.vote(other, PRE, share, None, height=2), other)
    assert _dropped(actions) == [DropReason.NEXT_HEIGHT_SHARE]  # its oldest made room
    _, actions = h.receive(state, h.vote(other, PRE, share, None, height=2), other)
    assert _dropped(actions) == [], "a copy already held is no drop"


def test_a_full_next_height_buffer_drops_and_says_so():
    # The share is by the set's size, so a peer outside the set (an observer) finds the
    # buffer full once every validator holds its share: the buffer's own bound drops it.
    h = Harness()
    me = h.non_proposer(1, 0)
    state, _ = h.start(me)
    state = replace(state, config=replace(state.config, future_buffer_max=4))
    for i in range(4):
        state, _ = h.receive(state, h.vote(i, PRE, 0, None, height=2), i)
    assert len(state.future) == 4
    observer = PublicKey(bytes(32))
    message = MessageReceived(sender=observer, message=h.vote(0, COM, 0, None, height=2))
    after, actions = step(state, message)
    assert _dropped(actions) == [DropReason.NEXT_HEIGHT_SHARE]
    assert after.future == state.future


def test_a_vote_or_proposal_past_the_round_window_is_dropped_and_said():
    h = Harness()
    me = h.non_proposer(1, 0)
    state, _ = h.start(me)
    far = state.round + state.config.round_window + 1
    other = next(i for i in range(4) if i != me)
    _, actions = h.receive(state, h.vote(other, PRE, far, None), other)
    assert _dropped(actions) == [DropReason.OUTSIDE_WINDOW]
    _, actions = h.receive(state, h.vote(other, PRE, far - 1, None), other)
    assert DropReason.OUTSIDE_WINDOW not in _dropped(actions)
    _, actions = h.receive(state, h.proposal(far, Y))
    assert _dropped(actions) == [DropReason.OUTSIDE_WINDOW]


def test_a_proposal_more_than_one_round_ahead_is_dropped_and_said():
    h = Harness()
    me = h.non_proposer(1, 0)
    state, _ = h.start(me)
    _, actions = h.receive(state, h.proposal(2, Y))
    assert _dropped(actions) == [DropReason.FUTURE_PROPOSAL]
    after, actions = h.receive(state, h.proposal(1, Y))  # the next round's: kept
    assert _dropped(actions) == [] and 1 in after.proposals


def test_a_second_proposal_for_a_round_is_dropped_and_said():
    # An equivocating proposer: its second block for the round is neither stored nor
    # validated unless a quorum names it.
    h = Harness()
    me = h.non_proposer(1, 0)
    state, _ = h.start(me)
    state, actions = h.receive(state, h.proposal(0, X))
    assert _dropped(actions) == []
    after, actions = h.receive(state, h.proposal(0, Y))
    assert _dropped(actions) == [DropReason.SECOND_PROPOSAL]
    assert block_hash(Y) not in after.blocks
