"""Strict readers for the fields of tx bodies and contract records. Pure.

They build on protocol/fields.py (which raises UnknownFieldError, MissingFieldError and
FieldTypeError) and add the contract's own shapes: slugs, kilogram amounts, hashes,
dates. Amount problems raise AdmissionError directly, each with its own reason, because
bodies are parsed only at admission.
"""

import re
from collections.abc import Mapping
from functools import partial
from typing import Annotated, Any, Final

from contracts.errors import AdmissionError
from contracts.reasons import AdmissionReason
from contracts.state_keys import is_slug
from protocol.codec import JsonCodec, Wire
from protocol.encoding import JsonValue
from protocol.errors import FieldTypeError
from protocol.fields import parse_hex, read_list, read_str
from protocol.hashing import HASH_SIZE, Hash32
from protocol.signing import PUBLIC_KEY_SIZE, PublicKey

AMOUNT_KG_MAX: Final = 10**12
"""One gigatonne CO2e: above any real batch, far below 2**53."""
TEXT_LENGTH_MAX: Final = 512
HASHES_MAX: Final = 32
DATE_PATTERN: Final = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])")


def read_amount(obj: Mapping[str, Any], name: str, *, allow_zero: bool = False) -> int:
    """A positive (or, with allow_zero, non-negative) integer number of kg CO2e <= AMOUNT_KG_MAX."""
    value = obj[name]
    if isinstance(value, bool) or not isinstance(value, int):
        raise FieldTypeError(f"{name}: expected an integer number of kg")
    if value < 0:
        raise AdmissionError(AdmissionReason.NEGATIVE_AMOUNT, f"{name}: {value} < 0")
    if value == 0 and not allow_zero:
        raise AdmissionError(AdmissionReason.ZERO_AMOUNT, f"{name}: zero kg")
    if value > AMOUNT_KG_MAX:
        raise AdmissionError(AdmissionReason.AMOUNT_TOO_LARGE, f"{name}: {value} kg")
    return value


def read_slug(obj: Mapping[str, Any], name: str) -> str:
    """An identifier that may appear in a state key."""
    value = read_str(obj, name, max_length=64)
    if not is_slug(value):
        raise FieldTypeError(f"{name}: {value!r} is not a slug [a-z0-9][a-z0-9._-]*")
    return value


def read_optional_slug(obj: Mapping[str, Any], name: str) -> str | None:
    return None if obj[name] is None else read_slug(obj, name)


def read_text(obj: Mapping[str, Any], name: str, *, max_length: int = TEXT_LENGTH_MAX) -> str:
    """A non-empty human-readable string (names, purposes, locations)."""
    value = read_str(obj, name, max_length=max_length)
    if not value.strip():
        raise FieldTypeError(f"{name}: must not be empty")
    return value


def read_hash(obj: Mapping[str, Any], name: str) -> Hash32:
    return Hash32(parse_hex(obj[name], name, size=HASH_SIZE))


def read_hashes(obj: Mapping[str, Any], name: str) -> tuple[Hash32, ...]:
    """A list of 1..HASHES_MAX distinct SHA-256 document hashes, kept in the given order."""
    items = read_list(obj, name, max_items=HASHES_MAX)
    hashes = tuple(Hash32(parse_hex(item, name, size=HASH_SIZE)) for item in items)
    if not hashes or len(set(hashes)) != len(hashes):
        raise FieldTypeError(f"{name}: expected distinct hashes, at least one")
    return hashes


def read_public_key(obj: Mapping[str, Any], name: str) -> PublicKey:
    return PublicKey(parse_hex(obj[name], name, size=PUBLIC_KEY_SIZE))


def read_date(obj: Mapping[str, Any], name: str) -> str:
    """A calendar date as YYYY-MM-DD; ISO dates compare correctly as strings."""
    value = read_str(obj, name, max_length=10)
    if DATE_PATTERN.fullmatch(value) is None:
        raise FieldTypeError(f"{name}: {value!r} is not YYYY-MM-DD")
    return value


def read_choice(obj: Mapping[str, Any], name: str, choices: frozenset[str]) -> str:
    value = read_str(obj, name, max_length=64)
    if value not in choices:
        raise FieldTypeError(f"{name}: {value!r} is not one of {sorted(choices)}")
    return value


def check_period(start: str, end: str) -> None:
    """A period of two Date fields ends on or after its start (ISO dates compare as strings)."""
    if end < start:
        raise FieldTypeError("period_end: before period_start")


def read_slugs(obj: Mapping[str, Any], name: str, *, max_items: int = 16) -> tuple[str, ...]:
    """A non-empty list of distinct slugs, returned sorted (order carries no meaning)."""
    items = read_list(obj, name, max_items=max_items)
    values = tuple(read_slug({name: item}, name) for item in items)
    if not values or len(set(values)) != len(values):
        raise FieldTypeError(f"{name}: expected distinct values, at least one")
    return tuple(sorted(values))


# --- Field types for declarative codecs (protocol/codec.py): each names its reader once. ---


def text(max_length: int = TEXT_LENGTH_MAX) -> Wire:
    """A non-empty string of at most max_length code points."""
    return Wire(lambda obj, name: read_text(obj, name, max_length=max_length))


def choice(choices: frozenset[str]) -> Wire:
    """A string from a closed set."""
    return Wire(lambda obj, name: read_choice(obj, name, choices))


def matching(pattern: re.Pattern[str], max_length: int, shape: str) -> Wire:
    """A string of at most max_length code points that pattern matches whole; errors name
    the expected shape."""

    def read(obj: Mapping[str, Any], name: str) -> str:
        value = read_str(obj, name, max_length=max_length)
        if pattern.fullmatch(value) is None:
            raise FieldTypeError(f"{name}: {value!r} is not {shape}")
        return value

    return Wire(read)


def _hexes(values: tuple[bytes, ...]) -> JsonValue:
    return [value.hex() for value in values]


Slug = Annotated[str, Wire(read_slug)]
"""An identifier that may appear in a state key."""
Text = Annotated[str, text()]
Date = Annotated[str, Wire(read_date)]
Amount = Annotated[int, Wire(read_amount)]
"""A positive number of kg CO2e (or fen) <= AMOUNT_KG_MAX; problems carry their own reason."""
AmountOrZero = Annotated[int, Wire(partial(read_amount, allow_zero=True))]
DocumentHashes = Annotated[tuple[Hash32, ...], Wire(read_hashes, _hexes)]
"""1..HASHES_MAX distinct document hashes, in the given order."""


class Body(JsonCodec, what="body"):
    """Base of every tx body: errors call it "body"."""

    __slots__ = ()
