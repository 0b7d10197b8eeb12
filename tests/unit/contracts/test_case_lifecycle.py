"""case.judgment and case.close (ADR 0029): the case's court records one judgment and one
closure; a closed case takes no judgment, no second closure and no judicial retirement; a
"satisfied" closure needs the judicial retirements to reach the case's required kg."""

import pytest

from contracts.case_lifecycle_records import CaseClosure, CaseJudgment, CaseStatus, case_status_in
from contracts.case_records import Case
from contracts.state_keys import case_closure_key, case_judgment_key, case_key
from contracts.store import load
from genesis.example.parties import party_key
from genesis.example.xiangshan_case import CASE_ID, xiangshan_case_steps
from tests.unit.contracts.case_kit import close_body as close
from tests.unit.contracts.case_kit import judgment_body as judgment
from tests.unit.contracts.conftest import run_steps
from tests.vectors.contracts.network import TestChain

COURT, PROCURATORATE = party_key("xiangshan-court"), party_key("xiangshan-procuratorate")
COUNTY, NINGBO = party_key("xiangshan-county"), party_key("ningbo-ptc")
AUDITOR = party_key("zhejiang-auditor")
RETIRE_JUDICIAL = xiangshan_case_steps()[6]


@pytest.fixture
def registered() -> TestChain:
    """The case registered; the obligors' 422,500 kg in the Ecological Account, not retired."""
    return run_steps(TestChain.create(), 6)


def status(chain: TestChain) -> str:
    case = load(chain.state, case_key(CASE_ID), Case.from_json)
    assert case is not None
    return case_status_in(chain.state, case)


def retire(chain: TestChain, quantity_kg: int = 422_500) -> str | None:
    body = dict(RETIRE_JUDICIAL.body) | {"quantity_kg": quantity_kg}
    return chain.submit(RETIRE_JUDICIAL.tx_type, COUNTY, body, (COURT,)).reason


def test_the_court_records_its_judgment(registered: TestChain) -> None:
    case_before = registered.state.get(case_key(CASE_ID))
    assert status(registered) == CaseStatus.REGISTERED
    assert registered.submit("case.judgment", COURT, judgment()).reason is None
    record = load(registered.state, case_judgment_key(CASE_ID), CaseJudgment.from_json)
    assert record is not None
    assert record.to_json() == judgment() | {
        "judged_by": COURT.public_key.hex(),
        "height": registered.height,
    }
    assert registered.state.get(case_key(CASE_ID)) == case_before
    assert status(registered) == CaseStatus.JUDGMENT


def test_a_case_takes_one_judgment(registered: TestChain) -> None:
    assert registered.submit("case.judgment", COURT, judgment()).reason is None
    again = judgment(compensation_fen=1)
    assert registered.submit("case.judgment", COURT, again).reason == "case_already_judged"
    record = load(registered.state, case_judgment_key(CASE_ID), CaseJudgment.from_json)
    assert record is not None and record.compensation_fen == 12_236_600


def test_only_the_cases_own_court_sends_them(registered: TestChain) -> None:
    for sender in (PROCURATORATE, COUNTY):
        assert registered.submit("case.judgment", sender, judgment()).reason == "signer_lacks_role"
        assert registered.submit("case.close", sender, close("withdrawn")).reason == (
            "signer_lacks_role"
        )
    grant = {"institution_id": "zhejiang-auditor", "role": "court"}
    assert registered.submit("role.grant", COUNTY, grant, (NINGBO,)).reason is None
    assert registered.submit("case.judgment", AUDITOR, judgment()).reason == "wrong_court"
    assert registered.submit("case.close", AUDITOR, close("withdrawn")).reason == "wrong_court"
    unknown = judgment(case_id="no-such-case")
    assert registered.submit("case.judgment", COURT, unknown).reason == "unknown_case"
    assert registered.state.get(case_judgment_key(CASE_ID)) is None
    assert registered.state.get(case_closure_key(CASE_ID)) is None


def test_satisfied_exactly_when_the_retirements_reach_the_required_kg(
    registered: TestChain,
) -> None:
    assert registered.submit("case.judgment", COURT, judgment()).reason is None
    assert retire(registered, 422_000) is None
    assert status(registered) == CaseStatus.JUDGMENT
    assert registered.submit("case.close", COURT, close()).reason == "case_not_satisfied"
    assert retire(registered, 500) is None
    assert status(registered) == CaseStatus.SATISFIED
    assert registered.submit("case.close", COURT, close()).reason is None
    assert status(registered) == CaseStatus.CLOSED


def test_satisfaction_may_come_before_the_judgment(registered: TestChain) -> None:
    """As in Xiangshan: the obligors' subscription was retired before the judgment."""
    assert retire(registered) is None
    assert status(registered) == CaseStatus.SATISFIED
    assert registered.submit("case.judgment", COURT, judgment()).reason is None
    assert status(registered) == CaseStatus.SATISFIED


def test_a_closed_case_takes_nothing_more(registered: TestChain) -> None:
    assert registered.submit("case.close", COURT, close("withdrawn")).reason is None
    record = load(registered.state, case_closure_key(CASE_ID), CaseClosure.from_json)
    assert record is not None
    assert record.to_json() == close("withdrawn") | {
        "closed_by": COURT.public_key.hex(),
        "height": registered.height,
    }
    assert status(registered) == CaseStatus.CLOSED
    assert registered.submit("case.judgment", COURT, judgment()).reason == "case_closed"
    assert registered.submit("case.close", COURT, close("terminated")).reason == "case_closed"
    case_before = registered.state.get(case_key(CASE_ID))
    assert retire(registered, 1) == "case_closed"
    assert registered.state.get(case_key(CASE_ID)) == case_before


@pytest.mark.parametrize("outcome", ["withdrawn", "terminated"])
def test_other_outcomes_close_an_unsatisfied_case(registered: TestChain, outcome: str) -> None:
    assert registered.submit("case.close", COURT, close(outcome)).reason is None
    assert status(registered) == CaseStatus.CLOSED
