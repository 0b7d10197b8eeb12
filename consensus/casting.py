"""Signing votes and proposals behind the signer-state guard. Pure.

Every signature the engine makes goes through this module: it asks the guard, records the
new position in the signer state (which step() then persists ahead of every send), adds
our own vote to the tally and queues the broadcast. A replica that may not sign (not in
the set, syncing, or the guard refuses) simply stays silent.
"""

from dataclasses import replace

from consensus.actions import Action, Broadcast
from consensus.messages import ProposalMessage, SignedProposal
from consensus.signer_state import SignedStep, may_sign, record_signed
from consensus.state import ReplicaState
from protocol.hashing import Hash32
from protocol.votes import Proposal, SignedVote, Vote, VoteType

_VOTE_STEPS = {VoteType.PREVOTE: SignedStep.PREVOTE, VoteType.PRECOMMIT: SignedStep.PRECOMMIT}


def cast_vote(
    state: ReplicaState, vote_type: VoteType, block: Hash32 | None, out: list[Action]
) -> ReplicaState:
    """Sign and broadcast our vote for block (None = nil) in the current round, if allowed."""
    signed_step = _VOTE_STEPS[vote_type]
    if not state.can_sign or not may_sign(
        state.signer, state.height, state.round, signed_step, block
    ):
        return state
    vote = Vote(
        type=vote_type,
        chain_id=state.config.chain_id,
        height=state.height,
        round=state.round,
        block_hash=block,
    )
    signer = state.config.signer
    signed = SignedVote(
        vote=vote, validator=signer.public_key, signature=signer.sign(vote.sign_bytes())
    )
    out.append(Broadcast(message=signed))
    return replace(
        state,
        votes=state.votes.put_own(signed),
        signer=record_signed(state.signer, state.height, state.round, signed_step, block),
    )


def cast_proposal(
    state: ReplicaState, block: Hash32, payload: bytes, pol_round: int, out: list[Action]
) -> ReplicaState:
    """Sign and broadcast the proposal of block for the current round (Alg. 1 line 19).

    Requires us to be proposer(height, round). With pol_round >= 0 the prevotes of that
    round for block travel along, so receivers can apply line 28.
    """
    if not state.can_sign or not may_sign(
        state.signer, state.height, state.round, SignedStep.PROPOSAL, block
    ):
        return state
    proposal = Proposal(
        chain_id=state.config.chain_id,
        height=state.height,
        round=state.round,
        block_hash=block,
        pol_round=pol_round,
    )
    signer = state.config.signer
    signed = SignedProposal(
        proposal=proposal,
        proposer=signer.public_key,
        signature=signer.sign(proposal.sign_bytes()),
    )
    pol_votes = () if pol_round < 0 else state.votes.votes_for(pol_round, VoteType.PREVOTE, block)
    message = ProposalMessage(signed=signed, payload=payload, pol_votes=pol_votes)
    out.append(Broadcast(message=message))
    return replace(
        state,
        proposals={**state.proposals, state.round: message},
        blocks={**state.blocks, block: payload},
        validity={**state.validity, block: True},
        signer=record_signed(state.signer, state.height, state.round, SignedStep.PROPOSAL, block),
    )
