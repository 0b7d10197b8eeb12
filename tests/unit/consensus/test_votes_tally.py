"""Counting votes, equivocators included (consensus/votes_tally.py)."""

from consensus.votes_tally import VOTES_PER_SLOT_MAX, VoteTally
from protocol.hashing import Hash32
from protocol.votes import VoteType
from tests.unit.consensus.harness import Harness

PRE = VoteType.PREVOTE
X, Y = Hash32(b"x" * 32), Hash32(b"y" * 32)


def test_duplicates_count_once_and_conflicts_are_returned():
    h = Harness()
    tally, conflict = VoteTally().add(h.vote(0, PRE, 0, X))
    assert conflict is None
    same, conflict = tally.add(h.vote(0, PRE, 0, X))
    assert same is tally and conflict is None
    tally, conflict = tally.add(h.vote(0, PRE, 0, Y))
    assert conflict == h.vote(0, PRE, 0, X)
    assert tally.count(0, PRE, X) == 1 and tally.count(0, PRE, Y) == 1
    assert tally.count_any(0, PRE) == 1


def test_block_with_needs_the_threshold_and_ignores_nil():
    h = Harness()
    tally = VoteTally()
    for i, block in enumerate((X, X, None, X)):
        tally, _ = tally.add(h.vote(i, PRE, 2, block))
    assert tally.block_with(2, PRE, 3) == X
    assert tally.block_with(2, PRE, 4) is None
    assert tally.count(2, PRE, None) == 1
    assert [v.vote.block_hash for v in tally.votes_for(2, PRE, X)] == [X, X, X]


def test_an_equivocator_stores_a_bounded_number_of_votes():
    h = Harness()
    tally = VoteTally()
    for n in range(VOTES_PER_SLOT_MAX + 3):
        tally, _ = tally.add(h.vote(0, PRE, 0, Hash32(bytes([n]) * 32)))
    assert len(tally.slots[(0, PRE)][h.key(0)]) == VOTES_PER_SLOT_MAX


def test_a_vote_a_quorum_is_shown_for_is_kept_one_past_the_bound():
    h = Harness()
    tally = VoteTally()
    for n in range(VOTES_PER_SLOT_MAX):
        tally, _ = tally.add(h.vote(0, PRE, 0, Hash32(bytes([n]) * 32)))
    refused, conflict = tally.add(h.vote(0, PRE, 0, X))
    assert refused is tally and conflict is not None
    tally, _ = tally.add(h.vote(0, PRE, 0, X), quorum_shown=True)
    assert tally.count(0, PRE, X) == 1
    more, _ = tally.add(h.vote(0, PRE, 0, Y), quorum_shown=True)
    assert more is tally and tally.count(0, PRE, Y) == 0


def test_put_own_puts_our_vote_first():
    h = Harness()
    tally, _ = VoteTally().add(h.vote(0, PRE, 0, X))
    tally = tally.put_own(h.vote(0, PRE, 0, Y))
    got = tally.get(0, PRE, h.key(0))
    assert got is not None and got.vote.block_hash == Y
