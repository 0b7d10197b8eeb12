"""The bytes of docs/STATE.md's case lifecycle example are what the contracts write (ADR
0029); test_single_examples.py checks that the example and its vector are current."""

from contracts.case_lifecycle_records import CaseClosure, CaseJudgment, CaseStatus, case_status_in
from contracts.case_records import Case
from contracts.state_keys import case_closure_key, case_judgment_key, case_key
from contracts.store import load
from genesis.example.parties import party_key
from protocol.encoding import JsonObject, decode
from protocol.hashing import sha256
from tests.unit.contracts.conftest import run_steps
from tests.vectors import case_lifecycle_example as example
from tests.vectors.contracts.network import TestChain

SENT = ("height", "judged_by", "closed_by")


def documented_records() -> list[JsonObject]:
    lines = example.build_section().lines
    records = [decode(value.encode()) for label, value in lines if label == "value = JCS(record)"]
    assert all(isinstance(record, dict) for record in records)
    return records  # type: ignore[return-value]


def test_the_documented_bytes_parse_as_the_contracts_read_them() -> None:
    lines = example.build_section().lines
    values = dict(lines)
    judging, closing = example.example_txs()
    assert judging.canonical_bytes().decode() == values["JCS(signed case.judgment tx)"]
    assert closing.canonical_bytes().decode() == values["JCS(signed case.close tx)"]
    keys = [value for label, value in lines if label == "state key"]
    assert keys == [case_judgment_key(example.CASE_ID), case_closure_key(example.CASE_ID)]
    judgment_json, closure_json = documented_records()
    judgment = CaseJudgment.from_json(judgment_json)
    assert judgment.to_json() == {
        **example.JUDGMENT_BODY,
        "judged_by": judging.tx.sender.hex(),
        "height": example.JUDGMENT_HEIGHT,
    }
    assert judgment.judgment_hash == sha256(example.JUDGMENT_DOCUMENT)
    assert judgment.compensation_fen == 122_366 * 100
    closure = CaseClosure.from_json(closure_json)
    assert closure.document_hash == sha256(example.CLOSING_DOCUMENT)
    assert (closure.outcome, closure.height) == ("satisfied", example.CLOSURE_HEIGHT)


def test_the_example_txs_write_exactly_the_documented_records() -> None:
    """Executed on the Xiangshan chain after its judicial retirement, the two txs write
    these records with these bytes (height and sending key aside, which the chain sets)."""
    chain = run_steps(TestChain.create(), 7)
    court = party_key(example.COURT)
    assert chain.submit("case.judgment", court, example.JUDGMENT_BODY).reason is None
    assert chain.submit("case.close", court, example.CLOSE_BODY).reason is None
    keys = (case_judgment_key(example.CASE_ID), case_closure_key(example.CASE_ID))
    for key, expected in zip(keys, documented_records(), strict=True):
        written = decode(chain.state.get(key) or b"null")
        assert isinstance(written, dict)
        assert {k: v for k, v in written.items() if k not in SENT} == {
            k: v for k, v in expected.items() if k not in SENT
        }
    case = load(chain.state, case_key(example.CASE_ID), Case.from_json)
    assert case is not None and case_status_in(chain.state, case) == CaseStatus.CLOSED
