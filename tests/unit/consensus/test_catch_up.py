"""rounds.catch_up and the wait of the one ahead: following validators in a higher round our
round cannot do without (n=3, q=2 and n=4, q=3, one validator silent or Byzantine;
docs/CONSENSUS.md, "Round skipping"). Unit timeouts: round 0's step
timeouts sum to 2000 ms, its round timeout is 4000 ms."""

from consensus import Action, Broadcast, CommitApplied, ReplicaState, Tick
from consensus.rounds import retransmit, waits_for_those_behind
from protocol.votes import SignedVote
from tests.kit.engine_config import scaled_timeouts
from tests.kit.validators import validator_set_of
from tests.unit.consensus.harness import COM, PRE, Harness, X, block_hash, feed, validated


def _pair() -> tuple[Harness, int, int, int]:
    """n=3: me (not proposing round 0), and the two others."""
    h = Harness(n=3, quorum=2)
    me = h.non_proposer(1, 0)
    first, second = (i for i in range(3) if i != me)
    return h, me, first, second


def test_a_lone_validator_in_a_higher_round_is_joined_after_our_step_timeouts():
    h, me, ahead, _silent = _pair()
    state, _ = h.start(me)
    state, _ = h.receive(state, h.vote(ahead, PRE, 7, None), sender=ahead)
    state, _ = feed(state, Tick(now_ms=1999))
    assert state.round == 0, "not before the round has lasted its step timeouts"
    state, _ = feed(state, Tick(now_ms=2000))
    # n=3, q=2: f_S = 0, so one validator above is followed at once (round_to_catch_up).
    assert state.round == 7


def test_fewer_than_f_plus_1_above_move_us_one_round_whatever_round_they_claim():
    """Stop 50: fewer than f+1 validators above may all be Byzantine, so catch_up moves us
    as our own timeouts would, one round (at most one per half round timeout), never to
    the round a claim names: at n=7 one Byzantine validator pulled a replica 2^19 rounds
    up while the other held those behind, and nothing brought them together
    (tests/simulation/test_byzantine_strategies.py, the n=7 pull). Here n=7, f+1=3: two
    above, one claiming 2^19, three silent."""
    h = Harness(n=7, quorum=5)
    me = h.non_proposer(1, 0)
    pulling, ahead, *_silent = (i for i in range(7) if i != me)
    state, _ = h.start(me)
    state, _ = h.receive(state, h.vote(pulling, PRE, 1 << 19, None), sender=pulling)
    state, _ = h.receive(state, h.vote(ahead, PRE, 6, None), sender=ahead)
    state, _ = feed(state, Tick(now_ms=2000))
    assert state.round == 1


def test_f_plus_1_above_move_us_to_the_highest_round_f_plus_1_are_in_or_above():
    """n=7, f+1=3: four validators above (one claiming 2^19), one at our round, one
    silent. Three are in round 6 or above, so a correct one is: round 6 at once (the gap
    an honest restart leaves closes as it did before stop 50), never the claim above."""
    h = Harness(n=7, quorum=5)
    me = h.non_proposer(1, 0)
    pulling, first, second, third, peer, _silent = (i for i in range(7) if i != me)
    state, _ = h.start(me)
    for sender, round_number in ((pulling, 1 << 19), (first, 9), (second, 6), (third, 3)):
        state, _ = h.receive(state, h.vote(sender, PRE, round_number, None), sender=sender)
    state, _ = h.receive(state, h.vote(peer, PRE, 0, None), sender=peer)
    state, _ = feed(state, Tick(now_ms=2000))
    assert state.round == 6


def test_n3_both_others_above_are_followed_but_never_past_the_lower():
    h, me, first, second = _pair()
    state, _ = h.start(me)
    state, _ = h.receive(state, h.vote(first, PRE, 1 << 19, None), sender=first)
    state, _ = h.receive(state, h.vote(second, PRE, 4, None), sender=second)
    state, _ = feed(state, Tick(now_ms=2000))
    assert state.round == 4, "never past a live peer, whatever another validator claims"


def test_a_validator_in_our_round_holds_us_so_one_byzantine_cannot_drag_a_pair():
    h, me, byzantine, peer = _pair()
    state, _ = h.start(me)
    state, _ = h.receive(state, h.vote(peer, PRE, 0, None), sender=peer)
    for round_number in (1, 2, 50):
        state, _ = h.receive(state, h.vote(byzantine, PRE, round_number, None), sender=byzantine)
    state, _ = feed(state, Tick(now_ms=3999))
    assert state.round == 0
    state, _ = feed(state, Tick(now_ms=4000))
    assert state.round == 1, "only our own round timeout moves us, and to the next round"


def test_the_validator_ahead_does_not_follow_a_third_one_while_the_other_is_behind():
    h, me, byzantine, behind = _pair()
    state, _ = h.start(me)
    state, _ = feed(state, Tick(now_ms=4000))  # round timeout: round 1, from 4000 on
    state, _ = h.receive(state, h.vote(behind, PRE, 0, None), sender=behind)
    state, _ = h.receive(state, h.vote(byzantine, PRE, 2, None), sender=byzantine)
    state, _ = feed(state, Tick(now_ms=6300))  # round 1's step timeouts: 2300 ms
    assert state.round == 1


def test_a_validator_silent_for_a_round_timeout_holds_nobody():
    h, me, ahead, crashed = _pair()
    state, _ = h.start(me)
    state, _ = h.receive(state, h.vote(crashed, PRE, 0, None), sender=crashed)  # at 0 ms
    state, _ = feed(state, Tick(now_ms=4000))  # round 1 from 4000; its round timeout 4600
    state, _ = h.receive(state, h.vote(ahead, PRE, 7, None), sender=ahead)
    state, _ = feed(state, Tick(now_ms=4600))
    assert state.round == 1, "the crashed validator was heard 4600 ms ago: it still holds"
    state, _ = feed(state, Tick(now_ms=6300))
    assert state.round == 7


def test_a_vote_beyond_the_two_kept_rounds_still_tells_where_its_validator_is():
    h, me, ahead, _silent = _pair()
    state, _ = h.start(me, timeouts=scaled_timeouts(propose_ms=1000, retransmit_ms=1000))
    for round_number in (1, 2):
        state, _ = h.receive(state, h.vote(ahead, PRE, round_number, None), sender=ahead)
    state, _ = feed(state, Tick(now_ms=600))  # checked at most every 500 ms per validator
    state, _ = h.receive(state, h.vote(ahead, PRE, 9, None), sender=ahead)
    assert state.votes.rounds_of(h.key(ahead), above=0) == {1, 2}, "not kept"
    assert state.rounds_heard[h.key(ahead)][:2] == (1, 9), "but heard there"
    state, _ = feed(state, Tick(now_ms=2000))
    assert state.round == 9


# n=4, q=3: one validator silent, one honest replica ahead of the other two. Before the
# count of q, the two behind held each other and never met the one ahead once the
# timeouts were capped (tests/simulation/test_byzantine_strategies.py, the SILENT runs).


def _four() -> tuple[Harness, int, list[int]]:
    """n=4: me (not proposing round 0), and the three others."""
    h = Harness(n=4, quorum=3)
    me = h.non_proposer(1, 0)
    return h, me, [i for i in range(4) if i != me]


def test_n4_two_in_our_round_follow_a_lone_validator_ahead():
    h, me, (peer, ahead, _silent) = _four()
    state, _ = h.start(me)
    state, _ = h.receive(state, h.vote(peer, PRE, 0, None), sender=peer)
    state, _ = h.receive(state, h.vote(ahead, PRE, 5, None), sender=ahead)
    state, _ = feed(state, Tick(now_ms=1999))
    assert state.round == 0
    state, _ = feed(state, Tick(now_ms=2000))
    assert state.round == 1, "two of us cannot make q=3 in round 0 without the silent one"


def test_n4_q_validators_in_our_round_are_not_moved_by_one_above():
    h, me, (first, second, byzantine) = _four()
    state, _ = h.start(me)
    for peer in (first, second):
        state, _ = h.receive(state, h.vote(peer, PRE, 0, None), sender=peer)
    state, _ = h.receive(state, h.vote(byzantine, PRE, 3, None), sender=byzantine)
    state, _ = feed(state, Tick(now_ms=3999))
    assert state.round == 0, "three of four in our round: a Byzantine one cannot drag them"


def test_n4_the_one_ahead_is_held_by_two_below_and_by_them_once_they_join():
    h, me, (first, second, byzantine) = _four()
    state, _ = h.start(me)
    state, _ = feed(state, Tick(now_ms=4000))  # round timeout: round 1 from 4000 on
    for peer in (first, second):
        state, _ = h.receive(state, h.vote(peer, PRE, 0, None), sender=peer)
    state, _ = h.receive(state, h.vote(byzantine, PRE, 2, None), sender=byzantine)
    state, _ = feed(state, Tick(now_ms=6300))  # round 1's step timeouts: 2300 ms
    assert state.round == 1, "two validators below hold the one ahead"
    for peer in (first, second):
        state, _ = h.receive(state, h.vote(peer, PRE, 1, None), sender=peer)
    state, _ = feed(state, Tick(now_ms=6400))
    assert state.round == 1, "and, once in its round, they still do"


# rounds.waits_for_those_behind: the one ahead of fewer than q waits in its round for them.
# Round 1's round timeout is 4600 ms.


def _ahead_in_round_1() -> tuple[Harness, int, list[int], ReplicaState]:
    h, me, others = _four()
    state, _ = h.start(me)
    state, _ = feed(state, Tick(now_ms=4000))  # nobody heard: round 1 on our timeout
    assert state.round == 1
    return h, me, others, state


def test_n4_the_one_ahead_of_two_waits_for_them_and_starts_its_round_over_with_them():
    h, _me, (first, second, _silent), state = _ahead_in_round_1()
    for peer in (first, second):
        state, _ = h.receive(state, h.vote(peer, PRE, 0, None), sender=peer)
    state, _ = feed(state, Tick(now_ms=8600))
    assert (state.round, state.round_held) == (1, True), "fewer than q at or above round 1"
    state, _ = feed(state, Tick(now_ms=9000))
    for peer in (first, second):
        state, _ = h.receive(state, h.vote(peer, PRE, 1, None), sender=peer)
    assert (state.round_held, state.round_started_ms) == (False, 9000), "they arrived"
    state, _ = feed(state, Tick(now_ms=13599))
    assert state.round == 1, "a whole round timeout with them"
    state, _ = feed(state, Tick(now_ms=13600))
    assert state.round == 2


def test_n4_q_at_our_round_or_above_do_not_wait_for_a_byzantine_claim_below():
    h, _me, (first, second, byzantine), state = _ahead_in_round_1()
    for peer in (first, second):
        state, _ = h.receive(state, h.vote(peer, PRE, 1, None), sender=peer)
    state, _ = h.receive(state, h.vote(byzantine, PRE, 0, None), sender=byzantine)
    state, _ = feed(state, Tick(now_ms=8600))
    assert (state.round, state.round_held) == (2, False)


def test_n4_nobody_heard_below_nobody_waited_for():
    h, _me, (first, _second, _silent), state = _ahead_in_round_1()
    state, _ = h.receive(state, h.vote(first, PRE, 1, None), sender=first)
    state, _ = feed(state, Tick(now_ms=8600))
    assert state.round == 2, "two of four in round 1 and nobody below: time rounds as before"


# Where a validator is heard only goes up: an honest validator never signs below a vote it
# signed (the signer-state guard), so a vote below where it was heard is an old one, which
# anyone holding it can replay. A Byzantine validator replaying two honest ones' old votes
# to each honest replica, and claiming a round below itself, made every replica of a gap
# wait for the others (62 of 100 seeded runs of the simulator's replay strategy halted).


def test_n4_an_old_vote_replayed_does_not_move_its_validator_back():
    h, _me, (first, second, byzantine), state = _ahead_in_round_1()
    old = h.vote(first, PRE, 0, None)
    state, _ = h.receive(state, old, sender=first)
    for peer in (first, second):
        state, _ = h.receive(state, h.vote(peer, PRE, 1, None), sender=peer)
    state, _ = h.receive(state, h.vote(byzantine, PRE, 0, None), sender=byzantine)
    state, _ = h.receive(state, old, sender=byzantine)  # first's own vote, replayed
    state, _ = feed(state, Tick(now_ms=8600))
    assert (state.round, state.round_held) == (2, False), "first is in round 1, not 0"


# rounds.relay_round_votes: the one ahead passes on the votes of its round while it waits.
# A Byzantine validator claiming a far round to one replica alone (another not heard there)
# drew it up by catch_up and held the two behind in their round: they climbed one round per
# round timeout towards it (simulator strategy pull_ahead: 2^19 rounds).


def _drawn_to_round_5() -> tuple[Harness, int, list[int], ReplicaState]:
    h, me, (behind, byzantine, unheard) = _four()
    state, _ = h.start(me)
    state, _ = h.receive(state, h.vote(behind, PRE, 0, None), sender=behind)
    state, _ = h.receive(state, h.vote(byzantine, PRE, 5, None), sender=byzantine)
    state, _ = feed(state, Tick(now_ms=2000))
    assert state.round == 1, "two of us in round 0: the lone validator above is followed"
    return h, me, [behind, byzantine, unheard], state


def _others_votes_retransmitted(h: Harness, me: int, state: ReplicaState) -> list[SignedVote]:
    out: list[Action] = []
    retransmit(state, out)
    return [
        a.message
        for a in out
        if isinstance(a, Broadcast)
        and isinstance(a.message, SignedVote)
        and a.message.validator != h.key(me)
    ]


def test_n4_the_one_drawn_ahead_passes_on_the_vote_it_followed_while_it_waits():
    h, me, (_behind, byzantine, unheard), state = _drawn_to_round_5()
    state, _ = h.receive(state, h.vote(unheard, PRE, 0, None), sender=unheard)
    assert waits_for_those_behind(state)
    relayed = _others_votes_retransmitted(h, me, state)
    assert relayed == [h.vote(byzantine, PRE, 5, None)], "those behind must hear it in round 5"


def test_n4_nothing_of_others_relayed_when_nobody_is_waited_for():
    h, me, (behind, _byzantine, unheard), state = _drawn_to_round_5()
    for peer in (behind, unheard):
        state, _ = h.receive(state, h.vote(peer, PRE, 5, None), sender=peer)
    assert not waits_for_those_behind(state)
    assert _others_votes_retransmitted(h, me, state) == []


def test_n4_the_vote_followed_is_relayed_though_over_the_kept_rounds():
    """The claim that drew us was heard but not kept (two rounds above ours per validator
    are): relaying the tally's votes of our round alone left 1 of 200 seeded pull_ahead
    runs halted."""
    h, me, (behind, byzantine, unheard) = _four()
    state, _ = h.start(me, timeouts=scaled_timeouts(propose_ms=1000, retransmit_ms=1000))
    state, _ = h.receive(state, h.vote(behind, PRE, 0, None), sender=behind)
    for round_number in (1, 2):
        state, _ = h.receive(state, h.vote(byzantine, PRE, round_number, None), sender=byzantine)
    state, _ = feed(state, Tick(now_ms=600))  # checked at most every 500 ms per validator
    state, _ = h.receive(state, h.vote(byzantine, PRE, 9, None), sender=byzantine)
    assert state.votes.rounds_of(h.key(byzantine), above=0) == {1, 2}, "not kept"
    state, _ = feed(state, Tick(now_ms=2000))
    assert state.round == 1
    for peer in (behind, unheard):
        state, _ = h.receive(state, h.vote(peer, PRE, 0, None), sender=peer)
    assert waits_for_those_behind(state)
    assert _others_votes_retransmitted(h, me, state) == [h.vote(byzantine, PRE, 9, None)]


def test_where_validators_were_heard_is_kept_only_for_the_next_heights_set():
    """rounds_heard and heard_votes hold one entry per validator heard; a validator that
    left the set (or a key rotated out) was kept for as long as the process ran, one more
    entry per set change. At the next height only its set's validators are kept (a late
    vote of the height just decided may note a leaver again, until the height after)."""
    h, me, (leaving, *staying) = _four()
    state, _ = h.start(me)
    proposal = h.proposal(0, X)
    state, _ = h.receive(state, proposal)
    state, _ = feed(state, validated(proposal))
    for i in (leaving, *staying):
        state, _ = h.receive(state, h.vote(i, COM, 0, block_hash(X)), sender=i)
    assert {h.key(i) for i in (leaving, *staying)} <= set(state.heard_votes)
    members = [(f"v{i}", h.key(i)) for i in range(4) if i != leaving]
    after = validator_set_of(members, 3)
    state, _ = feed(state, CommitApplied(height=1, next_validators=after))
    assert state.height == 2
    assert h.key(leaving) not in state.rounds_heard
    assert h.key(leaving) not in state.heard_votes
    for i in staying:
        assert state.heard_votes[h.key(i)] == h.vote(i, COM, 0, block_hash(X))
        assert state.rounds_heard[h.key(i)][:2] == (1, 0)
