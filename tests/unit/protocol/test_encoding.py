"""protocol/encoding.py and protocol/fields.py: RFC 8785 examples and one typed error per fault.

The RFC 8785 inputs and outputs are the examples of §3.2.2 (string escaping, literals,
numbers) and §3.2.3 (property sorting), copied exactly; our domain has no floats, so the
number examples must fail with their own typed errors instead of being canonicalised.
"""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from protocol.encoding import (
    NESTING_DEPTH_MAX,
    decode,
    decode_canonical,
    decode_unchecked,
    encode,
    nests_within_limit,
    split_array,
    split_object,
)
from protocol.errors import (
    DuplicateKeyError,
    EncodingError,
    ExponentNotAllowedError,
    FieldTypeError,
    FloatNotAllowedError,
    IntegerOutOfRangeError,
    InvalidUtf8Error,
    LoneSurrogateError,
    MalformedJsonError,
    MissingFieldError,
    NonCanonicalError,
    NonFiniteNumberError,
    UnknownFieldError,
    UnsupportedTypeError,
)
from protocol.fields import expect_object, parse_hex, read_hex


def raises_exactly(error_type: type[Exception], call, *args) -> Exception:
    """Run call(*args) and require error_type itself: not a sibling, never a bare ValueError."""
    with pytest.raises(EncodingError) as caught:
        call(*args)
    assert type(caught.value) is error_type, repr(caught.value)
    return caught.value


# --- RFC 8785 §3.2.2: the sample document ---------------------------------------------------

RFC_SAMPLE_INPUT = rb"""{
  "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
  "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
  "literals": [null, true, false]
}"""
RFC_SAMPLE_OUTPUT = (
    r"""{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"""
    r""""string":"€$\u000f\nA'B\"\\\\\"/"}"""
).encode()


def _without_numbers(document: bytes) -> bytes:
    lines = [line for line in document.split(b"\n") if b'"numbers"' not in line]
    return b"\n".join(lines)


def test_rfc8785_sample_without_numbers_is_canonicalised_exactly() -> None:
    value = decode(_without_numbers(RFC_SAMPLE_INPUT))
    assert value == {"string": '€$\x0f\nA\'B"\\\\"/', "literals": [None, True, False]}
    expected = RFC_SAMPLE_OUTPUT.replace(
        b'"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],', b""
    )
    assert encode(value) == expected
    assert decode_canonical(expected) == value


def test_rfc8785_sample_with_its_numbers_is_refused() -> None:
    raises_exactly(FloatNotAllowedError, decode, RFC_SAMPLE_INPUT)
    raises_exactly(FloatNotAllowedError, decode, RFC_SAMPLE_OUTPUT)


@pytest.mark.parametrize(
    ("literal", "error_type"),
    [
        # The sample's inputs, then the RFC's canonical spellings of them.
        ("333333333.33333329", FloatNotAllowedError),
        ("1E30", ExponentNotAllowedError),
        ("4.50", FloatNotAllowedError),
        ("2e-3", ExponentNotAllowedError),
        ("0.000000000000000000000000001", FloatNotAllowedError),
        ("333333333.3333333", FloatNotAllowedError),
        ("1e+30", ExponentNotAllowedError),
        ("4.5", FloatNotAllowedError),
        ("0.002", FloatNotAllowedError),
        ("1e-27", ExponentNotAllowedError),
        ("1.0", FloatNotAllowedError),
        ("-0.0", FloatNotAllowedError),
        ("1e0", ExponentNotAllowedError),
        ("-1.5E3", ExponentNotAllowedError),
    ],
)
def test_rfc8785_numbers_raise_their_own_error(literal: str, error_type: type[Exception]) -> None:
    raises_exactly(error_type, decode, literal.encode())
    raises_exactly(error_type, decode, f'{{"amount_kg": [{literal}]}}'.encode())


# --- RFC 8785 §3.2.3: sorting by UTF-16 code units ------------------------------------------

RFC_SORTING_INPUT = rb"""{
  "\u20ac": "Euro Sign",
  "\r": "Carriage Return",
  "\ufb33": "Hebrew Letter Dalet With Dagesh",
  "1": "One",
  "\ud83d\ude00": "Emoji: Grinning Face",
  "\u0080": "Control",
  "\u00f6": "Latin Small Letter O With Diaeresis"
}"""
# The RFC lists the values in the order the sorted properties must take.
RFC_SORTED_VALUES = [
    "Carriage Return",
    "One",
    "Control",
    "Latin Small Letter O With Diaeresis",
    "Euro Sign",
    "Emoji: Grinning Face",
    "Hebrew Letter Dalet With Dagesh",
]


def test_rfc8785_sorting_example() -> None:
    value = decode(RFC_SORTING_INPUT)
    assert isinstance(value, dict)
    canonical = encode(value)
    assert list(decode(canonical).values()) == RFC_SORTED_VALUES  # type: ignore[union-attr]
    expected = (
        '{"\\r":"Carriage Return","1":"One","\u0080":"Control",'
        '"ö":"Latin Small Letter O With Diaeresis","€":"Euro Sign",'
        '"😀":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}'
    ).encode()
    assert canonical == expected
    # Python's own order (code points) would put U+FB33 before U+1F600: the case that matters.
    assert sorted(value) != list(decode(canonical))  # type: ignore[arg-type]
    reversed_insertion = dict(reversed(list(value.items())))
    assert encode(reversed_insertion) == expected


# --- malformed input: each class its own error ----------------------------------------------


MALFORMED: dict[type[EncodingError], list[bytes]] = {
    NonFiniteNumberError: [b"NaN", b"Infinity", b"-Infinity", b'{"a": [NaN]}'],
    DuplicateKeyError: [
        b'{"a":1,"a":1}',
        b'{"a":1,"b":{"c":1,"c":2}}',
        b'{"a":1,"\\u0061":2}',
        b'[{"x":0,"x":0}]',
    ],
    LoneSurrogateError: [
        b'"\\ud800"',
        b'"\\udfff"',
        b'"a\\ud83dz"',
        b'"\\ude00\\ud83d"',  # a pair in the wrong order
        b'{"\\udc00":1}',
        b'["ok", {"k": "\\ud800"}]',
    ],
    InvalidUtf8Error: [
        b'"\xff"',
        b'"\xc3"',  # truncated sequence
        b'"\xc0\xaf"',  # overlong '/'
        b'"\xed\xa0\x80"',  # a surrogate encoded as UTF-8
        b'"\xf4\x90\x80\x80"',  # beyond U+10FFFF
        b'{"a":"ok"}\x80',
    ],
    MalformedJsonError: [
        b"",
        b" ",
        b"{",
        b"[1,]",
        b'{"a" 1}',
        b"{'a': 1}",
        b"[1] [2]",
        b'{"a":1}x',
        b"01",
        b"+1",
        b".5",
        b"0x10",
        b'"a\x01b"',  # raw control character in a string
        b'"\\x41"',
        b'"unterminated',
        b"\xef\xbb\xbf1",  # byte order mark
        b"[" * 100_000 + b"]" * 100_000,
    ],
}
"""Malformed input by the error it must raise: that class itself, no sibling."""


def _case_id(value: object) -> str:
    if isinstance(value, type):
        return value.__name__
    text = repr(value)
    return text if len(text) <= 40 else f"{len(text)}-chars"


@pytest.mark.parametrize(
    ("error_type", "data"),
    [(error, data) for error, inputs in MALFORMED.items() for data in inputs],
    ids=_case_id,
)
def test_malformed_input_raises_its_own_error(error_type: type[EncodingError], data: bytes) -> None:
    raises_exactly(error_type, decode, data)


def test_surrogate_pair_escape_is_one_character() -> None:
    assert decode(b'"\\ud83d\\ude00"') == "\U0001f600"
    assert decode(b'"\\ud842\\udfb7"') == "𠮷"


@pytest.mark.parametrize("value", ["\ud800", "a\udfff", ["\ud83d"], {"\udc00": 1}, {"k": "\ud800"}])
def test_lone_surrogates_in_python_strings(value: object) -> None:
    raises_exactly(LoneSurrogateError, encode, value)


@pytest.mark.parametrize(
    "number", [2**53, -(2**53), 2**64, -(2**63), pytest.param(10**5000, id="5001-digits")]
)
def test_integers_out_of_range_on_encode(number: int) -> None:
    raises_exactly(IntegerOutOfRangeError, encode, number)
    raises_exactly(IntegerOutOfRangeError, encode, {"n": [number]})


@pytest.mark.parametrize(
    "literal",
    [
        b"9007199254740992",
        b"-9007199254740992",
        b"1" * 17,
        pytest.param(b"9" * 5000, id="5000-digits"),
        pytest.param(b"-" + b"9" * 5000, id="minus-5000-digits"),
    ],
)
def test_integers_out_of_range_on_decode(literal: bytes) -> None:
    raises_exactly(IntegerOutOfRangeError, decode, literal)
    raises_exactly(IntegerOutOfRangeError, decode, b'{"n":' + literal + b"}")


def test_integer_limits_are_exact() -> None:
    for number in (2**53 - 1, -(2**53 - 1), 0):
        assert decode_canonical(encode(number)) == number


@pytest.mark.parametrize(
    "data",
    [
        b'{"b":1,"a":2}',  # unsorted
        b'{"a": 1}',  # whitespace
        b" 1",
        b"1\n",
        b"[1, 2]",
        b'"\\u0041"',  # needless escape
        b'"\\u000F"',  # uppercase hex escape
        b'"\\/"',  # escaped solidus
        b'"\\u20ac"',  # escaped non-ASCII
        b"-0",
        b'{"\\u00f6":1,"\\u20ac":2}',
    ],
)
def test_non_canonical_bytes(data: bytes) -> None:
    decode(data)  # valid JSON in our domain...
    raises_exactly(NonCanonicalError, decode_canonical, data)  # ...but not its canonical form


@pytest.mark.parametrize(
    ("value", "error_type"),
    [
        (1.5, FloatNotAllowedError),
        (0.0, FloatNotAllowedError),
        (float("nan"), FloatNotAllowedError),
        ({"a": [1, 2.0]}, FloatNotAllowedError),
        ({1, 2}, UnsupportedTypeError),
        (frozenset(), UnsupportedTypeError),
        (object(), UnsupportedTypeError),
        ({"a": object()}, UnsupportedTypeError),
        ({1: "integer key"}, UnsupportedTypeError),
        ({("a",): 1}, UnsupportedTypeError),
        (complex(1, 2), UnsupportedTypeError),
    ],
)
def test_unsupported_python_values(value: object, error_type: type[Exception]) -> None:
    raises_exactly(error_type, encode, value)


def test_bytes_encode_as_lowercase_hex() -> None:
    assert encode({"k": b"\x00\xab"}) == b'{"k":"00ab"}'


@pytest.mark.parametrize("depth", [65, 600, 5000])
def test_deep_nesting_raises_a_typed_error(depth: int) -> None:
    for data in (b"[" * depth + b"]" * depth, b'{"a":' * depth + b"1" + b"}" * depth):
        with pytest.raises(MalformedJsonError):
            decode_canonical(data)
    value: list[object] = []
    for _ in range(depth):
        value = [value]
    with pytest.raises(MalformedJsonError):
        encode(value)


def test_nesting_at_the_limit_round_trips() -> None:
    data = b"[" * 64 + b"]" * 64
    assert encode(decode_canonical(data)) == data


def test_bytearray_is_not_a_json_array() -> None:
    with pytest.raises(UnsupportedTypeError):
        encode(bytearray(b"ab"))


# --- protocol.fields: shapes of decoded objects ---------------------------------------------


def test_expect_object_fields() -> None:
    value = decode(b'{"a":1,"b":2}')
    assert expect_object(value, "thing", ("a",), ("b",)) == {"a": 1, "b": 2}
    with pytest.raises(UnknownFieldError, match="'b'"):
        expect_object(value, "thing", ("a",))
    with pytest.raises(MissingFieldError, match="'c'"):
        expect_object(value, "thing", ("a", "b", "c"))
    with pytest.raises(FieldTypeError):
        expect_object([1], "thing", ())


@pytest.mark.parametrize(
    ("value", "size"),
    [("ABCD", None), ("abc", None), ("zz", None), ("0x00", None), (12, None), ("00", 2), ("", 1)],
)
def test_hex_field_checks(value: object, size: int | None) -> None:
    with pytest.raises(FieldTypeError):
        parse_hex(value, "key", size=size)


def test_hex_field_reads() -> None:
    assert read_hex({"key": "00ff"}, "key", size=2) == b"\x00\xff"
    assert parse_hex("", "key") == b""


@given(st.text(alphabet="0123456789abcdefABCDEF \t\n\x0bxg\u0660\uff10", max_size=12))
def test_hex_is_read_exactly_when_it_is_lowercase_hex_of_whole_bytes(value: str) -> None:
    # The rule as first written (a regex), kept here as the reference of the faster test.
    lowercase = len(value) % 2 == 0 and re.fullmatch("[0-9a-f]*", value) is not None
    if lowercase:
        assert parse_hex(value, "key") == bytes.fromhex(value)
    else:
        with pytest.raises(FieldTypeError, match=r"^key: not lowercase hex of whole bytes$"):
            parse_hex(value, "key")


@pytest.mark.parametrize("value", ["00  11", " 0011 ", "00\n11\n"])
def test_hex_with_whitespace_is_refused(value: str) -> None:
    with pytest.raises(FieldTypeError):
        parse_hex(value, "key", size=2)


def test_decode_unchecked_parses_what_decode_parses_and_only_refuses_malformed_json() -> None:
    value = {"b": [1, "x\u00e9", None, True], "a": {"c": -(2**53) + 1}}
    assert decode_unchecked(encode(value)) == decode(encode(value)) == value
    # No canonical check: whitespace and key order pass (the caller settles those bytes).
    assert decode_unchecked(b'{ "b": 1, "a": 2 }') == {"a": 2, "b": 1}
    for malformed in (b'{"a": 1', b"[1,]", b"\xff", b""):
        raises_exactly(MalformedJsonError, decode_unchecked, malformed)


def test_split_object_and_array_give_each_member_and_item_as_its_bytes() -> None:
    data = b'{"a":[1,{"b":"],["}],"c":"x"}'
    members = split_object(data)
    assert members == {"a": b'[1,{"b":"],["}]', "c": b'"x"'}
    assert split_array(members["a"]) == [b"1", b'{"b":"],["}']
    # Not the type asked for, or not JSON: None, for the caller to parse the strict way.
    assert split_object(b"[1]") is None
    assert split_array(b'{"a":1}') is None
    for malformed in (b'{"a": 1', b"[1,]", b"\xff", b""):
        assert split_object(malformed) is None
        assert split_array(malformed) is None


def test_nests_within_limit_never_passes_what_decode_refuses_there() -> None:
    """Bytes at depth d are within the limit where decode accepts them inside d arrays
    (exactly so for one path of arrays around a value)."""
    for levels in range(NESTING_DEPTH_MAX - 3, NESTING_DEPTH_MAX + 1):
        data = b"[" * levels + b"1" + b"]" * levels
        for depth in (1, 2):
            placed = b"[" * depth + data + b"]" * depth
            if nests_within_limit(data, depth):
                assert decode(placed) is not None
            else:
                with pytest.raises(MalformedJsonError):
                    decode(placed)
    # Brackets inside strings count too: a bound, not the depth.
    assert nests_within_limit(encode("[" * NESTING_DEPTH_MAX), 0)
    assert not nests_within_limit(encode("[" * (NESTING_DEPTH_MAX + 1)), 0)
