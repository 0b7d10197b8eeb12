"""A register body and the record it creates name their shared fields once (ADR 0011)."""

from typing import Any

import pytest

from contracts.bodies_registry import (
    CaseRegisterBody,
    ProjectRegisterBody,
    VerificationRecordBody,
)
from contracts.case_records import Case
from contracts.credit_records import Project, Verification
from genesis.example.xiangshan_case import xiangshan_case_steps
from protocol.codec import JsonCodec, field_names
from protocol.errors import FieldTypeError

CLEAR_NAME = [{"masked_name": "王小明", "id_hash": "00" * 32}]
CASE_EXTRA = {"registered_by": "xiangshan-court", "retired_kg": 0, "retirement_ids": []}


def stored(tx_type: str, **extra: Any) -> dict[str, Any]:
    """The record the example case's tx of tx_type writes, as the state map holds it."""
    (step,) = [s for s in xiangshan_case_steps() if s.tx_type == tx_type]
    return {**step.body, **extra}


@pytest.mark.parametrize(
    ("body", "record"),
    [
        (ProjectRegisterBody, Project),
        (VerificationRecordBody, Verification),
        (CaseRegisterBody, Case),
    ],
)
def test_the_record_starts_with_the_body_fields(
    body: type[JsonCodec], record: type[JsonCodec]
) -> None:
    shared = field_names(body)
    assert field_names(record)[: len(shared)] == shared
    assert body.json_what == "body" and record.json_what != "body"


@pytest.mark.parametrize(
    ("record", "value", "field", "bad"),
    [
        (Project, stored("project.register", issuer="xiangshan-county"), "ecosystem", "forest"),
        (Verification, stored("verification.record", issued_kg=0), "verification_body", " "),
        (Case, stored("case.register", **CASE_EXTRA), "obligors", CLEAR_NAME),
    ],
)
def test_a_stored_record_is_read_with_the_body_rules(
    record: type[JsonCodec], value: dict[str, Any], field: str, bad: object
) -> None:
    assert record.from_json(value).to_json() == value
    with pytest.raises(FieldTypeError, match=field):
        record.from_json({**value, field: bad})
