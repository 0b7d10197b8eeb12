"""RFC 8785 canonical JSON: the one entry point for bytes that are hashed, signed, stored or sent.

Pure: no I/O. The work is done in C (msgspec) wherever that provably gives the bytes of the
pure reference, protocol/jcs_reference.py; everything else goes to the reference, which
therefore decides every error (each malformed class keeps its typed EncodingError).

Why the C path is exact on its domain (issue 13; tests/property/test_encoding_fast.py):
- msgspec's sorted order compares keys by UTF-8 bytes, i.e. by code points. RFC 8785 sorts
  by UTF-16 code units; the two orders differ only between a non-BMP character (a surrogate
  pair, D800-DBFF first) and one in U+E000-U+FFFF. So an object whose keys all lie below
  U+D800 takes the C path, any other goes to the reference.
- String escaping is RFC 8785's (the short escapes, other controls as lowercase \\u00xx,
  everything else raw UTF-8); integers are plain decimal.
- The C path takes only exact dict, list, tuple, str, int (|n| < 2**53), bool and None, at
  most NESTING_DEPTH_MAX deep; floats, bytes (hex here, base64 in msgspec), sets, subclasses
  and anything else go to the reference, which encodes them or raises its typed error.
- The strict canonical check decodes in C, checks the value is in that domain (no float,
  no integer out of range, not too deep), re-encodes in C and compares the bytes. Equal
  bytes cannot hide a duplicate key (the re-encoded object has one member fewer per
  duplicate), whitespace, another key order or a needless escape. Any difference, or any
  input msgspec refuses, goes to the reference, which names it.
"""

from collections.abc import Iterable
from typing import Any

import msgspec

from protocol import jcs_reference as reference
from protocol.errors import MalformedJsonError
from protocol.jcs_reference import (
    INTEGER_MAGNITUDE_LIMIT,
    NESTING_DEPTH_MAX,
    JsonObject,
    JsonValue,
    utf16_sort_key,
)

__all__ = [
    "INTEGER_MAGNITUDE_LIMIT",
    "NESTING_DEPTH_MAX",
    "JsonObject",
    "JsonValue",
    "decode",
    "decode_canonical",
    "decode_noting_domain",
    "decode_unchecked",
    "encode",
    "encode_in_c",
    "encode_in_c_domain",
    "in_c_domain",
    "nests_within_limit",
    "split_array",
    "split_object",
    "utf16_sort_key",
]

_ENCODER = msgspec.json.Encoder(order="sorted")
_DECODER = msgspec.json.Decoder()
_MEMBERS = msgspec.json.Decoder(dict[str, msgspec.Raw])
_ITEMS = msgspec.json.Decoder(list[msgspec.Raw])
_LOW = -INTEGER_MAGNITUDE_LIMIT
_HIGH = INTEGER_MAGNITUDE_LIMIT
_FIRST_SURROGATE = "\ud800"
_SCALARS = frozenset({str, bool, type(None)})


def encode(value: object) -> bytes:
    """Return the RFC 8785 canonical UTF-8 bytes of `value`.

    Raises UnsupportedTypeError for floats and non-JSON types, IntegerOutOfRangeError for
    |n| >= 2**53 and LoneSurrogateError for strings without a UTF-8 form.
    """
    data = encode_in_c(value)
    return reference.encode(value) if data is None else data


def encode_in_c(value: object) -> bytes | None:
    """encode(value) when the C path gives it (value in its domain: exact JSON types, keys
    below U+D800, integers in range, not too deep; module docstring), else None.

    None also says value holds something other than an exact dict, list, tuple, str, int,
    bool or None (no subclass), which a caller may rely on as a cheap type check."""
    if _in_c_domain(value, 0):
        try:
            return _ENCODER.encode(value)
        except UnicodeEncodeError:
            pass  # a lone surrogate in a string: the reference raises LoneSurrogateError
    return None


def encode_in_c_domain(value: object) -> bytes:
    """encode(value) for a value known to lie in the C domain, without walking it again:
    only for a part of what decode_noting_domain read in C, unchanged since."""
    return _ENCODER.encode(value)


def in_c_domain(value: object, depth: int = 0) -> bool:
    """Whether value, found depth containers deep in a document, lies in the C path's
    domain (module docstring), so that encode_in_c_domain(value) is encode(value) and the
    document's nesting bound holds inside it."""
    return _in_c_domain(value, depth)


def decode(data: bytes) -> JsonValue:
    """Parse UTF-8 JSON bytes strictly into the protocol value domain.

    Whitespace and key order are free; every other departure raises its own EncodingError.
    """
    return decode_noting_domain(data)[0]


def decode_noting_domain(data: bytes) -> tuple[JsonValue, bool]:
    """decode(data), and whether the C path read it. When it did, the value was walked and
    re-encoded in C whole (no lone surrogate either), and the domain holds for every part
    of a value in it, so encode_in_c_domain(part) is encode(part) for any part of the
    value left unchanged (a batch's txs are encoded so in admission)."""
    value = _decode_canonical_in_c(data)
    # Canonical bytes (what nodes store, sign and send) end here; any other spelling is
    # parsed by the reference, which also finds duplicate keys in it.
    if value is _NOT_CANONICAL:
        return reference.decode(data), False
    return value, True


def decode_unchecked(data: bytes) -> JsonValue:
    """Parse JSON bytes in C, without the strict checks of decode: for bytes whose
    canonical form is settled otherwise. Block sync re-encodes each block it receives
    (encode) and its ledger compares the parsed block's canonical bytes with them
    (Ledger.validate), so checking them on the way in again only repeats that.

    Raises MalformedJsonError for what msgspec refuses; floats, integers past 2**53 and a
    duplicate key (the last one wins) are not refused here, so nothing but such bytes may
    come this way.
    """
    try:
        value: JsonValue = _DECODER.decode(data)
    except (msgspec.DecodeError, RecursionError) as error:
        raise MalformedJsonError(f"malformed JSON: {error}") from None
    return value


def split_object(data: bytes) -> dict[str, bytes] | None:
    """The members of a JSON object, each as its own bytes, none of them decoded; None
    for anything msgspec does not read as an object.

    Not a decode: nothing is checked beyond JSON syntax (a duplicate key: the last one
    wins), so it serves only a fast path whose outcome is compared with canonical bytes
    afterwards (protocol/block.py parse_block).
    """
    try:
        members = _MEMBERS.decode(data)
    except (msgspec.DecodeError, RecursionError):
        return None
    return {name: bytes(raw) for name, raw in members.items()}


def split_array(data: bytes) -> list[bytes] | None:
    """The items of a JSON array, each as its own bytes, none of them decoded; None for
    anything msgspec does not read as an array. As unchecked as split_object."""
    try:
        items = _ITEMS.decode(data)
    except (msgspec.DecodeError, RecursionError):
        return None
    return [bytes(raw) for raw in items]


def nests_within_limit(data: bytes, depth: int) -> bool:
    """Whether JSON bytes, placed inside depth containers (a split member of an object:
    1), surely keep within NESTING_DEPTH_MAX there, which decode checks of the whole.

    Counts the opening brackets, a bound on the nesting (one inside a string only counts
    one too many), so it can say False of bytes that would keep within, never True of
    bytes that would not.
    """
    return data.count(b"{") + data.count(b"[") <= NESTING_DEPTH_MAX - depth


def decode_canonical(data: bytes) -> JsonValue:
    """Parse bytes that must already be canonical: decode, then re-encode and compare."""
    value = _decode_canonical_in_c(data)
    return reference.decode_canonical(data) if value is _NOT_CANONICAL else value


_NOT_CANONICAL: JsonValue = ["not canonical"]
"""A sentinel, told apart by identity: no decoded value is this very list."""


def _decode_canonical_in_c(data: bytes) -> JsonValue:
    """The value of data when data is canonical and in the C domain, else _NOT_CANONICAL."""
    try:
        value = _DECODER.decode(data)
    except (msgspec.DecodeError, RecursionError):
        return _NOT_CANONICAL
    if not _in_c_domain(value, 0):
        return _NOT_CANONICAL
    try:
        canonical = _ENCODER.encode(value) == data
    except UnicodeEncodeError:  # msgspec refuses lone surrogate escapes already; if a
        return _NOT_CANONICAL  # release did not, the reference names them
    return value if canonical else _NOT_CANONICAL


def _in_c_domain(value: Any, depth: int) -> bool:
    """Whether msgspec's sorted encoding of value is the reference's (module docstring).

    Lone surrogates in strings are left to msgspec, which refuses them (UnicodeEncodeError).
    """
    kind = type(value)
    if kind in _SCALARS:
        return True
    if kind is int:
        return bool(_LOW < value < _HIGH)
    if kind is dict:
        if depth >= NESTING_DEPTH_MAX:
            return False
        for key in value:
            if type(key) is not str or not (key.isascii() or max(key) < _FIRST_SURROGATE):
                return False
        return _items_in_c_domain(value.values(), depth + 1)
    if kind is list or kind is tuple:
        return depth < NESTING_DEPTH_MAX and _items_in_c_domain(value, depth + 1)
    return False


def _items_in_c_domain(items: Iterable[Any], depth: int) -> bool:
    # Scalars are checked inline: a call per string or small integer would double the cost.
    for item in items:
        kind = type(item)
        if kind in _SCALARS:
            continue
        if kind is int:
            if not _LOW < item < _HIGH:
                return False
        elif not _in_c_domain(item, depth):
            return False
    return True
