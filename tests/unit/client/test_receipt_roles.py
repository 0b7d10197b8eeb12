"""Every role an institution can hold is one a receipt may carry: the chain's Role enum, the
receipt schema (Python), the browser checker and the independent verifier name the same set
(a role granted on chain but missing from a checker would make a valid receipt malformed)."""

import re
from pathlib import Path

from client.receipt.schema import ROLES
from contracts.records import Role
from tests.receipts import independent_schemas

ROOT = Path(__file__).resolve().parents[3]


def test_the_receipt_schema_accepts_every_role_of_the_chain() -> None:
    assert {role.value for role in Role} == ROLES


def test_the_browser_checker_and_the_independent_verifier_name_the_same_roles() -> None:
    script = (ROOT / "node/web/static/verify.js").read_text(encoding="utf-8")
    found = re.search(r"var ROLES = \[([^\]]*)\];", script)
    assert found is not None
    assert set(re.findall(r'"([a-z_]+)"', found.group(1))) == ROLES
    assert independent_schemas.ROLES == ROLES
