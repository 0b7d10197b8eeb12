"""Lock violations ("amnesia"): found from held votes, never against an honest unlock.

n=3, q=2 (f_S = 0): the forks of issue 21 that named nobody (seeds 500323, 1001252,
1013368 before the round-skip change) had one shape: key 2 precommitted X in round 0 and
prevoted Y in round 1, with no POL for Y in round 0.
"""

from consensus import CertificatesMessage, CommitApplied, CommitBlock, EvidenceFound
from consensus.lock_evidence import lock_violations
from protocol.hashing import Hash32
from protocol.lock_violation import LockViolationEvidence
from protocol.votes import CommitCertificate, SignedVote, VoteType
from tests.unit.consensus.harness import Harness, block_hash, feed, validated

PRE, COM = VoteType.PREVOTE, VoteType.PRECOMMIT
X, Y = block_hash(b"block x"), block_hash(b"block y")


def signed(h: Harness, *votes: tuple[int, VoteType, int, Hash32 | None]) -> list[SignedVote]:
    """Each (validator index, type, round, block hash) signed at height 1, in the order given."""
    return [h.vote(*vote) for vote in votes]


def test_a_prevote_against_the_lock_without_a_pol_is_found():
    h = Harness(n=3, quorum=2)
    votes = signed(
        h, (2, COM, 0, X), (2, PRE, 1, Y), (0, PRE, 0, X), (2, PRE, 0, X), (1, PRE, 0, None)
    )
    [evidence] = lock_violations(votes, h.validators)
    assert evidence.offender == h.key(2)
    assert (evidence.precommit, evidence.prevote) == (votes[0], votes[1])
    # q = 2 signed non-Y prevotes of round 0, lowest keys first; the third only made us sure.
    assert [v.validator for v in evidence.window_prevotes] == [h.key(0), h.key(1)]
    assert list(evidence.window) == [0]


def test_an_outsider_needs_q_plus_one_prevotes_a_member_counts_itself():
    h = Harness(n=3, quorum=2)
    votes = [h.vote(2, COM, 0, X), h.vote(2, PRE, 1, Y), h.vote(0, PRE, 0, X), h.vote(2, PRE, 0, X)]
    assert lock_violations(votes, h.validators) == []
    # Validator 1 never prevoted in round 0 and knows it (issue 21, seed 1013368).
    assert len(lock_violations(votes, h.validators, me=h.key(1))) == 1
    # After a restart at this height it no longer knows what it signed in rounds <= 0.
    assert lock_violations(votes, h.validators, me=h.key(1), me_from_round=1) == []


def test_an_unlock_on_a_pol_is_not_reported():
    h = Harness(n=3, quorum=2)
    lock, later = h.vote(0, COM, 0, X), h.vote(0, PRE, 2, Y)
    pol = [h.vote(1, PRE, 1, Y), h.vote(2, PRE, 1, Y)]
    round0 = [h.vote(i, PRE, 0, X) for i in range(3)]
    assert (
        lock_violations([lock, later, *round0, *pol, h.vote(0, PRE, 1, None)], h.validators) == []
    )


def test_a_byzantine_validator_alone_cannot_make_a_member_name_an_honest_one():
    """Honest 0 unlocked on a POL for Y in round 1 made of 1 and the double-signer 2. The
    detector 1 saw 2's nil prevote, not its Y prevote: two signed non-Y prevotes (0 and 2)
    are q, but 1 prevoted Y itself, so only two validators are known not to have."""
    h = Harness(n=3, quorum=2)
    round0 = [(i, PRE, 0, X) for i in range(3)]
    round1 = [(0, PRE, 1, None), (2, PRE, 1, None), (1, PRE, 1, Y)]
    votes = signed(h, (0, COM, 0, X), (0, PRE, 2, Y), *round0, *round1)
    assert lock_violations(votes, h.validators, me=h.key(1)) == []


def test_the_shortest_window_is_reported_once_per_validator():
    h = Harness(n=3, quorum=2)
    prevotes = [(i, PRE, r, X) for i in range(3) for r in (0, 1)]
    votes = signed(h, (2, COM, 0, X), (2, COM, 1, X), (2, PRE, 2, Y), *prevotes)
    [evidence] = lock_violations(votes, h.validators)
    assert evidence.precommit.vote.round == 1 and list(evidence.window) == [1]


def _decided_locally(h: Harness, me: int):
    """me prevoted and precommitted X in round 0 with validator 2 and decided it."""
    state, _ = h.start(me)
    proposal = h.proposal(0, b"block x")
    state, _ = h.receive(state, proposal, sender=h.proposer_index(1, 0))
    state, _ = feed(state, validated(proposal))
    for vote in (h.vote(2, PRE, 0, X), h.vote(2, COM, 0, X)):
        state, actions = h.receive(state, vote, sender=2)
    commit = next(a for a in actions if isinstance(a, CommitBlock))
    state, _ = feed(state, CommitApplied(height=1, next_validators=h.validators))
    return state, commit.certificate


def test_certificates_of_different_rounds_name_the_validator_that_broke_its_lock():
    h = Harness(n=3, quorum=2)
    me = 0
    state, ours = _decided_locally(h, me)
    assert ours.round == 0 and state.height == 2
    theirs = CommitCertificate.from_votes([h.vote(1, COM, 1, Y), h.vote(2, COM, 1, Y)])
    shown = (h.vote(1, PRE, 0, None), h.vote(1, PRE, 1, Y), h.vote(2, PRE, 1, Y))
    message = CertificatesMessage(certificates=(theirs,), votes=shown)
    state, actions = h.receive(state, message, sender=1)
    found = [a.evidence for a in actions if isinstance(a, EvidenceFound)]
    assert [type(e) for e in found] == [LockViolationEvidence]
    assert found[0].offender == h.key(2) and not state.can_sign
    # Reported once: the same certificates again add nothing.
    _, again = h.receive(state, message, sender=1)
    assert not [a for a in again if isinstance(a, EvidenceFound)]


def test_a_decided_height_is_searched_for_broken_locks():
    """No fork: 2 precommitted X in round 0, then helped decide Y in round 1 without a POL."""
    h = Harness(n=3, quorum=2)
    state, _ = h.start(0)
    for vote in (h.vote(1, PRE, 0, X), h.vote(2, PRE, 0, X), h.vote(2, COM, 0, X)):
        state, _ = h.receive(state, vote, sender=1)
    proposal = h.proposal(1, b"block y")
    state, _ = h.receive(state, proposal, sender=h.proposer_index(1, 1))
    state, _ = feed(state, validated(proposal))
    votes = (h.vote(1, PRE, 1, Y), h.vote(2, PRE, 1, Y), h.vote(1, COM, 1, Y), h.vote(2, COM, 1, Y))
    committed = []
    for vote in votes:
        state, actions = h.receive(state, vote, sender=1)
        committed += [a for a in actions if isinstance(a, CommitBlock)]
    assert [c.block_hash for c in committed] == [Y]
    state, actions = feed(state, CommitApplied(height=1, next_validators=h.validators))
    found = [a.evidence for a in actions if isinstance(a, EvidenceFound)]
    assert [e.offender for e in found] == [h.key(2)]
    assert isinstance(found[0], LockViolationEvidence) and list(found[0].window) == [0]
