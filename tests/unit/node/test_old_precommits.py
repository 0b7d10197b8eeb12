"""node/old_precommits.py: a precommit of a height decided before the last one, against
that height's stored certificate (hostile pass of stop 50)."""

import pytest

from node.evidence_pool import EVIDENCE_AGE_MAX
from node.ledger import Ledger
from node.old_precommits import CERTIFICATES_KEPT, OldPrecommits
from protocol.hashing import Hash32, sha256
from protocol.votes import SignedVote, Vote, VoteType, sign_vote
from tests.unit.node.chain_kit import CHAIN_ID, VALIDATOR_KEYS, build_and_commit
from tests.unit.node.sync_kit import LedgerAt

SIGNER, ABSENT = VALIDATOR_KEYS[0], VALIDATOR_KEYS[2]
"""certify() signs with the first two validators; the third signs no certificate."""
OTHER_BLOCK = Hash32(sha256(b"another block"))


@pytest.fixture
def ledger(ledger_at: LedgerAt) -> Ledger:
    chain = ledger_at("chain")
    for _ in range(4):
        build_and_commit(chain)
    return chain


def _precommit(
    height: int, block: Hash32 | None, key_index: int = 0, round_number: int = 0
) -> SignedVote:
    vote = Vote(
        type=VoteType.PRECOMMIT,
        chain_id=CHAIN_ID,
        height=height,
        round=round_number,
        block_hash=block,
    )
    return sign_vote(vote, VALIDATOR_KEYS[key_index])


def test_a_conflicting_precommit_of_an_old_height_is_evidence(ledger: Ledger) -> None:
    old = OldPrecommits(ledger)
    second = _precommit(2, OTHER_BLOCK)
    evidence = old.evidence(second)
    assert evidence is not None and evidence.is_valid()
    assert evidence.offender == SIGNER.public_key and evidence.height == 2
    certified = ledger.certificate(2)
    assert certified is not None
    assert {evidence.vote_a.vote.block_hash, evidence.vote_b.vote.block_hash} == {
        certified.block_hash,
        OTHER_BLOCK,
    }
    assert old.evidence(_precommit(2, None)) is None  # named once per validator and height
    assert old.outcomes == {"certificate_read": 1, "evidence": 1}


def test_what_proves_nothing_is_no_evidence(ledger: Ledger) -> None:
    old = OldPrecommits(ledger)
    certified = ledger.certificate(2)
    assert certified is not None
    assert old.evidence(_precommit(2, certified.block_hash)) is None  # the same vote
    assert old.evidence(_precommit(2, OTHER_BLOCK, round_number=1)) is None  # another slot
    assert old.evidence(_precommit(2, OTHER_BLOCK, key_index=2)) is None  # not in it
    # The head is the engine's (its tally of the height just decided), above it nobody's.
    assert old.evidence(_precommit(ledger.height, OTHER_BLOCK)) is None
    assert old.evidence(_precommit(ledger.height + 1, OTHER_BLOCK)) is None
    prevote = sign_vote(
        Vote(type=VoteType.PREVOTE, chain_id=CHAIN_ID, height=2, round=0, block_hash=OTHER_BLOCK),
        SIGNER,
    )
    assert old.evidence(prevote) is None
    assert old.outcomes == {"certificate_read": 1}


def test_a_forged_signature_names_nobody_and_costs_one_check(ledger: Ledger) -> None:
    old = OldPrecommits(ledger)
    genuine = _precommit(2, OTHER_BLOCK)
    forged = SignedVote(vote=genuine.vote, validator=genuine.validator, signature=bytes(64))
    assert old.evidence(forged) is None
    assert old.outcomes["bad_signature"] == 1
    assert old.evidence(genuine) is not None  # a forgery does not shield the real one


def test_old_heights_cost_one_store_read_each_while_kept(ledger: Ledger) -> None:
    old = OldPrecommits(ledger)
    for _ in range(100):
        old.evidence(_precommit(1, OTHER_BLOCK, key_index=2, round_number=0))
        old.evidence(_precommit(3, OTHER_BLOCK, key_index=2, round_number=7))
    assert old.outcomes["certificate_read"] == 2
    assert len(old._certificates) <= CERTIFICATES_KEPT
    assert ledger.height < EVIDENCE_AGE_MAX  # every old height here is in the window
