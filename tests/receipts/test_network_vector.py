"""The committed real set-change receipts (tests/vectors/receipt-v3-network-set-change.json,
written by test_network_receipts.py) still verify in both Python verifiers, and with their
change stripped both give the stated code; the checker page runs the same cases in
tests/browser/test_checker.py."""

import json

from tests.receipts import network_vector
from tests.receipts.test_tamper_corpus import check_case


def test_the_vector_file_is_canonical_and_holds_a_real_change() -> None:
    genesis, receipts = network_vector.load()
    assert network_vector.render(genesis, receipts) == network_vector.VECTOR_FILE.read_bytes()
    before, after = (receipts[name] for name in network_vector.RECEIPT_NAMES)
    (change,) = before["validator_sets"]
    assert before["receipt_version"] == after["receipt_version"] == 3
    (same,) = after["validator_sets"]
    assert change["history_path"] and same["header"] == change["header"]
    # One between block and checkpoint, one before the block: both paths of the verifiers.
    height = change["header"]["height"]
    assert before["tx"]["height"] < height < after["tx"]["height"]
    assert change["next_validators"] != json.loads(genesis)["validators"]


def test_both_python_verifiers_give_every_case_its_code() -> None:
    genesis, receipts = network_vector.load()
    cases = network_vector.cases(receipts)
    assert [case.code for case in cases] == ["", "BAD_SET_CHANGE", "", "BAD_CHAIN"]
    for case in cases:
        check_case(case, genesis)
