"""Evidence from two commit certificates of one height that name different blocks. Pure.

A fork needs more than f_S validators that broke the rules (docs/CONSENSUS.md §6). When
both certificates hold a precommit of one validator in the same round, that validator
signed two conflicting votes in one slot: DuplicateVoteEvidence, checkable by anyone. A
precommit in the other certificate that conflicts with a vote we saw ourselves in that
slot (our tally of the height) proves the same. Used by the engine when certificates meet
through gossip and by the node's block sync when it confirms a fork.
"""

from collections.abc import Iterable

from protocol.evidence import DuplicateVoteEvidence
from protocol.hashing import Hash32
from protocol.votes import CommitCertificate, SignedVote, precommit_of


def certified_votes(certificate: CommitCertificate, chain_id: Hash32) -> list[SignedVote]:
    """The precommits a certificate carries, as signed votes.

    Requires certificate verified (protocol/certificate_check.py passed, so each of its
    signatures verifies): a fork's certificates are checked once, not again per use.
    """
    vote = precommit_of(certificate, chain_id)
    return [
        SignedVote(vote=vote, validator=s.validator, signature=s.signature)
        for s in certificate.signatures
    ]


def conflicting_votes_evidence(
    ours: Iterable[SignedVote], theirs: Iterable[SignedVote]
) -> list[DuplicateVoteEvidence]:
    """One piece of evidence per validator and slot where ours and theirs disagree.

    Requires every vote to be verified and of one chain and height.
    """
    by_slot: dict[tuple[bytes, int, str], list[SignedVote]] = {}
    for vote in ours:
        by_slot.setdefault(_slot(vote), []).append(vote)
    found: dict[tuple[bytes, int, str], DuplicateVoteEvidence] = {}
    for vote in theirs:
        slot = _slot(vote)
        mine = [v for v in by_slot.get(slot, ()) if v.vote.block_hash != vote.vote.block_hash]
        if mine and slot not in found:
            found[slot] = DuplicateVoteEvidence.create(mine[0], vote)
    return [found[slot] for slot in sorted(found)]


def _slot(vote: SignedVote) -> tuple[bytes, int, str]:
    return (vote.validator, vote.vote.round, vote.vote.type.value)


def fork_evidence(
    chain_id: Hash32,
    ours: CommitCertificate,
    theirs: CommitCertificate,
    *,
    seen: Iterable[SignedVote] = (),
    shown: Iterable[SignedVote] = (),
) -> list[DuplicateVoteEvidence]:
    """Evidence naming double-signers from two certificates of one height and the votes
    each side saw at that height (seen: ours, shown: the peer's).

    Requires ours.height == theirs.height, ours.block_hash != theirs.block_hash, both
    certificates verified and every vote verified; nothing is verified here. A validator
    that signed no two votes in one slot (it precommitted one block and later prevoted
    another against its lock) is not named here: that is lock-violation evidence
    (consensus/lock_evidence.py, ADR 0012), which needs the prevotes of the rounds between.
    """
    assert ours.height == theirs.height and ours.block_hash != theirs.block_hash
    mine = [*certified_votes(ours, chain_id), *seen]
    other = [*certified_votes(theirs, chain_id), *shown]
    return conflicting_votes_evidence(mine, other)
