"""What expect_object says of an object with wrong keys: the first missing field as before,
how many more are missing, and an unknown field that looks like a missing one named as
its likely typo (a misspelt field is reported missing, and its spelling is the cause)."""

import pytest

from protocol.errors import MissingFieldError, UnknownFieldError
from protocol.fields import expect_object

FIELDS = ("clause_hash", "insurer", "policy_id", "sum_insured_fen")


def test_a_misspelt_field_is_named_as_the_likely_typo() -> None:
    body = {"clause_hash": "00", "insurer": "x", "policy_id": "p", "sum_insured_fenn": 1}
    with pytest.raises(MissingFieldError) as raised:
        expect_object(body, "body", FIELDS)
    assert str(raised.value) == (
        "body: missing field 'sum_insured_fen'; unknown field 'sum_insured_fenn' "
        "(a typo of 'sum_insured_fen'?)"
    )


def test_every_missing_field_is_counted_and_the_first_named() -> None:
    with pytest.raises(MissingFieldError) as raised:
        expect_object({}, "body", FIELDS)
    assert str(raised.value) == (
        "body: missing field 'clause_hash' and 3 more: 'insurer', 'policy_id', 'sum_insured_fen'"
    )


def test_an_unrelated_unknown_field_gets_no_guess() -> None:
    with pytest.raises(MissingFieldError) as raised:
        expect_object({"colour": 1, "insurer": "x", "policy_id": "p", "clause_hash": "0"},
                      "body", FIELDS)  # fmt: skip
    assert str(raised.value).endswith("; unknown field 'colour'")


def test_only_unknown_fields_are_an_unknown_field_error() -> None:
    body = dict.fromkeys(FIELDS, 1) | {"extra": 1, "more": 2}
    with pytest.raises(
        UnknownFieldError, match=r"^body: unknown field 'extra' and 1 more: 'more'$"
    ):
        expect_object(body, "body", FIELDS)
