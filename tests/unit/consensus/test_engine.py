"""The engine around the rules: persistence order, restart, sync mode, evidence, catch-up."""

from dataclasses import replace

from consensus import (
    Action,
    BlockPayload,
    BlockRequest,
    Broadcast,
    CertificatesMessage,
    CommitApplied,
    CommitBlock,
    CommitMessage,
    EvidenceFound,
    ForkDetected,
    MessageDropped,
    MessageReceived,
    PersistPayload,
    PersistSignerState,
    ProposalMessage,
    ScheduleTimeout,
    Send,
    SignedStep,
    StatusMessage,
    Tick,
    ValidateProposal,
    signatures_carried,
)
from consensus.signer_state import SignerState
from protocol.votes import CommitCertificate, SignedVote
from tests.unit.consensus.harness import (
    COM,
    PRE,
    Harness,
    X,
    Y,
    block_hash,
    broadcast_votes,
    decided_height_1,
    feed,
    sent_proposals,
    validated,
)


def test_signer_state_is_persisted_before_anything_signed_is_sent():
    h = Harness()
    state, _ = h.start(h.non_proposer(1, 0))
    state, actions = feed(state, Tick(now_ms=1000))
    persist = [i for i, a in enumerate(actions) if isinstance(a, PersistSignerState)]
    signed = [
        i
        for i, a in enumerate(actions)
        if isinstance(a, Broadcast) and isinstance(a.message, SignedVote)
    ]
    assert persist == [0] and signed and min(signed) > 0
    persisted = actions[0]
    assert isinstance(persisted, PersistSignerState)
    assert persisted.signer_state == state.signer
    assert (persisted.signer_state.height, persisted.signer_state.step) == (1, SignedStep.PREVOTE)


def test_restart_keeps_the_lock_and_resends_the_identical_vote():
    h = Harness()
    me = h.non_proposer(1, 0)
    state, _ = h.start(me)
    proposal = h.proposal(0, X)
    state, _ = h.receive(state, proposal)
    state, _ = feed(state, validated(proposal))
    for i in (i for i in range(4) if i != me):
        state, _ = h.receive(state, h.vote(i, PRE, 0, block_hash(X)))
    saved = state.signer
    assert saved.locked_block == block_hash(X) and saved.step is SignedStep.PRECOMMIT
    before = state.votes.get(0, COM, h.key(me))
    restarted, actions = h.start(me, signer_state=saved)
    assert restarted.signer.locked_block == block_hash(X)
    assert restarted.round == 0
    resent = [a.message for a in actions if isinstance(a, Broadcast)]
    assert before in resent  # the same bytes and signature, not a new vote


def test_restart_refuses_to_sign_a_different_vote_in_a_slot_already_signed():
    h = Harness()
    me = h.non_proposer(1, 0)
    state, _ = h.start(me)
    state, _ = feed(state, Tick(now_ms=1000))  # prevote nil in round 0
    restarted, _ = h.start(me, signer_state=state.signer)
    proposal = h.proposal(0, X)
    restarted, _ = h.receive(restarted, proposal)
    _, actions = feed(restarted, validated(proposal))
    assert all(v.block_hash is None for v in broadcast_votes(actions, PRE))


def test_without_signer_state_nothing_is_signed_until_a_commit_above_the_reported_height():
    h = Harness()
    me = h.non_proposer(1, 0)
    state, actions = h.start(me, signer_state=None, reported=1)
    state, more = feed(state, Tick(now_ms=1000), Tick(now_ms=5000))
    assert not broadcast_votes(actions + more)
    assert any(isinstance(a, Broadcast) and isinstance(a.message, StatusMessage) for a in actions)
    assert state.sign_from_height == 3


def test_conflicting_votes_from_one_key_become_evidence_naming_it():
    h = Harness()
    me = h.non_proposer(1, 0)
    state, _ = h.start(me)
    offender = (me + 1) % 4
    state, _ = h.receive(state, h.vote(offender, PRE, 0, block_hash(X)))
    _, actions = h.receive(state, h.vote(offender, PRE, 0, block_hash(Y)))
    evidence = [a.evidence for a in actions if isinstance(a, EvidenceFound)]
    assert len(evidence) == 1 and evidence[0].offender == h.key(offender)


def test_a_late_conflicting_vote_for_the_previous_height_is_still_evidence():
    h = Harness(n=3, quorum=2)
    state, others = decided_height_1(h)
    _, actions = h.receive(state, h.vote(others[0], COM, 0, block_hash(Y)))
    assert [a.evidence.offender for a in actions if isinstance(a, EvidenceFound)] == [
        h.key(others[0])
    ]


def test_late_votes_are_kept_for_two_rounds_above_the_decided_one_at_most():
    # A validator signing a vote for every round of the height just decided grew the
    # previous height's tally without bound (20,000 rounds: 20,000 slots, each add slower).
    h = Harness(n=3, quorum=2)
    state, (flooder, _) = decided_height_1(h)
    for round_number in range(1, 50):
        state, _ = h.receive(state, h.vote(flooder, PRE, round_number * 1000, None))
    assert state.previous_votes.rounds_of(h.key(flooder), above=0) == {1000, 2000}
    # Within the budget a conflicting late vote is still evidence.
    _, actions = h.receive(state, h.vote(flooder, PRE, 2000, block_hash(Y)))
    assert [a.evidence.offender for a in actions if isinstance(a, EvidenceFound)] == [
        h.key(flooder)
    ]


def _certificate(
    h: Harness, signers: list[int], payload: bytes, height: int = 1
) -> CommitCertificate:
    votes = [h.vote(i, COM, 0, block_hash(payload), height=height) for i in signers]
    return CommitCertificate.from_votes(votes)


def test_catch_up_commits_from_a_valid_certificate_and_payload():
    h = Harness()
    state, _ = h.start(h.non_proposer(1, 0))
    message = CommitMessage(certificate=_certificate(h, [0, 1, 2], X), payload=X)
    state, actions = h.receive(state, message)
    validate = [a for a in actions if type(a).__name__ == "ValidateProposal"]
    assert validate, "a certified block is still executed by the node before commit"
    state, actions = feed(state, validated(h.proposal(0, X)))
    assert [a.block_hash for a in actions if isinstance(a, CommitBlock)] == [block_hash(X)]


def test_catch_up_ignores_a_certificate_below_quorum_or_with_the_wrong_payload():
    h = Harness()
    state, _ = h.start(h.non_proposer(1, 0))
    short = CommitMessage(certificate=_certificate(h, [0, 1], X), payload=X)
    wrong = CommitMessage(certificate=_certificate(h, [0, 1, 2], X), payload=Y)
    for message in (short, wrong):
        after, actions = h.receive(state, message)
        # Only the drop is said (test_drops.py); nothing is validated or committed.
        assert after.certificate is None
        assert [type(a) for a in actions] == [MessageDropped]


def _decided_at_2(h: Harness, me: int):
    state, _ = h.start(me)
    decision = CommitMessage(certificate=_certificate(h, [0, 1, 2], X), payload=X)
    return replace(state, height=2, decisions={1: decision}), decision


def test_a_peer_that_asks_gets_our_recent_commits():
    h = Harness()
    me = h.non_proposer(1, 0)
    state, decision = _decided_at_2(h, me)
    peer = (me + 1) % 4
    _, actions = h.receive(state, StatusMessage(height=1), sender=peer)
    assert Send(to=h.key(peer), message=decision) in actions


def test_a_late_vote_for_the_block_decided_gets_the_certificate_alone():
    # Its sender holds the block; a vote for another block or nil draws the whole commit.
    h = Harness()
    me = h.non_proposer(1, 0)
    state, decision = _decided_at_2(h, me)
    peer = (me + 1) % 4
    late = h.vote(peer, COM, 0, block_hash(X), height=1)
    _, actions = h.receive(state, late, sender=peer)
    sent = [action for action in actions if isinstance(action, Send)]
    assert sent == [
        Send(to=h.key(peer), message=CertificatesMessage(certificates=(decision.certificate,)))
    ]
    _, actions = h.receive(state, h.vote(peer, PRE, 0, None, height=1), sender=peer)
    assert Send(to=h.key(peer), message=decision) in actions


def test_a_pushed_certificate_commits_a_block_we_hold():
    h = Harness()
    state, _ = h.start(h.non_proposer(1, 0))
    proposal = h.proposal(0, X)
    state, _ = h.receive(state, proposal)
    pushed = CertificatesMessage(certificates=(_certificate(h, [0, 1, 2], X),))
    state, actions = h.receive(state, pushed)
    state, actions = feed(state, validated(proposal))
    assert [a.block_hash for a in actions if isinstance(a, CommitBlock)] == [block_hash(X)]


def test_a_pushed_certificate_without_its_block_or_quorum_commits_nothing():
    h = Harness()
    state, _ = h.start(h.non_proposer(1, 0))
    lacking = CertificatesMessage(certificates=(_certificate(h, [0, 1, 2], X),))
    after, actions = h.receive(state, lacking)
    assert after.certificate is None and not actions
    state, _ = h.receive(state, h.proposal(0, X))
    short = CertificatesMessage(certificates=(_certificate(h, [0, 1], X),))
    after, _ = h.receive(state, short)
    assert after.certificate is None


def test_a_vote_from_further_behind_gets_our_recent_commits():
    h = Harness()
    me = h.non_proposer(1, 0)
    state, _ = h.start(me)
    first = CommitMessage(certificate=_certificate(h, [0, 1, 2], X), payload=X)
    second = CommitMessage(certificate=_certificate(h, [0, 1, 2], Y, height=2), payload=Y)
    state = replace(state, height=3, decisions={1: first, 2: second})
    peer = (me + 1) % 4
    _, actions = h.receive(state, h.vote(peer, PRE, 0, None, height=1), sender=peer)
    assert Send(to=h.key(peer), message=first) in actions
    assert Send(to=h.key(peer), message=second) in actions


def test_a_replica_outside_the_set_never_signs():
    h = Harness()
    outsider = Harness(n=1, quorum=1)
    config = outsider.config(0)
    from consensus import start_replica

    state, actions = start_replica(
        replace(config, verify=h.keyring.verify),
        height=1,
        validators=h.validators,
        signer_state=None,
        now_ms=0,
    )
    state, more = feed(state, Tick(now_ms=10_000))
    assert not broadcast_votes(actions + more)


def _locked_on_x(h: Harness, me: int):
    state, _ = h.start(me)
    proposal = h.proposal(0, X)
    state, _ = h.receive(state, proposal)
    state, _ = feed(state, validated(proposal))
    actions: list[Action] = []
    for i in (i for i in range(4) if i != me):
        state, more = h.receive(state, h.vote(i, PRE, 0, block_hash(X)))
        actions += more
    assert state.signer.locked_block == block_hash(X)
    return state, actions


def test_the_locked_payload_is_persisted_before_the_lock_and_the_precommit():
    h = Harness()
    _, actions = _locked_on_x(h, h.non_proposer(1, 0))
    kinds = [type(a).__name__ for a in actions if not isinstance(a, ScheduleTimeout)]
    first = kinds.index("PersistPayload")
    assert kinds[first : first + 2] == ["PersistPayload", "PersistSignerState"]
    payload = actions[[type(a).__name__ for a in actions].index("PersistPayload")]
    assert isinstance(payload, PersistPayload)
    assert (payload.block_hash, payload.payload) == (block_hash(X), X)
    sent = [i for i, a in enumerate(actions) if isinstance(a, Broadcast)]
    assert sent and min(sent) > actions.index(payload)


def test_entering_the_next_height_drops_the_old_lock_without_a_write_of_its_own():
    h = Harness()
    me = h.non_proposer(2, 0)
    state, _ = _locked_on_x(h, me)
    on_disk = state.signer  # persisted with the precommit that took the lock
    for i in (i for i in range(4) if i != me):
        state, actions = h.receive(state, h.vote(i, COM, 0, block_hash(X)))
        if any(isinstance(a, CommitBlock) for a in actions):
            break
    state, actions = feed(state, CommitApplied(height=1, next_validators=h.validators))
    assert state.height == 2 and state.signer.locked_block is None
    assert not [a for a in actions if isinstance(a, PersistSignerState | PersistPayload)]
    # A restart from what is on disk drops the same lock: nothing was lost by not writing.
    restarted, _ = h.start(me, height=2, signer_state=on_disk)
    assert restarted.signer == state.signer
    # The first signature of height 2 (a nil prevote at the propose timeout) writes it.
    state, actions = feed(state, Tick(now_ms=state.now_ms + 60_000))
    persist = [a for a in actions if isinstance(a, PersistSignerState)]
    assert persist and actions.index(persist[0]) == 0
    assert persist[0].signer_state.height == 2 and persist[0].signer_state.locked_block is None


def test_a_restarted_proposer_re_proposes_its_reloaded_locked_block():
    h = Harness()
    me = h.proposer_index(1, 1)
    state, _ = _locked_on_x(h, me)
    saved = state.signer
    # Without the payload the restarted proposer of round 1 cannot re-propose X (issue 21).
    lost, _ = h.start(me, signer_state=replace(saved, round=1, step=None, block_hash=None))
    assert block_hash(X) not in lost.blocks
    restarted, actions = h.start(
        me,
        signer_state=replace(saved, round=1, step=None, block_hash=None),
        held_payloads={block_hash(X): X, block_hash(Y): Y},
    )
    assert restarted.blocks == {block_hash(X): X}  # only what the signer state names
    proposals = [a.message for a in actions if isinstance(a, Broadcast)]
    assert any(getattr(m, "payload", None) == X for m in proposals)


def test_a_restarted_proposer_re_proposes_its_valid_value_with_its_persisted_pol():
    # lost_pol_unsent: a crash after the lock's write, before anything of the step was
    # sent. The POL must come back from the signer state, or the restarted proposer sends
    # pol_round -1 and a replica locked in an earlier round refuses it forever.
    h = Harness()
    me = h.proposer_index(1, 1)
    _, actions = _locked_on_x(h, me)
    lock_write = next(a for a in actions if isinstance(a, PersistSignerState))
    written = lock_write.signer_state
    assert written.locked_block == written.valid_block == block_hash(X)
    pol = [v for v in written.valid_pol if (v.vote.type, v.vote.round) == (PRE, 0)]
    assert len(pol) >= h.validators.quorum, "the POL rides on the lock's write"
    _, actions = h.start(
        me,
        signer_state=replace(written, round=1, step=None, block_hash=None),
        held_payloads={block_hash(X): X},
    )
    (proposal,) = sent_proposals(actions)
    assert proposal.signed.proposal.pol_round == 0
    assert {v.validator for v in proposal.pol_votes} == {v.validator for v in pol}
    # A replica that never saw round 0 takes it at line 28 on the POL it carries.
    other = h.non_proposer(1, 1)
    peer, _ = h.start(
        other, signer_state=SignerState(height=1, round=1, step=None, block_hash=None)
    )
    peer, _ = h.receive(peer, proposal, me)
    _, out = feed(peer, validated(proposal))
    assert broadcast_votes(out, PRE)[0].block_hash == block_hash(X)


def test_a_restart_drops_persisted_pol_votes_that_do_not_hold():
    h = Harness()
    me = h.proposer_index(1, 1)
    state, _ = _locked_on_x(h, me)
    saved = replace(state.signer, round=1, step=None, block_hash=None)
    good = saved.valid_pol
    forged = replace(good[0], signature=good[1].signature)
    wrong_block = h.vote(0, PRE, 0, block_hash(Y))
    stranger = h.keyring.new_signer(b"not a validator")
    vote = good[1].vote
    outsider = SignedVote(
        vote=vote, validator=stranger.public_key, signature=stranger.sign(vote.sign_bytes())
    )
    tampered = replace(saved, valid_pol=(forged, wrong_block, outsider, *good))
    restarted, actions = h.start(me, signer_state=tampered, held_payloads={block_hash(X): X})
    assert restarted.signer.valid_pol == good
    assert restarted.votes.count(0, PRE, block_hash(X)) == len(good) == h.validators.quorum
    assert [p.signed.proposal.pol_round for p in sent_proposals(actions)] == [0]
    # With a vote of the POL forged, what is left is no POL: pol_round -1, as before.
    short = replace(saved, valid_pol=(forged, *good[1:]))
    restarted, actions = h.start(me, signer_state=short, held_payloads={block_hash(X): X})
    assert restarted.signer.valid_pol == good[1:]
    assert [p.signed.proposal.pol_round for p in sent_proposals(actions)] == [-1]


def test_a_replica_serves_a_reloaded_payload_and_a_peer_that_misses_it_takes_it():
    h = Harness()
    me = h.non_proposer(1, 0)
    state, _ = _locked_on_x(h, me)
    holder, _ = h.start(me, signer_state=state.signer, held_payloads={block_hash(X): X})
    other = (me + 1) % 4
    _, answer = h.receive(holder, BlockRequest(height=1, block_hash=block_hash(X)), other)
    sent = [a for a in answer if isinstance(a, Send)]
    assert sent and sent[0].to == h.key(other)
    served = sent[0].message
    assert served == BlockPayload(height=1, block_hash=block_hash(X), payload=X)
    # A peer that lost the payload of its own lock takes the answer, and nothing else.
    peer_state, _ = _locked_on_x(h, other)
    peer, _ = h.start(other, signer_state=peer_state.signer)
    assert block_hash(X) not in peer.blocks
    forged = BlockPayload(height=1, block_hash=block_hash(X), payload=Y)
    unasked = BlockPayload(height=1, block_hash=block_hash(Y), payload=Y)
    peer, _ = h.receive(peer, forged, me)
    peer, _ = h.receive(peer, unasked, me)
    assert peer.blocks == {}
    peer, actions = h.receive(peer, served, me)
    assert peer.blocks == {block_hash(X): X}
    assert any(isinstance(a, ValidateProposal) for a in actions)


def _decided(h: Harness, me: int, payload: bytes, signers: list[int]):
    """Replica me decided payload at height 1 from signers' precommits, now at height 2."""
    state, _ = h.start(me)
    certificate = _certificate(h, signers, payload)
    state, _ = h.receive(state, CommitMessage(certificate=certificate, payload=payload))
    state, actions = feed(state, validated(h.proposal(0, payload)))
    commit = next(a for a in actions if isinstance(a, CommitBlock))
    state, _ = feed(state, CommitApplied(height=1, next_validators=h.validators))
    return state, commit.certificate


def test_a_conflicting_certificate_halts_and_names_the_validators_in_both():
    h = Harness()
    me = 3
    state, ours = _decided(h, me, X, [0, 1, 3])
    assert state.height == 2
    theirs = _certificate(h, [0, 1, 2], Y)  # 0 and 1 signed both blocks at round 0
    state, actions = h.receive(state, CertificatesMessage(certificates=(theirs,)), 2)
    named = sorted(a.evidence.offender for a in actions if isinstance(a, EvidenceFound))
    assert named == sorted([h.key(0), h.key(1)])
    fork = [a for a in actions if isinstance(a, ForkDetected)]
    assert fork == [ForkDetected(height=1, ours=ours, theirs=theirs)]
    assert not state.can_sign
    answers = [a for a in actions if isinstance(a, Send)]
    answer = answers[0].message
    assert isinstance(answer, CertificatesMessage) and answer.certificates == (ours,)


def test_a_certificate_below_quorum_or_for_our_block_changes_nothing():
    h = Harness()
    state, _ = _decided(h, 3, X, [0, 1, 3])
    short = _certificate(h, [0, 2], Y)
    same = _certificate(h, [0, 1, 2], X)
    for message in (
        CertificatesMessage(certificates=(short,)),
        CertificatesMessage(certificates=(same,)),
    ):
        after, actions = h.receive(state, message, 2)
        assert after.can_sign and not [a for a in actions if isinstance(a, ForkDetected)]


def test_a_peers_certificate_is_verified_once_on_the_fork_path():
    # Each signature check here is one Ed25519 verification in a node (verify_ed25519).
    # Before: the validity check, fork_evidence and the lock-violation search each
    # verified the peer's certificate (3 x 3), and ours, decided long ago, twice (2 x 3).
    h = Harness()
    state, _ = _decided(h, 3, X, [0, 1, 3])
    theirs = _certificate(h, [0, 1, 2], Y)
    h.keyring.verify_calls = 0
    state, actions = h.receive(state, CertificatesMessage(certificates=(theirs,)), 2)
    assert [a for a in actions if isinstance(a, ForkDetected)]
    assert len([a for a in actions if isinstance(a, EvidenceFound)]) == 2
    assert h.keyring.verify_calls == len(theirs.signatures)


def test_signatures_carried_counts_what_step_will_verify():
    """The node steps an event carrying few signatures on its event loop (node/runtime.py):
    a vote has one, a proposal one more per POL vote, a commit its certificate's, and the
    start of a height those of the next height's messages it replays."""
    h = Harness()
    state, _ = h.start(h.non_proposer(1, 0))
    vote = h.vote(0, PRE, 0, block_hash(X))
    pol = tuple(h.vote(i, PRE, 0, block_hash(X)) for i in range(3))
    commit = CommitMessage(certificate=_certificate(h, [0, 1, 2], X), payload=X)

    def carried(message: object) -> int:
        return signatures_carried(state, MessageReceived(sender=h.key(0), message=message))  # type: ignore[arg-type]

    assert carried(vote) == 1
    assert carried(h.proposal(1, X, pol_round=0, pol_votes=pol)) == 4
    assert carried(commit) == 3
    assert carried(CertificatesMessage(certificates=(commit.certificate,) * 2, votes=pol)) == 9
    assert carried(StatusMessage(height=1)) == 0
    assert signatures_carried(state, Tick(now_ms=1000)) == 0
    # Messages of height 2 wait in state.future; entering height 2 replays them.
    for message in (h.vote(1, PRE, 0, block_hash(Y), height=2), h.proposal(0, Y, height=2)):
        state, _ = h.receive(state, message, sender=1)
    assert signatures_carried(state, CommitApplied(height=1, next_validators=h.validators)) == 2


def test_one_pushed_certificate_per_message_is_tried():
    # A peer's many forged certificates for our height cost one check, not sixteen.
    h = Harness()
    state, _ = h.start(h.non_proposer(1, 0))
    state, _ = h.receive(state, h.proposal(0, X))
    forged = _certificate(h, [0, 1], X)  # below quorum: refused
    valid = _certificate(h, [0, 1, 2], X)
    after, _ = h.receive(state, CertificatesMessage(certificates=(forged, valid)))
    assert after.certificate is None
    after, _ = h.receive(state, CertificatesMessage(certificates=(valid,)))
    assert after.certificate == valid


def test_one_validator_fills_only_its_share_of_the_next_heights_buffer():
    # Nothing buffered for the next height is verified yet: one validator's 64 messages
    # filled the buffer, and another's proposal for that height was dropped until resent.
    h = Harness()
    me = h.non_proposer(1, 0)
    state, _ = h.start(me)
    flooder = next(i for i in range(4) if i != me)
    proposer = h.proposer_index(2, 0)
    for round_number in range(64):
        state, _ = h.receive(state, h.vote(flooder, PRE, round_number, None, height=2), flooder)
    assert len(state.future) == 64 // 4
    state, _ = h.receive(state, h.proposal(0, X, height=2), proposer)
    assert state.future[-1].sender == h.key(proposer)


def test_a_validators_newest_messages_for_the_next_height_are_buffered_whatever_it_resent():
    # A validator resends its messages of its round every retransmit_ms, and links
    # duplicate them: sixteen copies of one prevote filled its share of the buffer, and its
    # proposal for the next round of that height was dropped until resent. A copy is now
    # not buffered twice, and once its share is full its oldest message makes room.
    h = Harness()
    me = h.non_proposer(1, 0)
    state, _ = h.start(me)
    other = next(i for i in range(4) if i != me)
    prevote = h.vote(other, PRE, 0, None, height=2)
    for _ in range(20):
        state, _ = h.receive(state, prevote, other)
    later = [h.vote(other, PRE, r, None, height=2) for r in range(1, 17)]
    for vote in later:
        state, _ = h.receive(state, vote, other)
    assert [held.message for held in state.future] == later, "its newest sixteen"


def test_a_block_request_is_answered_with_the_latest_rounds_proposal_of_the_block():
    # Stop 50's chaos pass (q = 3 of 3, rolling restarts): a validator restarted with an
    # empty mempool asks the proposer for the block of its compact proposal. The proposer,
    # re-proposing in round 2 the block it locked on in round 0, answered with the first
    # proposal of that block it held, round 0's: stale for the asker in round 2, which
    # dropped it and prevoted nil at its timeout, every round the block came back.
    h = Harness(n=3, quorum=3)
    me = h.proposer_index(1, 2)
    state, _ = h.start(me)
    first = h.proposal(0, X)
    state, _ = h.receive(state, first, h.proposer_index(1, 0))
    state, _ = feed(state, validated(first))
    for i in (i for i in range(3) if i != me):
        state, _ = h.receive(state, h.vote(i, PRE, 0, block_hash(X)), i)
    assert state.signer.locked_block == block_hash(X)
    actions: list[Action] = []
    while state.round < 2:  # the rounds time out; nothing else arrives
        state, more = feed(state, Tick(now_ms=state.now_ms + 60_000))
        actions += more
    assert state.round == 2
    (again,) = sent_proposals(actions)
    assert (again.signed.proposal.round, again.signed.proposal.pol_round) == (2, 0)
    # The asker: restarted in round 2 without the block's txs, unlocked.
    other = next(i for i in range(3) if i not in (me, h.proposer_index(1, 0)))
    asker, _ = h.start(
        other, signer_state=SignerState(height=1, round=2, step=None, block_hash=None)
    )
    assert asker.round == 2
    _, answer = h.receive(state, BlockRequest(height=1, block_hash=block_hash(X)), other)
    (sent,) = [a for a in answer if isinstance(a, Send)]
    assert isinstance(sent.message, ProposalMessage)
    assert sent.message.signed.proposal.round == 2
    asker, _ = h.receive(asker, sent.message, me)
    _, out = feed(asker, validated(again))
    assert broadcast_votes(out, PRE)[0].block_hash == block_hash(X)
