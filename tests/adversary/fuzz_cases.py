"""Structural mutations of peer message bodies, one field at a time, from a seed (hostile
pass of stop 51). Pure: no I/O, no clock; randomness only from the seed it is given.

A case is one body with one change: a value at one path swapped for another type, an edge
integer, a long string, a deep nest; a key left out or added; or, at the bytes level, a
duplicate key, bytes that are not UTF-8, NaN, a float or an integer past 2**53 where an
integer stands, nesting past the decoder's depth. tests/adversary/byzantine_fuzz.py signs
each with the Byzantine validator's real key and sends it.
"""

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass

from protocol.encoding import NESTING_DEPTH_MAX, JsonObject, JsonValue

Path = tuple[str | int, ...]
LONG_STRING_CHARS = 300_000
LONG_LIST_BYTES = 4 * 1024 * 1024
"""A long list's size: as many copies of its first item as fit (the envelope holds 8 MiB)."""
EDGE_INTEGERS = {
    "zero": 0,
    "negative": -1,
    "int_max_json": 2**53 - 1,
    "int_min_json": -(2**53 - 1),
    "int32": 2**31,
}
RAW_INTEGERS = {"int_2_63": 2**63, "int_2_64": 2**64, "int_minus_2_63": -(2**63)}
"""Past the JSON integer domain (2**53): only bytes can carry them (encode refuses them)."""


@dataclass(frozen=True, slots=True)
class Case:
    """One mutated body: value (a JSON value to encode) or raw (its bytes as they are)."""

    label: str
    value: JsonValue = None
    raw: bytes | None = None


def paths(value: JsonValue, prefix: Path = ()) -> Iterator[Path]:
    """Every path into value, value's own () first; a list's first item stands for all."""
    yield prefix
    if isinstance(value, dict):
        for key in sorted(value):
            yield from paths(value[key], (*prefix, key))
    elif isinstance(value, list) and value:
        yield from paths(value[0], (*prefix, 0))


def at(value: JsonValue, path: Path) -> JsonValue:
    for step in path:
        value = value[step]  # type: ignore[index]
    return value


def replaced(value: JsonValue, path: Path, new: JsonValue) -> JsonValue:
    """value with the item at path replaced by new (a fresh copy along the path)."""
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        assert isinstance(head, str)
        return {**value, head: replaced(value[head], rest, new)}
    assert isinstance(value, list) and isinstance(head, int)
    return [
        replaced(item, rest, new) if index == head else item for index, item in enumerate(value)
    ]


def _nest(depth: int) -> JsonValue:
    nested: JsonValue = 0
    for _ in range(depth):
        nested = [nested]
    return nested


def _value_swaps(old: JsonValue) -> dict[str, JsonValue]:
    swaps: dict[str, JsonValue] = {
        "null": None,
        "bool": True,
        "empty_string": "",
        "long_string": "7" * LONG_STRING_CHARS,
        "not_hex": "zz" * 32,
        "empty_list": [],
        "empty_object": {},
        "nested_list": _nest(NESTING_DEPTH_MAX - 8),
        **EDGE_INTEGERS,
    }
    if isinstance(old, list) and old:
        item_bytes = len(json.dumps(old[0], separators=(",", ":")))
        swaps["long_list"] = [old[0]] * max(2, LONG_LIST_BYTES // item_bytes)
        swaps["list_of_nulls"] = [None] * 3
    if isinstance(old, dict):
        swaps["wrapped"] = [old]
    if isinstance(old, str):
        swaps["upper_hex"] = old.upper()
        swaps["one_char_short"] = old[:-1]
    return swaps


def value_cases(body: JsonObject) -> Iterator[Case]:
    """Every path, every swap; every object's keys left out one at a time, one added."""
    for path in paths(body):
        old = at(body, path)
        where = "/".join(str(step) for step in path) or "."
        for name, new in _value_swaps(old).items():
            yield Case(f"{where}={name}", replaced(body, path, new))
        if isinstance(old, dict):
            for key in sorted(old):
                rest = {k: v for k, v in old.items() if k != key}
                yield Case(f"{where}-{key}", replaced(body, path, rest))
            yield Case(f"{where}+extra", replaced(body, path, {**old, "zz_extra": 1}))


def raw_cases(body: JsonObject) -> Iterator[Case]:
    """Bytes no encoder writes: at the first integer's path, and around the whole body."""
    plain = json.dumps(body, separators=(",", ":"), sort_keys=True).encode()
    first_int = next((p for p in paths(body) if _is_int(at(body, p))), None)
    if first_int is not None:
        marker = "\u2603marker"
        marked = json.dumps(
            replaced(body, first_int, marker), separators=(",", ":"), sort_keys=True
        ).encode()
        quoted = json.dumps(marker).encode()
        for name, text in {
            **{k: str(v).encode() for k, v in RAW_INTEGERS.items()},
            "nan": b"NaN",
            "infinity": b"Infinity",
            "float": b"1.0",
            "exponent": b"1e3",
            "leading_zero": b"01",
        }.items():
            yield Case(f"raw:{name}", raw=marked.replace(quoted, text))
    key = next(iter(sorted(body)))
    duplicate = plain[:1] + json.dumps(key).encode() + b":null," + plain[1:]
    yield Case("raw:duplicate_key", raw=duplicate)
    yield Case("raw:not_utf8", raw=plain[:-1] + b',"zz":"\xff\xfe"}')
    yield Case("raw:lone_surrogate", raw=plain[:-1] + b',"zz":"\\ud800"}')
    yield Case("raw:too_deep", raw=plain[:-1] + b',"zz":' + b"[" * 100_000 + b"]" * 100_000 + b"}")
    yield Case("raw:unclosed_deep", raw=plain[:-1] + b',"zz":' + b"[" * 100_000 + b"}")
    yield Case("raw:trailing", raw=plain + b"{}")
    yield Case("raw:bom", raw=b"\xef\xbb\xbf" + plain)


def _is_int(value: JsonValue) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def all_cases(body: JsonObject) -> list[Case]:
    return [*value_cases(body), *raw_cases(body)]


def chosen(bodies: dict[str, JsonObject], seed: int) -> list[tuple[str, Case]]:
    """(kind, case) for every case of every kind (bodies: kind name -> its valid body), in
    the order seed shuffles them into."""
    every = [(kind, case) for kind in sorted(bodies) for case in all_cases(bodies[kind])]
    random.Random(seed).shuffle(every)
    return every
