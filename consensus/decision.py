"""Deciding a height and entering the next one (Alg. 1 lines 49-54). Pure.

A block is decided by q precommits for it in one round (line 49) or by a verified
certificate received from a peer (catch-up); either way only once the node has said
valid(v) (line 50). The next height starts only on CommitApplied, after the node has
durably stored the block: only then may the lock be dropped (line 53).
"""

from dataclasses import replace

from consensus.actions import Action, CommitBlock
from consensus.events import CommitApplied
from consensus.intake import on_message, request_validation
from consensus.lock_evidence import report_lock_violations
from consensus.messages import CommitMessage
from consensus.rounds import start_round
from consensus.signer_state import without_lock
from consensus.state import ReplicaState, Step
from consensus.votes_tally import VoteTally
from protocol.hashing import Hash32
from protocol.votes import CommitCertificate, SignedVote, VoteType


def decide(state: ReplicaState, out: list[Action]) -> ReplicaState | None:
    """Lines 49-51: commit a block with q precommits (or a certificate) once it is valid."""
    if state.step is Step.COMMITTING:
        return None
    for block, round_number in _decided_blocks(state):
        if block not in state.blocks:
            continue  # Catch-up brings the payload with a certificate.
        valid = state.validity.get(block)
        if valid is None:
            if block in state.validation_requested:
                continue
            return request_validation(state, block, round_number, out)
        if valid:
            return _commit(state, block, _certificate(state, block, round_number), out)
    return None


def _decided_blocks(state: ReplicaState) -> list[tuple[Hash32, int]]:
    """(block, round) pairs with a commit quorum, the received certificate first."""
    found: list[tuple[Hash32, int]] = []
    if state.certificate is not None:
        found.append((state.certificate.block_hash, state.certificate.round))
    for round_number in state.votes.rounds(VoteType.PRECOMMIT):
        block = state.votes.block_with(round_number, VoteType.PRECOMMIT, state.quorum)
        if block is not None:
            found.append((block, round_number))
    return found


def _certificate(state: ReplicaState, block: Hash32, round_number: int) -> CommitCertificate:
    received = state.certificate
    if received is not None and received.block_hash == block and received.round == round_number:
        return received
    precommits = state.votes.votes_for(round_number, VoteType.PRECOMMIT, block)
    return CommitCertificate.from_votes(list(precommits))


def _commit(
    state: ReplicaState, block: Hash32, certificate: CommitCertificate, out: list[Action]
) -> ReplicaState:
    payload = state.blocks[block]
    out.append(
        CommitBlock(height=state.height, block_hash=block, payload=payload, certificate=certificate)
    )
    kept = {
        h: d for h, d in state.decisions.items() if h > state.height - state.config.decisions_kept
    }
    kept[state.height] = CommitMessage(certificate=certificate, payload=payload)
    sets = {h: v for h, v in state.decided_validators.items() if h in kept}
    sets[state.height] = state.validators
    return replace(state, step=Step.COMMITTING, decisions=kept, decided_validators=sets)


def enter_next_height(
    state: ReplicaState, applied: CommitApplied, out: list[Action]
) -> ReplicaState:
    """Lines 52-54 on CommitApplied: reset the per-height state and StartRound(0)."""
    if state.step is not Step.COMMITTING or applied.height != state.height:
        return state
    # The decided height's votes are complete enough now to look for broken locks.
    state = report_lock_violations(
        state,
        _all_votes(state.votes),
        state.validators,
        out,
        height=state.height,
        own_votes_held=True,
    )
    height = state.height + 1
    signer = state.signer
    if signer.height != height:
        # Line 53. A signer state already at `height` (data restored from a backup) keeps
        # its lock: that lock was taken together with a precommit we may have sent.
        signer = without_lock(signer)
    future = state.future
    members = applied.next_validators
    state = replace(
        state,
        height=height,
        validators=members,
        signer=signer,
        votes=VoteTally(),
        previous_votes=state.votes,
        previous_validators=state.validators,
        previous_round=state.round,
        proposals={},
        blocks={},
        validity={},
        validation_requested=frozenset(),
        certificate=None,
        prevote_timeout_round=-1,
        polka_round=-1,
        precommit_timeout_round=-1,
        timeouts=(),
        future=(),
        evidence_slots=frozenset(e for e in state.evidence_slots if e[1] >= state.height),
        lock_evidence_reported=frozenset(
            e for e in state.lock_evidence_reported if e[1] >= state.height
        ),
        # Where validators were heard: only the next set's, so what a validator that left
        # (or a key rotated out) was heard saying is not kept for as long as we run.
        rounds_heard={k: v for k, v in state.rounds_heard.items() if members.contains(k)},
        heard_votes={k: v for k, v in state.heard_votes.items() if members.contains(k)},
    )
    state = start_round(state, 0, out)
    for received in future:
        state = on_message(state, received, out)
    return state


def _all_votes(tally: VoteTally) -> list[SignedVote]:
    return [
        vote
        for vote_type in VoteType
        for round_number in tally.rounds(vote_type)
        for vote in tally.in_round(round_number, vote_type)
    ]
