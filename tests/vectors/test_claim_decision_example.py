"""The bytes of docs/STATE.md's claim decision example are what the contracts write
(ADR 0035); test_single_examples.py checks that the example and its vector are current."""

from contracts.claim_decision_records import InsuranceClaimDecision, policy_claim_totals
from contracts.reversal_records import InsuranceClaim
from contracts.state_keys import insurance_claim_decision_key, insurance_claim_key
from genesis.example.parties import party_key
from protocol.encoding import decode
from protocol.hashing import sha256
from tests.unit.contracts.test_court_grade_case import court_grade_chain
from tests.vectors import claim_decision_example as example
from tests.vectors import reversal_example
from tests.vectors.state_examples import documented_records, without

SENT = ("height", "decided_by", "paid_by", "paid_height", "claimed_by")


def test_the_documented_bytes_parse_as_the_contracts_read_them() -> None:
    lines = example.build_section().lines
    values = dict(lines)
    accepting, paying = example.example_txs()
    label = "JCS(signed insurance.claim_decide (accepted) tx)"
    assert accepting.canonical_bytes().decode() == values[label]
    assert paying.canonical_bytes().decode() == values[label.replace("accepted", "paid")]
    keys = [value for label, value in lines if label == "state key"]
    decision_key = insurance_claim_decision_key(example.CLAIM_ID)
    claim_key = insurance_claim_key(example.CLAIM_ID)
    assert keys == [decision_key, claim_key, decision_key, claim_key]
    accepted, claim_accepted, paid, claim_paid = documented_records(example.build_section())
    decision = InsuranceClaimDecision.from_json(accepted)
    assert decision.decision_hash == sha256(example.DECISION_DOCUMENT)
    assert (decision.decided_fen, decision.paid_fen) == (5_000_000, None)
    settled = InsuranceClaimDecision.from_json(paid)
    assert settled.payment_hash == sha256(example.PAYMENT_DOCUMENT)
    assert (settled.paid_fen, settled.paid_height) == (5_000_000, example.PAY_HEIGHT)
    filed = reversal_example.example_records()[2].to_json()
    assert claim_accepted == filed | {"status": "accepted"}
    assert claim_paid == filed | {"status": "paid"}
    paid_claim = InsuranceClaim.from_json(claim_paid)
    totals = policy_claim_totals(paid_claim.policy_id, 100_000_000, [(paid_claim, settled)])
    assert (totals.claimed_fen, totals.accepted_fen, totals.paid_fen) == (
        6_000_000,
        5_000_000,
        5_000_000,
    )
    assert not totals.over_claimed


def test_the_example_txs_write_exactly_the_documented_records() -> None:
    """Executed on the court-grade Xiangshan chain after the reversal example's two txs, the
    two decisions write these records with these bytes (heights and sending keys aside,
    which the chain sets)."""
    chain = court_grade_chain()
    verifier = party_key(reversal_example.VERIFIER)
    centre = party_key(example.TRADING_CENTRE)
    assert chain.submit("reversal.report", verifier, reversal_example.REPORT_BODY).reason is None
    assert chain.submit("insurance.claim", centre, reversal_example.CLAIM_BODY).reason is None
    documented = iter(documented_records(example.build_section()))
    for body in (example.ACCEPT_BODY, example.PAY_BODY):
        assert chain.submit("insurance.claim_decide", centre, body).reason is None
        for key in (
            insurance_claim_decision_key(example.CLAIM_ID),
            insurance_claim_key(example.CLAIM_ID),
        ):
            written = decode(chain.state.get(key) or b"null")
            assert isinstance(written, dict)
            assert without(written, SENT) == without(next(documented), SENT)
