"""Receipt format 4 (ADR 0030): the verification behind the credits and the case's status,
shown alike by the three verifiers (client/receipt, the independent verifier, verify.js)."""

from typing import Any

from client.receipt.summary import facts_json, summary_lines
from client.receipt.verify import verify_receipt
from protocol.encoding import encode
from tests.receipts import independent_verifier, receipt_example
from tests.receipts import receipt_v4_example as v4_example
from tests.receipts.conftest import CaseChain
from tests.receipts.tamper import field_cases
from tests.receipts.test_tamper_corpus import check_case, corpus
from tests.receipts.test_witness_checker_js import NODE, run_js

SATISFIED = "case xiangshan-2023-marine-001: SATISFIED 422,500 of 422,500 kg"


def test_format_3_and_4_of_one_retirement_share_the_id_not_the_digest(
    case_chain: CaseChain,
) -> None:
    chain = case_chain.chain
    three = verify_receipt(encode(chain.receipt(case_chain.judicial)), chain.genesis_bytes)
    four = verify_receipt(
        encode(chain.receipt(case_chain.judicial, version=4)), chain.genesis_bytes
    )
    assert (three.receipt_version, four.receipt_version) == (3, 4)
    assert three.receipt_id == four.receipt_id
    assert three.receipt_digest != four.receipt_digest  # the identity covers more records
    assert three.verification is None and three.case_status is None
    assert four.verification is not None and not four.verification.attested
    assert four.case_status is not None and four.case_status.judgment is None


def test_the_attested_receipt_shows_verifier_and_case_status(attested_chain: CaseChain) -> None:
    chain = attested_chain.chain
    facts = verify_receipt(
        encode(chain.receipt(attested_chain.judicial, version=4)), chain.genesis_bytes
    )
    verification, case = facts.verification, facts.case_status
    assert verification is not None and case is not None and case.judgment is not None
    assert verification.verifier_name_en == "Blue Carbon Audit Office"
    assert (verification.methodology_id, verification.methodology_version) == (
        "HY/T 0305-2021",
        "2021",
    )
    assert [r.label for r in verification.reports] == [
        "monitoring_report",
        "tenure_certificate",
        "verification_report",
    ]
    assert case.status == "satisfied" and case.satisfies
    assert case.status_line == SATISFIED
    assert case.judgment.compensation_yuan_text == "122,366.00"
    lines = "\n".join(summary_lines(facts))
    assert SATISFIED in lines and "122,366.00 yuan" in lines
    assert "Blue Carbon Audit Office" in lines


def test_a_voluntary_format_4_receipt_has_no_case_status(case_chain: CaseChain) -> None:
    chain = case_chain.chain
    facts = verify_receipt(
        encode(chain.receipt(case_chain.voluntary, version=4)), chain.genesis_bytes
    )
    assert facts.case_status is None and facts.verification is not None


def _shown(facts: dict[str, Any]) -> tuple[Any, ...]:
    case = facts["case_status"]
    verification = facts["verification"]
    return (
        None if case is None else (case["status"], case["retired_kg"], case["satisfies"]),
        None
        if verification is None
        else (verification["verification_id"], verification["net_sink_kg"]),
    )


def test_every_valid_format_4_case_shows_the_same_in_three_verifiers(
    case_chain: CaseChain, other_chain: CaseChain, attested_chain: CaseChain
) -> None:
    genesis = case_chain.chain.genesis_bytes
    valid = {
        case.name: case.receipt
        for case in corpus(case_chain, other_chain, attested_chain)
        if case.name.startswith("format 4") and case.code == ""
    }
    assert len(valid) >= 5
    python: dict[str, Any] = {
        name: facts_json(verify_receipt(r, genesis)) for name, r in valid.items()
    }
    statuses = {python[name]["case_status"]["status"] for name in valid}
    assert statuses == {"satisfied", "closed", "judgment"}
    for name, receipt in valid.items():
        code, independent = independent_verifier.verify(receipt, genesis)
        assert code is None, name
        mine = python[name]
        assert independent["case_status"]["status"] == mine["case_status"]["status"], name
        assert independent["case_status"]["satisfies"] == mine["case_status"]["satisfies"], name
        assert independent["verification"]["net_sink_kg"] == mine["verification"]["net_sink_kg"]
    if NODE is None:
        return
    js = run_js(genesis, valid, show=("case_status", "verification"))
    for name in valid:
        assert _shown(js[name]) == _shown(python[name]), name
        without_line = {k: v for k, v in python[name]["case_status"].items() if k != "status_line"}
        assert js[name]["case_status"] == without_line, name
        assert js[name]["verification"] == python[name]["verification"], name


def test_the_format_4_vector_is_current_and_verifies_everywhere() -> None:
    """tests/vectors/receipt-v4.json (python -m tests.receipts.receipt_v4_example --rewrite):
    the case-satisfied receipt, against receipt-v1-genesis.json, VALID in three verifiers."""
    receipt, genesis = v4_example.build_v4_example()
    assert v4_example.FORMAT_4_FILE.read_bytes() == encode(receipt)
    assert receipt_example.GENESIS_FILE.read_bytes() == genesis
    data = v4_example.FORMAT_4_FILE.read_bytes()
    facts = verify_receipt(data, genesis)
    assert facts.receipt_version == 4 and facts.case_status is not None
    assert facts.case_status.status_line == SATISFIED and facts.case_status.satisfies
    assert facts.verification is not None and facts.verification.attested
    code, independent = independent_verifier.verify(data, genesis)
    assert code is None and independent["receipt_digest"] == facts.receipt_digest
    assert independent["case_status"]["satisfies"]
    if NODE is not None:
        shown = run_js(genesis, {"v4": data}, show=("receipt_digest", "case_status"))["v4"]
        assert shown["receipt_digest"] == facts.receipt_digest
        assert shown["case_status"]["status"] == "satisfied"


def test_the_field_mutations_fail_alike_on_a_format_4_receipt(attested_chain: CaseChain) -> None:
    """The corpus' field cases, applied to a format-4 receipt as nodes serve it (the
    version-1 and version-2 controls first drop what only format 4 holds)."""
    chain = attested_chain.chain
    receipt = chain.receipt(attested_chain.judicial, version=4)
    cases = field_cases(receipt, checkpoint_quorum=chain.ledger.validators_for_next_height().quorum)
    controls = [case for case in cases if case.code == ""]
    assert len(controls) == 2
    for case in cases:
        check_case(case, chain.genesis_bytes)


def test_the_summary_ends_with_the_verdict_in_plain_words(case_chain: CaseChain) -> None:
    chain = case_chain.chain
    facts = verify_receipt(
        encode(chain.receipt(case_chain.judicial, version=4)), chain.genesis_bytes
    )
    lines = summary_lines(facts)
    # Who retired comes first: the court that signed and the case record's number (h57 F12).
    assert lines[-2].startswith(
        f"meaning      a judicial retirement signed by the court {facts.court_name_en}"
        f" for case {facts.case_number} (case id {facts.case_id}): "
        f"{facts.quantity_tonnes_text} t CO2e"
    )
    # Last, in plain words, what retired means (stop 57).
    assert lines[-1] == (
        f"final        These {facts.quantity_tonnes_text} t CO2e are permanently retired for"
        " this case and can never be sold, transferred or retired again."
    )
    # The block's certificate and the tx's signers are named apart.
    assert any(line.startswith("block        certified by ") for line in lines)
    assert any(line.startswith("tx signed by ") for line in lines)


def test_the_summary_names_the_chain_it_was_checked_against_first() -> None:
    """Two look-alike networks (same institution names) gave the same-looking summary: it
    never named the chain. Its first line now names it, with its genesis hash (stop 57)."""
    genesis = receipt_example.GENESIS_FILE.read_bytes()
    facts = verify_receipt(v4_example.FORMAT_4_FILE.read_bytes(), genesis)
    first = summary_lines(facts)[0]
    assert first == (
        f"chain        lantan-receipt-example-3 {facts.chain_id[:16]}…"
        f" (genesis hash {facts.chain_id})"
    )
