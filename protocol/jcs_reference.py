"""RFC 8785 (JCS) canonical JSON for the protocol-v1 value domain, in pure Python. Pure: no I/O.

The reference: protocol/encoding.py (the entry point every caller uses) takes a C path
where it gives exactly these bytes and errors, and comes here for everything else; the
property tests hold the two together. Nothing else should import this module.

The domain is JSON without floats: null, booleans, integers with |n| < 2**53, strings,
arrays and objects with string keys. Python `bytes` encode as lowercase hex strings
(ADR 0002). Objects are sorted by the UTF-16 code units of their keys, as RFC 8785 §3.2.3
requires; Python's default sort orders by code points, which differs above U+FFFF.
"""

import json
import json.encoder
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeAlias

from protocol.errors import (
    DuplicateKeyError,
    ExponentNotAllowedError,
    FloatNotAllowedError,
    IntegerOutOfRangeError,
    InvalidUtf8Error,
    LoneSurrogateError,
    MalformedJsonError,
    NonCanonicalError,
    NonFiniteNumberError,
    UnsupportedTypeError,
)

JsonValue: TypeAlias = bool | int | str | list["JsonValue"] | dict[str, "JsonValue"] | None
JsonObject: TypeAlias = dict[str, JsonValue]

INTEGER_MAGNITUDE_LIMIT = 2**53
"""Integers must satisfy |n| < 2**53 so every IEEE-754 double verifier reads them exactly."""
NESTING_DEPTH_MAX = 64
"""Arrays and objects nest at most this deep; no protocol structure comes close."""

_escape_string: Callable[[str], str] = json.encoder.encode_basestring


def encode(value: object) -> bytes:
    """Return the RFC 8785 canonical UTF-8 bytes of `value`.

    Raises UnsupportedTypeError for floats and non-JSON types, IntegerOutOfRangeError for
    |n| >= 2**53 and LoneSurrogateError for strings without a UTF-8 form.
    """
    parts: list[str] = []
    _encode_into(value, parts, 0)
    try:
        return "".join(parts).encode("utf-8")
    except UnicodeEncodeError as error:
        raise LoneSurrogateError(f"lone surrogate U+{ord(error.object[error.start]):04X}") from None


def _encode_into(value: object, parts: list[str], depth: int) -> None:
    # bool first: in Python, bool is a subclass of int.
    if value is None:
        parts.append("null")
    elif value is True:
        parts.append("true")
    elif value is False:
        parts.append("false")
    elif isinstance(value, int):
        parts.append(_encode_integer(value))
    elif isinstance(value, str):
        parts.append(_encode_string(value))
    elif isinstance(value, bytes):
        parts.append('"' + value.hex() + '"')
    elif isinstance(value, Mapping):
        _encode_object(value, parts, _deeper(depth))
    elif isinstance(value, list | tuple):
        _encode_array(value, parts, _deeper(depth))
    elif isinstance(value, float):
        raise FloatNotAllowedError(f"float {value!r} has no place in protocol v1")
    else:
        raise UnsupportedTypeError(f"cannot encode {type(value).__name__}")


def _encode_integer(value: int) -> str:
    if not -INTEGER_MAGNITUDE_LIMIT < value < INTEGER_MAGNITUDE_LIMIT:
        raise IntegerOutOfRangeError(f"integer of {value.bit_length()} bits is outside |n| < 2**53")
    return str(value)


def _encode_string(value: str) -> str:
    # The standard library's escaper (C-accelerated) escapes exactly the RFC 8785 §3.2.2.2
    # set: '"', '\\', the five short escapes and other U+0000..U+001F as lowercase \u00xx.
    # Lone surrogates pass through it; encode() rejects them when producing UTF-8.
    return _escape_string(value)


def utf16_sort_key(key: str) -> bytes:
    """Order of RFC 8785 §3.2.3: by UTF-16 code units, which big-endian bytes preserve."""
    return key.encode("utf-16-be", errors="surrogatepass")


def _deeper(depth: int) -> int:
    if depth >= NESTING_DEPTH_MAX:
        raise MalformedJsonError(f"nesting deeper than {NESTING_DEPTH_MAX}")
    return depth + 1


def _encode_object(value: Mapping[Any, Any], parts: list[str], depth: int) -> None:
    for key in value:
        if not isinstance(key, str):
            raise UnsupportedTypeError(f"object key {key!r} is not a string")
    parts.append("{")
    for index, key in enumerate(sorted(value, key=utf16_sort_key)):
        if index:
            parts.append(",")
        parts.append(_encode_string(key))
        parts.append(":")
        _encode_into(value[key], parts, depth)
    parts.append("}")


def _encode_array(value: Sequence[Any], parts: list[str], depth: int) -> None:
    parts.append("[")
    for index, item in enumerate(value):
        if index:
            parts.append(",")
        _encode_into(item, parts, depth)
    parts.append("]")


def decode(data: bytes) -> JsonValue:
    """Parse UTF-8 JSON bytes strictly into the protocol value domain.

    Whitespace and key order are free; every other departure raises its own EncodingError.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InvalidUtf8Error(f"invalid UTF-8 at byte {error.start}") from None
    try:
        value = json.loads(
            text,
            object_pairs_hook=_object_without_duplicates,
            parse_float=_reject_float,
            parse_int=_parse_integer,
            parse_constant=_reject_constant,
        )
    except json.JSONDecodeError as error:
        # Line and column as an editor shows them: a body or receipt file is read by a
        # person, who cannot count 1,800 characters (the offset stays for a program).
        raise MalformedJsonError(
            f"malformed JSON: {error.msg}: line {error.lineno} column {error.colno}"
            f" (character {error.pos})"
        ) from None
    except RecursionError:
        raise MalformedJsonError("malformed JSON: nesting too deep") from None
    _check_strings(value, 0)
    return value  # type: ignore[no-any-return]


def decode_canonical(data: bytes) -> JsonValue:
    """Parse bytes that must already be canonical: decode, then re-encode and compare."""
    value = decode(data)
    if encode(value) != data:
        raise NonCanonicalError("bytes are valid JSON but not RFC 8785 canonical")
    return value


def _object_without_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, item in pairs:
        if key in result:
            raise DuplicateKeyError(f"duplicate key {key!r}")
        result[key] = item
    return result


def _reject_float(literal: str) -> float:
    if "e" in literal or "E" in literal:
        raise ExponentNotAllowedError(f"number {literal} uses an exponent")
    raise FloatNotAllowedError(f"number {literal} has a fraction part")


def _parse_integer(literal: str) -> int:
    # Check the length before int(): Python refuses > 4300 digits with a bare ValueError.
    digits = literal.lstrip("-")
    if len(digits) > 16 or not -INTEGER_MAGNITUDE_LIMIT < int(literal) < INTEGER_MAGNITUDE_LIMIT:
        raise IntegerOutOfRangeError(f"integer {literal[:40]} is outside |n| < 2**53")
    return int(literal)


def _reject_constant(literal: str) -> float:
    raise NonFiniteNumberError(f"{literal} is not a JSON number")


def _check_strings(value: Any, depth: int) -> None:
    """Reject lone surrogates that JSON escapes such as \\ud800 can smuggle in, and nesting
    deeper than NESTING_DEPTH_MAX."""
    if isinstance(value, str):
        _check_string(value)
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_string(key)
            _check_strings(item, _deeper(depth))
    elif isinstance(value, list):
        for item in value:
            _check_strings(item, _deeper(depth))


def _check_string(value: str) -> None:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as error:
        raise LoneSurrogateError(f"lone surrogate at index {error.start}") from None
