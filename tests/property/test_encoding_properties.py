"""protocol/encoding.py over generated values: byte-equal to the rfc8785 package, round trips.

The domain is ours (no floats, |n| < 2**53, no lone surrogates); strings lean on the cases
that break naive encoders: non-BMP characters (UTF-16 sorting), fullwidth punctuation, and
control characters (escapes).
"""

import json
from dataclasses import replace
from typing import Any

import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from protocol.encoding import decode, decode_canonical, encode
from protocol.hashing import Hash32
from protocol.results import TxResult, TxStatus
from protocol.signing import PublicKey
from protocol.tx import COSIGNATURES_MAX, SignedTx, TxSignature, UnsignedTx

TRICKY_STRINGS = [
    "",
    "𠮷",  # U+20BB7: a surrogate pair in UTF-16
    "，",  # U+FF0C fullwidth comma
    "\U0001f600",
    "\ufb33",
    "\uffff",
    "€",
    "ö",
    "\x80",
    "\x7f",
    "\x00",
    "\x1f",
    "\r\n\t\b\f",
    '"\\/',
    "\u2028\u2029",
    "象山县",
    "a",
    "A",
]
characters = st.characters(codec="utf-8")  # no lone surrogates: they are outside the domain
strings = st.sampled_from(TRICKY_STRINGS) | st.text(characters, max_size=12)
keys = st.sampled_from(TRICKY_STRINGS) | st.text(characters, max_size=6)
integers = st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1)
scalars = st.none() | st.booleans() | integers | strings
values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(keys, children, max_size=6),
    max_leaves=40,
)


def same(left: Any, right: Any) -> bool:
    """Equality that also tells True from 1, as == does not."""
    if type(left) is not type(right):
        return False
    if isinstance(left, dict):
        return left.keys() == right.keys() and all(same(left[k], right[k]) for k in left)
    if isinstance(left, list):
        return len(left) == len(right) and all(map(same, left, right))
    return bool(left == right)


def reversed_insertion(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: reversed_insertion(value[key]) for key in reversed(list(value))}
    if isinstance(value, list):
        return [reversed_insertion(item) for item in value]
    return value


@settings(max_examples=250, deadline=None)
@given(values)
def test_encode_matches_the_rfc8785_package(value: Any) -> None:
    assert encode(value) == rfc8785.dumps(value)


@settings(max_examples=150, deadline=None)
@given(values)
def test_decode_round_trips(value: Any) -> None:
    canonical = encode(value)
    assert same(decode(canonical), value)
    assert same(decode_canonical(canonical), value)


@settings(max_examples=100, deadline=None)
@given(values)
def test_key_insertion_order_does_not_matter(value: Any) -> None:
    assert encode(reversed_insertion(value)) == encode(value)


@settings(max_examples=100, deadline=None)
@given(values, st.booleans(), st.sampled_from([None, 0, 2]))
def test_any_spelling_canonicalises_to_the_same_bytes(
    value: Any, ensure_ascii: bool, indent: int | None
) -> None:
    spelled = json.dumps(value, ensure_ascii=ensure_ascii, indent=indent).encode("utf-8")
    assert encode(decode(spelled)) == encode(value)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.binary(min_size=32, max_size=32), unique=True, max_size=COSIGNATURES_MAX),
    st.binary(min_size=64, max_size=64),
    st.dictionaries(st.text(max_size=8), st.integers(0, 2**53 - 1) | st.text(), max_size=3),
)
def test_a_signed_txs_assembled_bytes_are_its_canonical_encoding(
    keys: list[bytes], signature: bytes, body: dict[str, Any]
) -> None:
    # SignedTx and TxSignature write their JCS bytes out by hand: the encoder is the oracle.
    tx = UnsignedTx(
        chain_id=Hash32(b"\x01" * 32),
        protocol_version=1,
        type="insurance.attest",
        sender=PublicKey(keys[0] if keys else b"\x02" * 32),
        nonce=1,
        expires_at_ms=2**40,
        body=body,
    )
    entries = tuple(
        TxSignature(public_key=PublicKey(key), signature=signature) for key in sorted(keys)
    )
    signed = SignedTx(tx=tx, signatures=entries)
    assert signed.canonical_bytes() == encode(signed.to_json())
    assert signed.signers == tuple(sorted(keys))  # kept from construction, not re-read
    assert replace(signed, signatures=entries[:1]).signers == tuple(sorted(keys))[:1]
    assert [entry.canonical_bytes() for entry in entries] == [
        encode(entry.to_json()) for entry in entries
    ]


@settings(max_examples=100, deadline=None)
@given(st.binary(min_size=32, max_size=32), st.none() | st.text(max_size=128))
def test_a_results_written_bytes_are_its_canonical_encoding(
    tx_id: bytes, reason: str | None
) -> None:
    status = TxStatus.ACCEPTED if reason is None else TxStatus.REJECTED
    result = TxResult(tx_id=Hash32(tx_id), status=status, reason=reason)
    assert result.canonical_bytes() == encode(result.to_json())
