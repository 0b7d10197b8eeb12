"""A receipt may hold the record of an institution granted `witness` (ADR 0025), e.g. the
court that also runs a witness: the three verifiers (client/receipt, the spec-only one and
the checker page's verify.js) accept the role, and still refuse one nobody defined; so with
`lender` (ADR 0032)."""

import shutil
from collections.abc import Callable
from typing import Any

import pytest

from protocol.encoding import encode
from tests.receipts import independent_verifier
from tests.receipts.conftest import CaseChain
from tests.receipts.tamper import python_code
from tests.receipts.tamper_reseal import reseal
from tests.receipts.test_witness_checker_js import js_codes

COURT = "institution/xiangshan-court"


def with_court_roles(extra: str) -> Callable[[dict[str, Any]], None]:
    def edit(records: dict[str, Any]) -> None:
        records[COURT]["roles"] = sorted({*records[COURT]["roles"], extra})

    return edit


def sealed(case_chain: CaseChain, extra: str) -> bytes:
    """The judicial retirement's receipt with the court holding one role more, re-sealed
    by the validators (as a chain where that grant committed would have it)."""
    chain = case_chain.chain
    receipt = chain.receipt(case_chain.judicial)
    validators = chain.ledger.validators_for_next_height()
    keys = [(v.name, chain.keys[v.name]) for v in validators.validators]
    return encode(reseal(receipt, keys, with_court_roles(extra)))


@pytest.mark.parametrize(
    ("role", "code"), [("witness", ""), ("notary", "MALFORMED"), ("lender", "")]
)
def test_the_witness_role_in_a_receipt(case_chain: CaseChain, role: str, code: str) -> None:
    receipt = sealed(case_chain, role)
    genesis = case_chain.chain.genesis_bytes
    assert f'"{role}"'.encode() in receipt
    assert python_code(receipt, genesis) == code
    assert independent_verifier.verify(receipt, genesis)[0] == (code or None)


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")
def test_the_checker_page_accepts_the_witness_role(case_chain: CaseChain) -> None:
    receipts = {role: sealed(case_chain, role) for role in ("witness", "notary", "lender")}
    codes = js_codes(case_chain.chain.genesis_bytes, receipts)
    assert codes == {"witness": "", "notary": "MALFORMED", "lender": ""}
