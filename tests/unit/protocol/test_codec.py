"""protocol/codec.py: a type's field declarations give its JSON form and its typed errors."""

import enum
from dataclasses import dataclass, replace
from typing import Annotated

import pytest

from contracts.bodies_credits import CreditsIssueBody, CreditsRetireJudicialBody
from contracts.errors import AdmissionError
from contracts.reasons import AdmissionReason
from protocol.codec import (
    CachedJsonCodec,
    JsonCodec,
    WireName,
    decode_tagged,
    field_names,
    integer,
    tag_table,
)
from protocol.encoding import JsonObject, encode
from protocol.errors import FieldTypeError, MissingFieldError, ProtocolError, UnknownFieldError
from protocol.hashing import Hash32, sha256


class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


@dataclass(frozen=True, slots=True, kw_only=True)
class Inner(JsonCodec, what="inner"):
    digest: Hash32


@dataclass(frozen=True, slots=True, kw_only=True)
class Sample(JsonCodec, what="sample"):
    count: int
    small: Annotated[int, integer(minimum=-1, maximum=9)]
    colour: Colour
    note: str | None
    inners: tuple[Inner, ...]
    renamed: Annotated[bool, WireName("flag")]
    extra: JsonObject

    def check(self) -> None:
        if self.count == 13:
            raise FieldTypeError("count: unlucky")


GOOD: JsonObject = {
    "count": 3,
    "small": -1,
    "colour": "blue",
    "note": None,
    "inners": [{"digest": sha256(b"x").hex()}],
    "flag": True,
    "extra": {"any": [1, "two"]},
}


def test_round_trip_writes_exactly_what_it_reads() -> None:
    sample = Sample.from_json(GOOD)
    assert sample.colour is Colour.BLUE
    assert sample.inners == (Inner(digest=sha256(b"x")),)
    assert sample.renamed is True
    assert sample.to_json() == GOOD
    assert field_names(Sample) == tuple(GOOD)


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"count": True}, FieldTypeError),  # bool is never an int
        ({"count": -1}, FieldTypeError),
        ({"count": 2**53}, FieldTypeError),
        ({"small": 10}, FieldTypeError),
        ({"colour": "green"}, FieldTypeError),
        ({"note": 5}, FieldTypeError),
        ({"inners": [{"digest": "AB" * 32}]}, FieldTypeError),  # uppercase hex
        ({"inners": [{"digest": "ab"}]}, FieldTypeError),  # wrong length
        ({"inners": [{"digest": "ab" * 32, "x": 1}]}, UnknownFieldError),
        ({"flag": 1}, FieldTypeError),
        ({"extra": []}, FieldTypeError),
        ({"count": 13}, FieldTypeError),  # check()
        ({"surplus": 1}, UnknownFieldError),
    ],
)
def test_each_malformed_field_has_its_typed_error(change: JsonObject, error: type) -> None:
    with pytest.raises(error) as raised:
        Sample.from_json({**GOOD, **change})
    assert type(raised.value) is error


@pytest.mark.parametrize(
    ("item", "message"),
    [
        (1, "inners: expected an object, got integer"),
        ("x", "inners: expected an object, got string"),
        (None, "inners: expected an object, got null"),
        ([], "inners: expected an object, got array"),
        ({}, "inner: missing field 'digest'"),
    ],
)
def test_an_item_of_a_list_of_objects_that_is_not_one_names_the_list(
    item: object, message: str
) -> None:
    with pytest.raises(ProtocolError) as raised:
        Sample.from_json({**GOOD, "inners": [GOOD["inners"][0], item]})  # type: ignore[index]
    assert str(raised.value) == message


def test_a_missing_field_is_reported_before_an_unknown_one() -> None:
    value = {k: v for k, v in GOOD.items() if k != "note"} | {"zzz": 1}
    with pytest.raises(MissingFieldError, match="'note'"):
        Sample.from_json(value)
    with pytest.raises(UnknownFieldError, match="'renamed'"):
        Sample.from_json({**GOOD, "renamed": True})  # the attribute name is not the wire's


def test_amounts_keep_their_admission_reasons() -> None:
    body = {
        "case_id": "case-1",
        "account_id": "eco",
        "batch_id": "b-1",
        "quantity_kg": 5,
        "beneficiary": "象山县蓝碳生态碳账户",
    }
    assert CreditsRetireJudicialBody.from_json(body).to_json() == body
    for amount, reason in [
        (0, AdmissionReason.ZERO_AMOUNT),
        (-5, AdmissionReason.NEGATIVE_AMOUNT),
        (10**12 + 1, AdmissionReason.AMOUNT_TOO_LARGE),
    ]:
        with pytest.raises(AdmissionError) as raised:
            CreditsRetireJudicialBody.from_json({**body, "quantity_kg": amount})
        assert raised.value.reason is reason
    with pytest.raises(FieldTypeError):
        CreditsRetireJudicialBody.from_json({**body, "quantity_kg": True})
    with pytest.raises(FieldTypeError):
        CreditsRetireJudicialBody.from_json({**body, "case_id": "Not A Slug"})


def test_bounded_integer_names_its_field() -> None:
    issue = {
        "batch_id": "b",
        "verification_id": "v",
        "vintage": 2201,
        "quantity_kg": 1,
        "buffer_kg": 0,
        "to_account": "a",
    }
    with pytest.raises(FieldTypeError, match="vintage"):
        CreditsIssueBody.from_json(issue)
    assert CreditsIssueBody.from_json({**issue, "vintage": 2023}).buffer_kg == 0


@dataclass(frozen=True, slots=True, kw_only=True)
class Ping(JsonCodec, what="ping", tag=("kind", "ping")):
    height: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Pong(JsonCodec, what="pong", tag=("kind", "pong")):
    height: int


def test_tagged_union_writes_and_checks_its_tag() -> None:
    members = tag_table(Ping, Pong)
    assert Pong(height=4).to_json() == {"kind": "pong", "height": 4}
    assert decode_tagged({"kind": "pong", "height": 4}, "msg", "kind", members) == Pong(height=4)
    with pytest.raises(FieldTypeError, match="unknown kind 'pang'"):
        decode_tagged({"kind": "pang", "height": 4}, "msg", "kind", members)
    with pytest.raises(FieldTypeError):
        decode_tagged([], "msg", "kind", members)
    with pytest.raises(FieldTypeError):
        Ping.from_json({"kind": "pong", "height": 4})
    with pytest.raises(MissingFieldError, match="'kind'"):
        Ping.from_json({"height": 4})


@dataclass(frozen=True, slots=True, kw_only=True)
class Cached(CachedJsonCodec, what="cached"):
    name: str
    count: int


def test_cached_canonical_bytes_are_the_encoding_and_kept() -> None:
    item = Cached(name="b", count=1)
    first = item.canonical_bytes()
    assert first == encode(item.to_json()) == b'{"count":1,"name":"b"}'
    assert item.canonical_bytes() is first
    # The cache is no field: equality, replace() and the JSON form ignore it.
    again = Cached(name="b", count=1)
    assert again == item and again.to_json() == item.to_json()
    changed = replace(item, count=2)
    assert changed.canonical_bytes() == b'{"count":2,"name":"b"}'
    with pytest.raises(AttributeError):
        item.name = "c"  # type: ignore[misc]
