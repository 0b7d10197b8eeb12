"""insurance.claim_decide (ADR 0035): the institution that attested a claim's policy records
the insurer's decision; the claim's status moves filed -> accepted | rejected, accepted ->
paid and nothing else, each other move refused with its own reason; accepted fen at most the
claimed fen, paid fen at most the accepted fen; a policy's totals sum its claims."""

import itertools

import pytest

from contracts.claim_decision_records import (
    CLAIM_DECISIONS,
    CLAIM_MOVES,
    ClaimStatus,
    InsuranceClaimDecision,
    policy_claim_totals,
    status_after,
)
from contracts.claim_decisions import ILLEGAL_MOVES
from contracts.reasons import RejectReason
from contracts.reversal_records import CLAIM_STATUSES, InsuranceClaim
from contracts.state_keys import insurance_claim_decision_key, insurance_claim_key
from contracts.store import load
from genesis.example.parties import party_key
from genesis.example.xiangshan_court_grade import VERIFIER_ID
from tests.unit.contracts.reversal_kit import ACCOUNT_POLICY
from tests.unit.contracts.reversal_kit import claim_body as claim
from tests.unit.contracts.reversal_kit import decide_body as decide
from tests.unit.contracts.reversal_kit import report_body as report
from tests.unit.contracts.test_court_grade_case import court_grade_chain
from tests.vectors.contracts.network import TestChain

VERIFIER = party_key(VERIFIER_ID)
NINGBO, XIAMEN = party_key("ningbo-ptc"), party_key("xiamen-ptc")
COUNTY, COURT = party_key("xiangshan-county"), party_key("xiangshan-court")
CLAIM_ID = "eco-account-claim-1"


@pytest.fixture
def chain() -> TestChain:
    """The court-grade case done, a 30,000 kg storm loss reported and a claim of 30,000 yuan
    filed under the Ecological Account's policy, which Ningbo PTC attested."""
    chain = court_grade_chain()
    assert chain.submit("reversal.report", VERIFIER, report()).reason is None
    assert chain.submit("insurance.claim", NINGBO, claim()).reason is None
    return chain


def claim_record(chain: TestChain, claim_id: str = CLAIM_ID) -> InsuranceClaim:
    found = load(chain.state, insurance_claim_key(claim_id), InsuranceClaim.from_json)
    assert found is not None
    return found


def decision_record(chain: TestChain, claim_id: str = CLAIM_ID) -> InsuranceClaimDecision | None:
    key = insurance_claim_decision_key(claim_id)
    return load(chain.state, key, InsuranceClaimDecision.from_json)


def test_accepted_then_paid(chain: TestChain) -> None:
    filed = claim_record(chain)
    assert (
        chain.submit("insurance.claim_decide", NINGBO, decide("accepted", 2_500_000)).reason is None
    )
    accepted_at = chain.height
    assert claim_record(chain) == InsuranceClaim.from_json(filed.to_json() | {"status": "accepted"})
    decision = decision_record(chain)
    assert decision is not None
    assert decision.to_json() == {
        "claim_id": CLAIM_ID,
        "policy_id": ACCOUNT_POLICY,
        "decision": "accepted",
        "decided_fen": 2_500_000,
        "decision_hash": "55" * 32,
        "decided_by": NINGBO.public_key.hex(),
        "height": accepted_at,
        "paid_fen": None,
        "payment_hash": None,
        "paid_by": None,
        "paid_height": None,
    }
    assert chain.submit("insurance.claim_decide", NINGBO, decide("paid", 2_400_000)).reason is None
    assert claim_record(chain).status == "paid"
    paid = decision_record(chain)
    assert paid is not None
    assert paid.to_json() == decision.to_json() | {
        "paid_fen": 2_400_000,
        "payment_hash": "57" * 32,
        "paid_by": NINGBO.public_key.hex(),
        "paid_height": chain.height,
    }
    assert status_after(paid) == "paid"


def test_rejected(chain: TestChain) -> None:
    assert chain.submit("insurance.claim_decide", NINGBO, decide("rejected", 0)).reason is None
    assert claim_record(chain).status == "rejected"
    decision = decision_record(chain)
    assert decision is not None
    assert (decision.decision, decision.decided_fen, decision.paid_fen) == ("rejected", 0, None)
    assert status_after(decision) == "rejected"


def test_only_the_policys_attesting_institution_decides(chain: TestChain) -> None:
    body = decide("accepted", 1_000)
    assert chain.submit("insurance.claim_decide", COURT, body).reason == "signer_lacks_role"
    # Xiamen PTC and the county hold the roles that attest policies, but did not attest it.
    for other in (XIAMEN, COUNTY):
        assert chain.submit("insurance.claim_decide", other, body).reason == "not_policy_attester"
    missing = decide("accepted", 1_000, claim_id="no-such-claim")
    assert chain.submit("insurance.claim_decide", NINGBO, missing).reason == "unknown_claim"
    assert claim_record(chain).status == "filed"
    assert decision_record(chain) is None


def test_the_fen_each_decision_may_carry(chain: TestChain) -> None:
    cases = {
        "claim_rejection_with_fen": decide("rejected", 1),
        "claim_decision_without_fen": decide("accepted", 0),
        "claim_decision_exceeds_claimed": decide("accepted", 3_000_001),
    }
    for reason, body in cases.items():
        assert chain.submit("insurance.claim_decide", NINGBO, body).reason == reason
    assert decision_record(chain) is None
    assert (
        chain.submit("insurance.claim_decide", NINGBO, decide("accepted", 3_000_000)).reason is None
    )
    paying_nothing = decide("paid", 0)
    assert chain.submit("insurance.claim_decide", NINGBO, paying_nothing).reason == (
        "claim_decision_without_fen"
    )
    too_much = decide("paid", 3_000_001)
    assert chain.submit("insurance.claim_decide", NINGBO, too_much).reason == (
        "claim_payment_exceeds_accepted"
    )
    assert claim_record(chain).status == "accepted"


def test_every_illegal_move_has_its_own_reason() -> None:
    statuses = (ClaimStatus.FILED, ClaimStatus.ACCEPTED, ClaimStatus.REJECTED, ClaimStatus.PAID)
    assert frozenset(statuses) == CLAIM_STATUSES
    illegal = {
        move for move in itertools.product(statuses, CLAIM_DECISIONS) if move not in CLAIM_MOVES
    }
    assert set(ILLEGAL_MOVES) == illegal
    assert len(set(ILLEGAL_MOVES.values())) == len(illegal) == 9
    for (before, after), reason in ILLEGAL_MOVES.items():
        assert reason is RejectReason(f"claim_{before}_to_{after}")


@pytest.mark.parametrize(("before", "after"), sorted(ILLEGAL_MOVES))
def test_an_illegal_move_is_refused(chain: TestChain, before: str, after: str) -> None:
    reach = {
        "filed": [],
        "accepted": [decide("accepted", 2_000_000)],
        "rejected": [decide("rejected", 0)],
        "paid": [decide("accepted", 2_000_000), decide("paid", 2_000_000)],
    }
    for body in reach[before]:
        assert chain.submit("insurance.claim_decide", NINGBO, body).reason is None
    settled = chain.state.get(insurance_claim_decision_key(CLAIM_ID))
    fen = 0 if after == "rejected" else 1_000
    result = chain.submit("insurance.claim_decide", NINGBO, decide(after, fen))
    assert result.reason == f"claim_{before}_to_{after}"
    assert claim_record(chain).status == before
    assert chain.state.get(insurance_claim_decision_key(CLAIM_ID)) == settled


def test_a_policys_totals_sum_its_claims(chain: TestChain) -> None:
    second = claim("eco-account-claim-2", claimed_fen=90_000_000)
    third = claim("eco-account-claim-3", claimed_fen=20_000_000)
    for body in (second, third):
        assert chain.submit("insurance.claim", NINGBO, body).reason is None
    steps = [
        decide("accepted", 2_500_000),
        decide("paid", 2_000_000),
        decide("rejected", 0, claim_id="eco-account-claim-2"),
    ]
    for body in steps:
        assert chain.submit("insurance.claim_decide", NINGBO, body).reason is None
    ids = (CLAIM_ID, "eco-account-claim-2", "eco-account-claim-3")
    pairs = [(claim_record(chain, i), decision_record(chain, i)) for i in ids]
    totals = policy_claim_totals(ACCOUNT_POLICY, 100_000_000, pairs)
    assert totals.to_json() == {
        "policy_id": ACCOUNT_POLICY,
        "sum_insured_fen": 100_000_000,
        "claims": 3,
        "claimed_fen": 113_000_000,
        "rejected_fen": 90_000_000,
        "accepted_fen": 2_500_000,
        "paid_fen": 2_000_000,
        "over_claimed": False,
    }
    # Without the rejection, 113,000,000 fen claimed exceed the 100,000,000 insured.
    undecided = [(pairs[1][0], None)]
    over = policy_claim_totals(ACCOUNT_POLICY, 100_000_000, [pairs[0], *undecided, pairs[2]])
    assert over.over_claimed and over.claimed_fen - over.rejected_fen == 113_000_000
    assert policy_claim_totals("other-policy", 1, pairs).claims == 0
