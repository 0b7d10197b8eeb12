"""Signer states the tests build: a lock with the POL the signer state holds beside it."""

from consensus.signer_state import SignedStep, SignerState
from protocol.votes import SignedVote


def locked_with_pol(pol: tuple[SignedVote, ...]) -> SignerState:
    """Precommitted and locked on the block of pol's first vote, in its height and round,
    that block the valid value and pol its POL (as lines 36-43 leave it)."""
    vote = pol[0].vote
    block = vote.block_hash
    return SignerState(
        height=vote.height,
        round=vote.round,
        step=SignedStep.PRECOMMIT,
        block_hash=block,
        locked_round=vote.round,
        locked_block=block,
        valid_round=vote.round,
        valid_block=block,
        valid_pol=pol,
    )
