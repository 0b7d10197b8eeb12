"""The bytes of docs/STATE.md's reversal example are what the contracts write (ADR 0033);
test_single_examples.py checks that the example and its vector are current."""

from contracts.reversal_records import BatchReversals, InsuranceClaim, Reversal
from contracts.state_keys import batch_reversal_key, insurance_claim_key, reversal_key
from genesis.example.parties import party_key
from protocol.encoding import decode
from protocol.hashing import sha256
from tests.unit.contracts.test_court_grade_case import court_grade_chain
from tests.vectors import reversal_example as example
from tests.vectors.state_examples import documented_records, without

SENT = ("height", "reported_by", "claimed_by")


def test_the_documented_bytes_parse_as_the_contracts_read_them() -> None:
    lines = example.build_section().lines
    values = dict(lines)
    reporting, claiming = example.example_txs()
    assert reporting.canonical_bytes().decode() == values["JCS(signed reversal.report tx)"]
    assert claiming.canonical_bytes().decode() == values["JCS(signed insurance.claim tx)"]
    keys = [value for label, value in lines if label == "state key"]
    assert keys == [
        reversal_key(example.REVERSAL_ID),
        batch_reversal_key(example.BATCH_ID),
        insurance_claim_key(example.CLAIM_ID),
    ]
    reversal_json, totals_json, claim_json = documented_records(example.build_section())
    reversal = Reversal.from_json(reversal_json)
    assert reversal.report_hash == sha256(example.REPORT_DOCUMENT)
    assert reversal.buffer_drawn_kg + reversal.uncovered_kg == reversal.lost_kg
    assert (reversal.drawn_first_serial, reversal.drawn_last_serial) == (450_001, 500_000)
    totals = BatchReversals.from_json(totals_json)
    assert (totals.lost_kg, totals.uncovered_kg) == (60_000, 10_000)
    claim = InsuranceClaim.from_json(claim_json)
    assert claim.claim_hash == sha256(example.CLAIM_DOCUMENT)
    assert (claim.status, claim.height) == ("filed", example.CLAIM_HEIGHT)


def test_the_example_txs_write_exactly_the_documented_records() -> None:
    """Executed on the court-grade Xiangshan chain, the two txs write these records with
    these bytes (height and sending key aside, which the chain sets)."""
    chain = court_grade_chain()
    verifier, centre = party_key(example.VERIFIER), party_key(example.TRADING_CENTRE)
    assert chain.submit("reversal.report", verifier, example.REPORT_BODY).reason is None
    assert chain.submit("insurance.claim", centre, example.CLAIM_BODY).reason is None
    keys = (
        reversal_key(example.REVERSAL_ID),
        batch_reversal_key(example.BATCH_ID),
        insurance_claim_key(example.CLAIM_ID),
    )
    for key, expected in zip(keys, documented_records(example.build_section()), strict=True):
        written = decode(chain.state.get(key) or b"null")
        assert isinstance(written, dict)
        assert without(written, SENT) == without(expected, SENT)
