"""Institutions, keys, validator-set changes and evidence (DESIGN.md §4, §5)."""

from typing import Any

import pytest

from contracts import (
    BlockContext,
    InvalidBlockError,
    apply_block,
    current_validator_set,
    is_evidence_recorded,
    next_validator_set,
)
from genesis.example.parties import CHAIN_ID, party_key, validator_set
from protocol.evidence import DuplicateVoteEvidence
from protocol.hashing import Hash32
from protocol.note import verifier_key_string
from protocol.results import TxStatus
from protocol.votes import Vote, VoteType, sign_vote
from tests.unit.contracts.evidence_kit import duplicate_votes
from tests.vectors.contracts.network import TestChain

COUNTY, NINGBO, XIAMEN = (party_key(n) for n in ("xiangshan-county", "ningbo-ptc", "xiamen-ptc"))
COURT = party_key("xiangshan-court")


def set_body(
    ids: tuple[str, ...], quorum: int, evidence: tuple[Hash32, ...] = ()
) -> dict[str, Any]:
    validators = [
        {
            "name": name,
            "public_key": party_key(name).public_key.hex(),
            "note_verifier_key": verifier_key_string(name, party_key(name).public_key),
        }
        for name in ids
    ]
    validators.sort(key=lambda v: v["public_key"])
    return {
        "validator_set": {"validators": validators, "quorum": quorum},
        "evidence_hashes": [h.hex() for h in evidence],
    }


def register_court_as_validator(chain: TestChain) -> None:
    body = {"institution_id": "xiangshan-court", "public_key": COURT.public_key.hex()}
    assert chain.submit("key.register", COUNTY, body, (NINGBO,)).status is TxStatus.ACCEPTED
    new = {
        "institution_id": "zhoushan-court",
        "name_zh": "舟山法院",
        "name_en": "Zhoushan Court",
        "roles": ["court", "validator"],
        "public_keys": [party_key("zhoushan-court").public_key.hex()],
    }
    assert chain.submit("institution.register", COUNTY, new, (XIAMEN,)).reason is None


def test_institution_register_needs_q_validators(chain: TestChain) -> None:
    body = {
        "institution_id": "xiamen-court",
        "name_zh": "思明区法院",
        "name_en": "Siming Court",
        "roles": ["court"],
        "public_keys": [party_key("xiamen-court").public_key.hex()],
    }
    assert chain.submit("institution.register", COUNTY, body).reason == "validator_quorum_missing"
    assert chain.submit("institution.register", COUNTY, body, (NINGBO,)).reason is None
    assert chain.submit("institution.register", COUNTY, body, (NINGBO,)).reason == "already_exists"


def test_a_key_signs_for_one_institution_only(chain: TestChain) -> None:
    body = {"institution_id": "ningbo-ptc", "public_key": COURT.public_key.hex()}
    assert chain.submit("key.register", COUNTY, body, (XIAMEN,)).reason == "key_in_use"


def test_adding_a_validator_takes_effect_at_the_next_height(chain: TestChain) -> None:
    register_court_as_validator(chain)
    four = ("xiangshan-county", "ningbo-ptc", "xiamen-ptc", "zhoushan-court")
    result = chain.submit("validators.update", COUNTY, set_body(four, 3), (XIAMEN,))
    assert result.reason is None
    assert current_validator_set(chain.state) == validator_set()
    assert next_validator_set(chain.state) == validator_set(four, 3)
    chain.apply([])
    assert current_validator_set(chain.state) == validator_set(four, 3)


def test_unregistered_validator_is_refused(chain: TestChain) -> None:
    four = ("xiangshan-county", "ningbo-ptc", "xiamen-ptc", "xiangshan-court")
    result = chain.submit("validators.update", COUNTY, set_body(four, 3), (XIAMEN,))
    assert result.reason == "validator_not_registered"


def test_removal_needs_every_other_validator(chain: TestChain) -> None:
    two = ("xiangshan-county", "ningbo-ptc")
    result = chain.submit("validators.update", COUNTY, set_body(two, 2), (XIAMEN,))
    assert result.reason == "removal_not_endorsed"
    assert chain.submit("validators.update", COUNTY, set_body(two, 2), (NINGBO,)).reason is None


def test_removal_with_recorded_evidence(chain: TestChain) -> None:
    evidence = duplicate_votes(XIAMEN, vote_type=VoteType.PRECOMMIT, height=1, round_number=0)
    ctx = chain.next_context()
    writes, _ = apply_block(chain.state, ctx, [], [evidence])
    chain.state.apply(writes)
    chain.height, chain.time_ms = ctx.height, ctx.time_ms
    assert is_evidence_recorded(chain.state, evidence.hash())
    with pytest.raises(InvalidBlockError, match="evidence_duplicate"):
        apply_block(chain.state, chain.next_context(), [], [evidence])
    two = ("xiangshan-county", "ningbo-ptc")
    body = set_body(two, 2, (evidence.hash(),))
    # County and Ningbo make q = 2; the evidence stands in for Xiamen's own signature.
    assert chain.submit("validators.update", COUNTY, body, (NINGBO,)).reason is None
    unknown = set_body(two, 2, (Hash32(bytes(32)),))
    assert chain.submit("validators.update", COUNTY, unknown, (NINGBO,)).reason == (
        "evidence_unknown"
    )


def test_evidence_against_a_non_validator_invalidates_the_block(chain: TestChain) -> None:
    votes = [
        sign_vote(
            Vote(type=VoteType.PREVOTE, chain_id=CHAIN_ID, height=1, round=0, block_hash=h),
            COURT,
        )
        for h in (Hash32(bytes(32)), None)
    ]
    evidence = DuplicateVoteEvidence.create(*votes)
    ctx = BlockContext(chain_id=CHAIN_ID, height=1, time_ms=chain.time_ms + 1)
    with pytest.raises(InvalidBlockError, match="evidence_not_a_validator"):
        apply_block(chain.state, ctx, [], [evidence])
