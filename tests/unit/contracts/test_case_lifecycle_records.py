"""Case lifecycle records (ADR 0029): the case.judgment and case.close bodies and records read
strictly and write back the same JSON; case_status is closed > satisfied > judgment >
registered."""

import pytest

from contracts.case_lifecycle_records import (
    CASE_STATUSES,
    CaseCloseBody,
    CaseClosure,
    CaseJudgment,
    CaseJudgmentBody,
    CaseStatus,
    case_status,
)
from contracts.case_records import Case, Obligor
from contracts.state_keys import case_closure_key, case_judgment_key
from genesis.example.xiangshan_case import CASE_ID
from protocol.errors import MissingFieldError, SchemaError, UnknownFieldError
from protocol.hashing import Hash32
from protocol.signing import PublicKey
from tests.unit.contracts.case_kit import close_body, judgment_body

COURT_KEY = "ab" * 32


def test_keys_name_the_case() -> None:
    assert case_judgment_key("c-1") == "case_judgment/c-1"
    assert case_closure_key("c-1") == "case_closure/c-1"


def test_the_bodies_read_and_write_the_same_json() -> None:
    assert CaseJudgmentBody.from_json(judgment_body()).to_json() == judgment_body()
    assert CaseCloseBody.from_json(close_body()).to_json() == close_body()
    body = CaseJudgmentBody.from_json(judgment_body())
    assert body.compensation_fen == 12_236_600
    assert body.judgment_hash == bytes.fromhex("11" * 32)


def test_the_records_add_the_court_key_and_height() -> None:
    judgment = judgment_body() | {"judged_by": COURT_KEY, "height": 7}
    closure = close_body() | {"closed_by": COURT_KEY, "height": 9}
    record = CaseJudgment.from_json(judgment)
    assert record.judged_by == PublicKey(bytes.fromhex(COURT_KEY)) and record.height == 7
    assert record.to_json() == judgment
    assert CaseClosure.from_json(closure).to_json() == closure
    with pytest.raises(MissingFieldError):
        CaseJudgment.from_json(judgment_body())
    with pytest.raises(UnknownFieldError):
        CaseCloseBody.from_json(closure)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("compensation_fen", -1),
        ("compensation_fen", 10**15 + 1),
        ("compensation_fen", "100"),
        ("judgment_date", "2023-9-15"),
        ("judgment_date", "2023-13-01"),
        ("harm_site", ""),
        ("harm_site", "x" * 129),
        ("ecosystem", "forest"),
        ("judgment_hash", "11" * 31),
        ("case_id", "Not A Slug"),
    ],
)
def test_a_judgment_body_refuses_bad_fields(field: str, value: object) -> None:
    with pytest.raises(SchemaError):
        CaseJudgmentBody.from_json(judgment_body() | {field: value})


def test_a_judgment_body_takes_the_bounds() -> None:
    for fen in (0, 10**15):
        assert (
            CaseJudgmentBody.from_json(judgment_body(compensation_fen=fen)).compensation_fen == fen
        )
    assert CaseJudgmentBody.from_json(judgment_body(harm_site="x" * 128)).harm_site == "x" * 128


@pytest.mark.parametrize("outcome", ["satisfied", "withdrawn", "terminated"])
def test_a_close_body_takes_the_three_outcomes(outcome: str) -> None:
    assert CaseCloseBody.from_json(close_body(outcome=outcome)).outcome == outcome


@pytest.mark.parametrize(("field", "value"), [("outcome", "closed"), ("document_hash", "zz")])
def test_a_close_body_refuses_bad_fields(field: str, value: object) -> None:
    with pytest.raises(SchemaError):
        CaseCloseBody.from_json(close_body() | {field: value})


def a_case(retired_kg: int, required_kg: int = 422_500) -> Case:
    return Case(
        case_id=CASE_ID,
        court="xiangshan-court",
        case_number="(2023)浙0225刑初1号",
        case_type="非法捕捞水产品",
        plaintiff=None,
        obligors=(Obligor(masked_name="王某某", id_hash=Hash32(b"\x01" * 32)),),
        required_kg=required_kg,
        document_hash=Hash32(b"\x02" * 32),
        registered_by="xiangshan-court",
        retired_kg=retired_kg,
        retirement_ids=(),
    )


JUDGMENT = CaseJudgment.from_json(judgment_body() | {"judged_by": COURT_KEY, "height": 3})
CLOSURE = CaseClosure.from_json(
    close_body(outcome="withdrawn") | {"closed_by": COURT_KEY, "height": 4}
)


@pytest.mark.parametrize(
    ("retired_kg", "judgment", "closure", "status"),
    [
        (0, None, None, CaseStatus.REGISTERED),
        (422_499, None, None, CaseStatus.REGISTERED),
        (0, JUDGMENT, None, CaseStatus.JUDGMENT),
        (422_499, JUDGMENT, None, CaseStatus.JUDGMENT),
        (422_500, None, None, CaseStatus.SATISFIED),
        (422_500, JUDGMENT, None, CaseStatus.SATISFIED),
        (0, None, CLOSURE, CaseStatus.CLOSED),
        (422_500, JUDGMENT, CLOSURE, CaseStatus.CLOSED),
        (100, JUDGMENT, CLOSURE, CaseStatus.CLOSED),
    ],
)
def test_case_status_precedence(
    retired_kg: int, judgment: CaseJudgment | None, closure: CaseClosure | None, status: str
) -> None:
    assert case_status(a_case(retired_kg), judgment, closure) == status


def test_the_statuses_are_the_four_named_in_lifecycle_order() -> None:
    assert CASE_STATUSES == ("registered", "judgment", "satisfied", "closed")
