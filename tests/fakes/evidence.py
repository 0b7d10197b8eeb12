"""Real duplicate-vote evidence for tests that need some and do not care how it arose."""

from protocol.evidence import DuplicateVoteEvidence
from protocol.hashing import Hash32
from protocol.signing import SigningKey
from protocol.votes import Vote, VoteType, sign_vote


def duplicate_prevotes(
    key: SigningKey, chain_id: Hash32, blocks: tuple[Hash32, Hash32], *, round_number: int = 0
) -> DuplicateVoteEvidence:
    """key's two signed prevotes for different blocks at height 1, round_number."""
    first, second = (
        sign_vote(
            Vote(
                type=VoteType.PREVOTE,
                chain_id=chain_id,
                height=1,
                round=round_number,
                block_hash=block,
            ),
            key,
        )
        for block in blocks
    )
    return DuplicateVoteEvidence.create(first, second)
