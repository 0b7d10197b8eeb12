"""Evidence an attacker or a test can build: one validator key signing two blocks."""

from genesis.example.parties import CHAIN_ID
from protocol.evidence import DuplicateVoteEvidence
from protocol.hashing import Hash32
from protocol.signing import SigningKey
from protocol.votes import Vote, VoteType, sign_vote


def duplicate_votes(
    key: SigningKey,
    *,
    chain_id: Hash32 = CHAIN_ID,
    vote_type: VoteType = VoteType.PREVOTE,
    height: int = 3,
    round_number: int = 1,
) -> DuplicateVoteEvidence:
    """key's two votes at one (height, round) for blocks 0x0101… and 0x0202…."""
    votes = [
        sign_vote(
            Vote(
                type=vote_type,
                chain_id=chain_id,
                height=height,
                round=round_number,
                block_hash=Hash32(bytes([fill]) * 32),
            ),
            key,
        )
        for fill in (1, 2)
    ]
    return DuplicateVoteEvidence.create(*votes)
