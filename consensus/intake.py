"""Receiving messages: check, verify and store them; find evidence; route catch-up. Pure.

Nothing here decides or votes: the rules module reacts to what was stored. Messages for
the next height are buffered (a faster peer may already be there); messages for other
heights trigger catch-up. Duplicates are recognised before any signature is checked.
"""

from dataclasses import replace

from consensus.actions import (
    Action,
    DropReason,
    EvidenceFound,
    ForkDetected,
    MessageDropped,
    ProposalRefused,
    Send,
    ValidateProposal,
)
from consensus.catchup import ask_for_commits, push_certificate, push_commits
from consensus.certificates import certificate_is_valid
from consensus.events import MessageReceived
from consensus.fork_evidence import certified_votes, fork_evidence
from consensus.lock_evidence import report_lock_violations
from consensus.messages import (
    CERTIFICATES_MAX,
    BlockPayload,
    BlockRequest,
    CertificatesMessage,
    CommitMessage,
    Message,
    ProposalMessage,
    StatusMessage,
    message_height,
)
from consensus.rounds import missing_blocks
from consensus.state import ReplicaState, Step
from consensus.votes_tally import VoteTally
from protocol.evidence import DuplicateVoteEvidence
from protocol.hashing import Hash32
from protocol.signing import PublicKey
from protocol.votes import CommitCertificate, SignedVote, VoteType


def on_message(state: ReplicaState, received: MessageReceived, out: list[Action]) -> ReplicaState:
    """Route one received message by its height and kind."""
    message = received.message
    if isinstance(message, CertificatesMessage):
        return on_certificates(state, received, message, out)
    height = message_height(message)
    if height < state.height:
        # A commit says nothing about its sender's height (it is a push), so only
        # proposals, votes and status messages reveal a peer that is behind.
        if isinstance(message, CommitMessage):
            return state
        if isinstance(message, SignedVote) and height == state.height - 1:
            state = _check_late_vote(state, message, received.sender, out)
        if _holds_block_decided(state, message):
            return push_certificate(state, received.sender, out)
        return push_commits(state, received.sender, height, out)
    if height > state.height:
        if height == state.height + 1:
            state = _buffer_future(state, received, out)
        return ask_for_commits(state, received.sender, out)
    if isinstance(message, SignedVote):
        return on_vote(state, message, received.sender, out)
    if isinstance(message, ProposalMessage):
        return on_proposal(state, message, received.sender, out)
    if isinstance(message, CommitMessage):
        return on_commit(state, message, received.sender, out)
    if isinstance(message, BlockRequest):
        _answer_block_request(state, received, message, out)
        return state
    if isinstance(message, BlockPayload):
        return on_block_payload(state, message, out)
    assert isinstance(message, StatusMessage)
    return state


def _buffer_future(
    state: ReplicaState, received: MessageReceived, out: list[Action]
) -> ReplicaState:
    """Keep a message for the next height: each validator has an equal share of the buffer.
    Nothing there is verified yet, so one validator filled it (64 messages, proposals of up
    to 8 MiB each) and the others' proposal and votes for the next height were dropped
    until they were resent. A copy is not kept twice, and a sender whose share is full
    makes room with its oldest message: a validator resends its messages of the round it
    is in, so sixteen copies of one prevote (retransmitted, or duplicated by the links)
    filled its share and its next round's proposal was dropped."""
    future = state.future
    if received in future:
        return state
    config = state.config
    share = max(1, config.future_buffer_max // state.validators.size)
    own = [index for index, held in enumerate(future) if held.sender == received.sender]
    height = message_height(received.message)
    if len(own) >= share:
        future = future[: own[0]] + future[own[0] + 1 :]
        _dropped(state, DropReason.NEXT_HEIGHT_SHARE, received.sender, height, out)
    elif len(future) >= config.future_buffer_max:
        return _dropped(state, DropReason.NEXT_HEIGHT_SHARE, received.sender, height, out)
    return replace(state, future=(*future, received))


def _holds_block_decided(state: ReplicaState, message: Message) -> bool:
    """Whether message, of the height we just decided, votes for or proposes the block we
    decided: its sender then holds that block and needs only the certificate."""
    decision = state.decisions.get(state.height - 1)
    if decision is None or message_height(message) != state.height - 1:
        return False
    if isinstance(message, SignedVote):
        block = message.vote.block_hash
    elif isinstance(message, ProposalMessage):
        block = message.signed.proposal.block_hash
    else:
        return False  # an ask: answered with the whole commit
    return block == decision.certificate.block_hash


def _answer_block_request(
    state: ReplicaState, received: MessageReceived, request: BlockRequest, out: list[Action]
) -> None:
    """Send back a signed proposal carrying the block, else the bare payload if we hold it.

    The proposal of the latest round that carries it: a block re-proposed (a valid value)
    is asked for in the round it came back in, and an asker drops an earlier round's
    proposal as stale (on_proposal). Answered with the first one held, a restarted asker
    without the block's txs never prevoted it, and at q = n nothing was decided again
    (stop 50's chaos pass). After a restart we hold our locked and valid payloads
    (PersistPayload) but no proposal.
    """
    if received.sender == state.public_key:
        return
    for _, message in sorted(state.proposals.items(), reverse=True):
        if message.signed.proposal.block_hash == request.block_hash:
            out.append(Send(to=received.sender, message=message))
            return
    payload = state.blocks.get(request.block_hash)
    if payload is not None:
        answer = BlockPayload(height=state.height, block_hash=request.block_hash, payload=payload)
        out.append(Send(to=received.sender, message=answer))


def on_block_payload(state: ReplicaState, message: BlockPayload, out: list[Action]) -> ReplicaState:
    """Keep a payload we asked for (see rounds.missing_blocks); its hash authenticates it.

    Only blocks we miss are accepted, so a peer cannot fill our memory with payloads.
    """
    block = message.block_hash
    if block in state.blocks or block not in missing_blocks(state):
        return state
    if state.config.hash_payload(message.payload) != block:
        return state
    state = replace(state, blocks={**state.blocks, block: message.payload})
    return request_validation(state, block, state.round, out)


def on_vote(
    state: ReplicaState,
    signed: SignedVote,
    sender: PublicKey,
    out: list[Action],
    *,
    of_pol: bool = False,
) -> ReplicaState:
    """Store a vote of this height from a member of the set; report equivocation.

    sender: the peer whose envelope carried it. of_pol: it came as one of the POL prevotes
    of a proposal of our round or the next, which line 28 needs whatever round it is of
    (at most one proposal per round is kept).
    """
    vote = signed.vote
    if vote.chain_id != state.config.chain_id:
        return _dropped(state, DropReason.WRONG_CHAIN, sender, vote.height, out)
    if not _round_in_window(state, vote.round):
        return _dropped(state, DropReason.OUTSIDE_WINDOW, sender, vote.height, out)
    if not state.validators.contains(signed.validator):
        return _dropped(state, DropReason.NOT_A_VALIDATOR, sender, vote.height, out)
    if state.votes.contains(signed):
        return heard(state, signed)  # the same bytes as a vote already verified
    over = None if of_pol else _over_budget(state.votes, state.round, signed)
    if over is not None:
        _dropped(state, over, sender, vote.height, out)
        return _hear_only(state, signed)
    if not _signature_holds(state, signed):
        return _dropped(state, DropReason.BAD_VOTE_SIGNATURE, sender, vote.height, out)
    votes, earlier = state.votes.add(signed)
    state = heard(replace(state, votes=votes), signed)
    return _report_equivocation(state, earlier, signed, out)


def _dropped(
    state: ReplicaState, reason: DropReason, sender: PublicKey, height: int, out: list[Action]
) -> ReplicaState:
    """Say that a message sender sealed, of height, was dropped; state is unchanged."""
    out.append(MessageDropped(reason=reason, sender=sender, height=height))
    return state


def heard(state: ReplicaState, signed: SignedVote) -> ReplicaState:
    """Note where a validator is by a verified vote of this height or the one before.

    Only upward: an honest validator never signs below a vote it signed (the signer-state
    guard), so a vote below where it was heard is an old one, and anyone holding it may
    replay it. A Byzantine validator replaying two honest ones' old votes to each honest
    replica made each of a gap wait for the others (rounds.waits_for_those_behind) and
    kept catch_up from moving any: the simulator's replay strategy halted 62 of 100 runs.
    """
    vote = signed.vote
    last = state.rounds_heard.get(signed.validator)
    if last is not None and (vote.height, vote.round) < last[:2]:
        return state
    where = (vote.height, vote.round, state.now_ms)
    return replace(
        state,
        rounds_heard={**state.rounds_heard, signed.validator: where},
        heard_votes={**state.heard_votes, signed.validator: signed},
    )


def _hear_only(state: ReplicaState, signed: SignedVote) -> ReplicaState:
    """A vote not kept still says where its sender is, which matters to rounds.catch_up:
    checked at most twice per retransmission interval and sender, so a flood costs no
    signatures."""
    if not _hearing_due(state, signed) or not _signature_holds(state, signed):
        return state
    return heard(state, signed)


def _hearing_due(state: ReplicaState, signed: SignedVote) -> bool:
    last = state.rounds_heard.get(signed.validator)
    interval = state.config.timeouts.retransmit_ms // 2
    return last is None or state.now_ms - last[2] >= interval


def _check_late_vote(
    state: ReplicaState, signed: SignedVote, sender: PublicKey, out: list[Action]
) -> ReplicaState:
    """A vote for the height we just decided can still prove equivocation. After a restart
    that height's set is not held (previous_validators): nothing is checked, nor said."""
    validators = state.previous_validators
    height = signed.vote.height
    if validators is None:
        return state
    if not validators.contains(signed.validator):
        return _dropped(state, DropReason.NOT_A_VALIDATOR, sender, height, out)
    if signed.vote.chain_id != state.config.chain_id:
        return _dropped(state, DropReason.WRONG_CHAIN, sender, height, out)
    if state.previous_votes.contains(signed):
        return heard(state, signed)
    if _over_budget(state.previous_votes, state.previous_round, signed) is not None:
        # The same budget as while the height ran, above the round we left it in: without
        # one, a validator could sign a vote for every round and grow the tally for good.
        _dropped(state, DropReason.LATE_VOTE_BUDGET, sender, height, out)
        return _hear_only(state, signed)
    if not _signature_holds(state, signed):
        return _dropped(state, DropReason.BAD_VOTE_SIGNATURE, sender, height, out)
    votes, earlier = state.previous_votes.add(signed)
    state = heard(replace(state, previous_votes=votes), signed)
    return _report_equivocation(state, earlier, signed, out)


def _signature_holds(state: ReplicaState, signed: SignedVote) -> bool:
    return state.config.verify(signed.validator, signed.vote.sign_bytes(), signed.signature)


def _report_equivocation(
    state: ReplicaState, earlier: SignedVote | None, later: SignedVote, out: list[Action]
) -> ReplicaState:
    """later was just stored; earlier is the other vote the tally held for its slot, if any."""
    if earlier is None:
        return state
    vote = later.vote
    slot = (later.validator, vote.height, vote.round, vote.type)
    if slot in state.evidence_slots:
        return state
    out.append(EvidenceFound(evidence=DuplicateVoteEvidence.create(earlier, later)))
    return replace(state, evidence_slots=state.evidence_slots | {slot})


def on_proposal(
    state: ReplicaState, message: ProposalMessage, sender: PublicKey, out: list[Action]
) -> ReplicaState:
    """Store the first correctly signed proposal of proposer(height, round) and its POL.

    A second, different proposal for a round (an equivocating proposer, or one resent on a
    BlockRequest) only contributes its payload, which its block hash authenticates.
    """
    proposal = message.signed.proposal
    height = proposal.height
    if proposal.chain_id != state.config.chain_id:
        return _dropped(state, DropReason.WRONG_CHAIN, sender, height, out)
    if not _round_in_window(state, proposal.round):
        return _dropped(state, DropReason.OUTSIDE_WINDOW, sender, height, out)
    if proposal.round > state.round + 1:
        # Its proposer retransmits it; kept now it would only hold memory.
        return _dropped(state, DropReason.FUTURE_PROPOSAL, sender, height, out)
    if proposal.round < state.round and not _payload_wanted(state, proposal.block_hash):
        # The rules read only our round's proposal; an earlier one matters for its payload
        # alone (a block a quorum precommitted, sent on our BlockRequest). Else a proposer
        # could store, and have the node execute, a block for every round below ours.
        return _dropped(state, DropReason.STALE_PROPOSAL, sender, height, out)
    if state.proposals.get(proposal.round) == message:
        return state  # the same proposal again (a retransmission)
    if not _proposal_is_signed(state, message):
        # Silent before stop 56 (the hostile validator pass), as forged votes were.
        return _dropped(state, DropReason.BAD_PROPOSAL_SIGNATURE, sender, height, out)
    if state.config.hash_payload(message.payload) != proposal.block_hash:
        refused = ProposalRefused(
            height=state.height,
            round=proposal.round,
            proposer=message.signed.proposer,
            block_hash=proposal.block_hash,
        )
        out.append(refused)
        return state
    blocks = {**state.blocks, proposal.block_hash: message.payload}
    if proposal.round in state.proposals:
        # Only a payload we need: else an equivocating proposer could store any number.
        if not _payload_wanted(state, proposal.block_hash):
            return _dropped(state, DropReason.SECOND_PROPOSAL, sender, height, out)
        return replace(state, blocks=blocks)
    state = replace(state, proposals={**state.proposals, proposal.round: message}, blocks=blocks)
    state = _take_pol(state, message, sender, out)
    return request_validation(state, proposal.block_hash, proposal.round, out)


def _take_pol(
    state: ReplicaState, message: ProposalMessage, sender: PublicKey, out: list[Action]
) -> ReplicaState:
    """Store the POL prevotes a proposal carries, which line 28 needs whatever round they are
    of (on_vote's of_pol). A validator that signed VOTES_PER_SLOT_MAX votes for other blocks
    in that round's slot before has its POL vote refused there; once the POL's verified
    votes name q validators, such votes are kept one past the bound (VoteTally.add,
    quorum_shown). Else an equivocator hides a POL its own vote completes: three honest
    replicas of n=7 locked on it, the two others never counted it, and no block came."""
    proposal = message.signed.proposal
    block, pol_round = proposal.block_hash, proposal.pol_round
    pol = [
        signed
        for signed in message.pol_votes
        if (signed.vote.type, signed.vote.round, signed.vote.block_hash)
        == (VoteType.PREVOTE, pol_round, block)
    ]
    for signed in pol:
        state = on_vote(state, signed, sender, out, of_pol=True)
    counted = {v.validator for v in state.votes.votes_for(pol_round, VoteType.PREVOTE, block)}
    refused = {
        signed.validator: signed
        for signed in pol
        if signed.validator not in counted
        and state.validators.contains(signed.validator)
        and signed.vote.chain_id == state.config.chain_id
    }
    if not refused or len(counted) + len(refused) < state.quorum:
        return state
    shown = [signed for signed in refused.values() if _signature_holds(state, signed)]
    if len(counted) + len(shown) < state.quorum:
        return state
    votes = state.votes
    for signed in shown:
        votes, _ = votes.add(signed, quorum_shown=True)
    return replace(state, votes=votes)


def _proposal_is_signed(state: ReplicaState, message: ProposalMessage) -> bool:
    """Signed by proposer(height, round), with a sane POL round (whether its payload hashes
    to its block is on_proposal's next check)."""
    proposal = message.signed.proposal
    if not -1 <= proposal.pol_round < proposal.round:
        return False
    proposer = state.validators.proposer(state.height, proposal.round).public_key
    if message.signed.proposer != proposer:
        return False
    return state.config.verify(proposer, proposal.sign_bytes(), message.signed.signature)


def request_validation(
    state: ReplicaState, block: Hash32, round_number: int, out: list[Action]
) -> ReplicaState:
    """Ask the node for valid(block) once per block. Requires block in state.blocks."""
    if block in state.validity or block in state.validation_requested:
        return state
    payload = state.blocks[block]
    out.append(
        ValidateProposal(height=state.height, round=round_number, block_hash=block, payload=payload)
    )
    return replace(state, validation_requested=state.validation_requested | {block})


def on_commit(
    state: ReplicaState, message: CommitMessage, sender: PublicKey, out: list[Action]
) -> ReplicaState:
    """Keep a verified certificate and payload for this height; the decide rule uses them."""
    certificate = message.certificate
    if state.config.hash_payload(message.payload) != certificate.block_hash:
        return _dropped(state, DropReason.COMMIT_MISMATCH, sender, certificate.height, out)
    return _adopt_certificate(state, certificate, message.payload, sender, out)


def _adopt_certificate(
    state: ReplicaState,
    certificate: CommitCertificate,
    payload: bytes,
    sender: PublicKey,
    out: list[Action],
) -> ReplicaState:
    """on_commit for a payload known to hash to the certificate's block."""
    if state.step is Step.COMMITTING or state.certificate is not None:
        return state
    config = state.config
    if not certificate_is_valid(
        certificate, config.chain_id, state.validators, state.quorum, config.verify
    ):
        return _dropped(state, DropReason.BAD_CERTIFICATE, sender, certificate.height, out)
    return replace(
        state,
        certificate=certificate,
        blocks={**state.blocks, certificate.block_hash: payload},
    )


def on_certificates(
    state: ReplicaState, received: MessageReceived, message: CertificatesMessage, out: list[Action]
) -> ReplicaState:
    """Compare a peer's recent certificates with our decisions; a conflict is a fork. One
    for the height we are deciding is taken as a commit if we hold its block (a peer that
    decided it pushes just its certificate to us, see catchup.push_certificate)."""
    adopting = True  # one try per message: a peer's forged certificates cost one check
    for theirs in message.certificates[:CERTIFICATES_MAX]:
        if theirs.height == state.height:
            held = state.blocks.get(theirs.block_hash)
            if adopting and held is not None:
                state = _adopt_certificate(state, theirs, held, received.sender, out)
                adopting = False
            continue
        decided = state.decisions.get(theirs.height)
        validators = state.decided_validators.get(theirs.height)
        if decided is None or validators is None:
            # Nothing to compare it with: not verified (one check per certificate would be
            # a peer's for free), only counted.
            _dropped(state, DropReason.UNNEEDED_CERTIFICATE, received.sender, theirs.height, out)
            continue
        ours = decided.certificate
        if ours.block_hash == theirs.block_hash:
            continue
        config = state.config
        # A forged certificate must not halt us: it needs a quorum of that height's set.
        if not certificate_is_valid(
            theirs, config.chain_id, validators, validators.quorum, config.verify
        ):
            _dropped(state, DropReason.BAD_CERTIFICATE, received.sender, theirs.height, out)
            continue
        state = _on_fork(state, received, ours, theirs, their_votes=message.votes, out=out)
    return state


def _on_fork(
    state: ReplicaState,
    received: MessageReceived,
    ours: CommitCertificate,
    theirs: CommitCertificate,
    *,
    their_votes: tuple[SignedVote, ...],
    out: list[Action],
) -> ReplicaState:
    """Report the double-signers we can prove, halt, and show the peer what we saw."""
    seen = _votes_of_height(state, theirs.height)
    config = state.config
    shown = [
        v
        for v in their_votes
        if (v.vote.chain_id, v.vote.height) == (config.chain_id, theirs.height)
        and config.verify(v.validator, v.vote.sign_bytes(), v.signature)
    ]
    # Both certificates are verified (ours when we decided, theirs by on_certificates), so
    # their votes are used as they are: one Ed25519 check per signature on this path.
    found = fork_evidence(config.chain_id, ours, theirs, seen=seen, shown=shown)
    for evidence in found:
        vote = evidence.vote_a.vote
        slot = (evidence.offender, vote.height, vote.round, vote.type)
        if slot not in state.evidence_slots:
            out.append(EvidenceFound(evidence=evidence))
            state = replace(state, evidence_slots=state.evidence_slots | {slot})
    # Certificates of different rounds: the validator in both may have voted against its
    # lock without signing two votes in one slot (ADR 0012).
    certified = [
        *certified_votes(ours, config.chain_id),
        *certified_votes(theirs, config.chain_id),
    ]
    state = report_lock_violations(
        state,
        [*certified, *seen, *shown],
        state.decided_validators[theirs.height],
        out,
        height=theirs.height,
        own_votes_held=_own_votes_held(state, theirs.height),
    )
    if state.fork_height is not None:
        return state
    out.append(ForkDetected(height=theirs.height, ours=ours, theirs=theirs))
    answer = CertificatesMessage(certificates=(ours,), votes=tuple(seen))
    out.append(Send(to=received.sender, message=answer))
    return replace(state, fork_height=theirs.height)


def _own_votes_held(state: ReplicaState, height: int) -> bool:
    """Our tally of height holds our own votes: this height, or the previous one if we
    went through it (after a restart the previous height's tally is empty)."""
    if height == state.height:
        return True
    return height == state.height - 1 and state.previous_validators is not None


def _votes_of_height(state: ReplicaState, height: int) -> list[SignedVote]:
    """Every vote we still hold of height (this one or the previous), else none."""
    if height not in (state.height, state.height - 1):
        return []
    tally = state.votes if height == state.height else state.previous_votes
    return [
        vote
        for vote_type in VoteType
        for round_number in tally.rounds(vote_type)
        for vote in tally.in_round(round_number, vote_type)
    ]


def _payload_wanted(state: ReplicaState, block: Hash32) -> bool:
    """Not held, and locked, valid, or named by a quorum of prevotes or precommits."""
    if block in state.blocks:
        return False
    if block in missing_blocks(state):
        return True
    return any(
        state.votes.count(round_number, VoteType.PREVOTE, block) >= state.quorum
        for round_number in state.votes.rounds(VoteType.PREVOTE)
    )


FUTURE_ROUNDS_PER_VALIDATOR = 2
"""Rounds above ours in which one validator's votes are kept (CometBFT's peer catch-up
rounds). Without a bound, one Byzantine validator could store votes for every round of the
window, and each later step would cost more as they piled up (issue 10)."""

PAST_ROUNDS_PER_VALIDATOR = 4
"""Rounds more than one below ours in which one validator's votes are held, those kept when
they were recent counted too: a late vote of such a round is kept while fewer are held, or
if one of its validator's votes of that round is. Without a bound, one Byzantine validator
could move a replica up by 2^20 rounds (rounds.catch_up follows a validator alone ahead
when the third is silent) and then store a vote for every round below: 20,000 of them
took 59 s of steps, each slower than the last."""


def _over_budget(tally: VoteTally, ours: int, signed: SignedVote) -> DropReason | None:
    """Which budget drops a vote, None if it is kept, given ours, the round we are in (or
    left the tally's height in): always kept for our round and the one before (a vote
    merely late), else only within its sender's budget of rounds above ours, or of rounds
    further below."""
    round_number = signed.vote.round
    if ours - 1 <= round_number <= ours:
        return None
    if round_number > ours:
        held = tally.rounds_of(signed.validator, above=ours)
        if round_number in held or len(held) < FUTURE_ROUNDS_PER_VALIDATOR:
            return None
        return DropReason.FUTURE_ROUND_BUDGET
    held = tally.rounds_of(signed.validator, below=ours - 1)
    if round_number in held or len(held) < PAST_ROUNDS_PER_VALIDATOR:
        return None
    return DropReason.PAST_ROUND_BUDGET


def _round_in_window(state: ReplicaState, round_number: int) -> bool:
    return round_number <= state.round + state.config.round_window
