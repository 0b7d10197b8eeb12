"""Typed reads of decoded canonical JSON, for the from_json of every wire type. Pure.

Each reader names the field in its error, so a rejected tx or proof says exactly what
was wrong. Unknown fields are an error (UnknownFieldError), never silently dropped.
"""

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from protocol.encoding import INTEGER_MAGNITUDE_LIMIT, JsonObject, JsonValue
from protocol.errors import FieldTypeError, MissingFieldError, UnknownFieldError

T = TypeVar("T")


def expect_object(
    value: object,
    what: str,
    required: Iterable[str],
    optional: Iterable[str] = (),
) -> JsonObject:
    """Return value as an object holding every required field and no field outside both sets."""
    if not isinstance(value, dict):
        raise FieldTypeError(f"{what}: expected an object, got {_json_type(value)}")
    required_set = set(required)
    missing = sorted(required_set - value.keys())
    unknown = sorted(value.keys() - required_set - set(optional))
    if missing:
        raise MissingFieldError(
            f"{what}: missing field {_names(missing)}{_typos(unknown, missing)}"
        )
    if unknown:
        raise UnknownFieldError(f"{what}: unknown field {_names(unknown)}")
    return value


def _names(names: list[str]) -> str:
    """The first name, then how many more (a person fixes one thing at a time, but should
    know that more are coming)."""
    more = f" and {len(names) - 1} more: {', '.join(map(repr, names[1:4]))}" if names[1:] else ""
    return f"{names[0]!r}{more}{', ...' if len(names) > 4 else ''}"


def _typos(unknown: list[str], missing: list[str]) -> str:
    """'; unknown field X: a typo of Y?' for the unknown fields that look like a missing
    one (a misspelt field is reported missing first, and its spelling was the cause)."""
    hints = []
    for name in unknown[:4]:
        close = [wanted for wanted in missing if _edits(name, wanted) <= _TYPO_EDITS_MAX]
        hints.append(f"{name!r}" + (f" (a typo of {close[0]!r}?)" if close else ""))
    return f"; unknown field {', '.join(hints)}" if hints else ""


_TYPO_EDITS_MAX = 2
"""Insertions, deletions or substitutions that still read as a typo of a field's name."""


def _edits(first: str, second: str) -> int:
    """Levenshtein distance, in integers (the cores hold no floats). Names are short: the
    table is at most a few hundred cells; longer strings are never a typo."""
    if abs(len(first) - len(second)) > _TYPO_EDITS_MAX or max(len(first), len(second)) > 64:
        return _TYPO_EDITS_MAX + 1
    previous = list(range(len(second) + 1))
    for row, char in enumerate(first, 1):
        current = [row]
        for column, other in enumerate(second, 1):
            current.append(
                min(previous[column] + 1, current[-1] + 1, previous[column - 1] + (char != other))
            )
        previous = current
    return previous[-1]


def read_int(obj: Mapping[str, Any], name: str, *, minimum: int = 0) -> int:
    """An integer field with minimum <= value < 2**53."""
    value = _read_as(obj, name, int)
    if not minimum <= value < INTEGER_MAGNITUDE_LIMIT:
        raise FieldTypeError(f"{name}: {value} is below {minimum} or too large")
    return value


def read_str(obj: Mapping[str, Any], name: str, *, max_length: int = 4096) -> str:
    """A string field of at most max_length code points."""
    value = _read_as(obj, name, str)
    if len(value) > max_length:
        raise FieldTypeError(f"{name}: longer than {max_length} characters")
    return value


def read_bool(obj: Mapping[str, Any], name: str) -> bool:
    return _read_as(obj, name, bool)


def read_hex(obj: Mapping[str, Any], name: str, *, size: int | None = None) -> bytes:
    """A bytes field: lowercase hex, of exactly size bytes when size is given."""
    return parse_hex(obj[name], name, size=size)


def is_decimal(text: str) -> bool:
    """Whether text is one or more ASCII digits: what int() reads as a non-negative decimal.
    str.isdigit() alone also takes digits int() refuses, such as "²" (U+00B2) or "①": each
    such test on outside input was a 500 waiting for those characters."""
    return text.isascii() and text.isdigit()


def parse_hex(value: object, name: str, *, size: int | None = None) -> bytes:
    """Decode lowercase hex; uppercase or odd-length hex is not canonical and is refused."""
    if not isinstance(value, str):
        raise FieldTypeError(f"{name}: expected a hex string, got {_json_type(value)}")
    # bytes.fromhex also takes upper case and skips whitespace, which would give one value
    # several spellings: only the spelling .hex() gives back is lowercase hex of whole bytes
    # (the same test as matching [0-9a-f]* at an even length, at half its cost).
    try:
        raw = bytes.fromhex(value)
    except ValueError:
        raw = None
    if raw is None or raw.hex() != value:
        raise FieldTypeError(f"{name}: not lowercase hex of whole bytes")
    if size is not None and len(raw) != size:
        raise FieldTypeError(f"{name}: expected {size} bytes, got {len(raw)}")
    return raw


def read_optional_hex(obj: Mapping[str, Any], name: str, *, size: int) -> bytes | None:
    """A bytes field that may be null."""
    if obj[name] is None:
        return None
    return read_hex(obj, name, size=size)


def read_list(obj: Mapping[str, Any], name: str, *, max_items: int = 100_000) -> list[JsonValue]:
    value: list[JsonValue] = _read_as(obj, name, list)
    if len(value) > max_items:
        raise FieldTypeError(f"{name}: more than {max_items} items")
    return value


def read_object(obj: Mapping[str, Any], name: str) -> JsonObject:
    return _read_as(obj, name, dict)


_JSON_TYPE_NAMES: dict[type, str] = {
    type(None): "null",
    bool: "boolean",
    int: "integer",
    str: "string",
    list: "array",
    dict: "object",
}


def _read_as(obj: Mapping[str, Any], name: str, kind: type[T]) -> T:
    """obj[name] if it is a JSON `kind` (true and false are not integers), else an error
    naming the field, the type wanted and the type found."""
    value = obj[name]
    if isinstance(value, kind) and not (kind is int and isinstance(value, bool)):
        return value
    wanted = _JSON_TYPE_NAMES[kind]
    article = "an" if wanted[0] in "aeiou" else "a"
    raise FieldTypeError(f"{name}: expected {article} {wanted}, got {_json_type(value)}")


def _json_type(value: object) -> str:
    return _JSON_TYPE_NAMES.get(type(value), type(value).__name__)
