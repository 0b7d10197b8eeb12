"""protocol/tx_decode.py (a signed tx's envelope checked in C by msgspec) against the
reference, SignedTx.from_json (protocol/codec.py), as admission reads a submitted tx.

contracts.admission.parse_signed_value takes the fast path and falls back to the reference
whenever the fast path cannot tell, so the two must agree on every input: the same typed
value (field types and the JCS bytes ids and signatures hash included), or the same
AdmissionError reason and detail. Inputs are generated valid envelopes, and the same with
one fault put in: a field missing or unknown, a value of another type or out of range
(bool, float, 2**53, a subclass, a tuple for an array, a mapping that is not a dict), hex
in upper case, of odd or wrong length or with whitespace, signers duplicated, unsorted or
too many, bodies with floats, big integers, the UTF-16 key trap or lone surrogates.
"""

import collections
import types
from collections.abc import Callable
from functools import partial
from typing import Any

import msgspec
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from contracts.admission import _parse_signed_reference, parse_signed_tx, parse_signed_value
from protocol.block import BLOCK_TXS_MAX, Block, block_of_value, parentless_header
from protocol.encoding import (
    NESTING_DEPTH_MAX,
    decode,
    decode_noting_domain,
    decode_unchecked,
    encode,
    encode_in_c,
    encode_in_c_domain,
)
from protocol.hashing import Hash32
from protocol.tx import COSIGNATURES_MAX, SignedTx, UnsignedTx
from protocol.tx_decode import signed_batch_fast, signed_tx_fast
from tests.property.test_encoding_fast import Colour, Name, keys, same, tricky_values, values

# Holds six of the unit tier's longest tests (~100 s together under load): started first, not last,
# so that none runs alone at the tier's end while the other workers idle
# (tests/kit/network_groups.py schedule_order).
RUN_FIRST = True

LIMIT = 2**53
naturals = st.integers(min_value=0, max_value=LIMIT - 1) | st.sampled_from([0, LIMIT - 1])


def hexes(size: int) -> st.SearchStrategy[str]:
    return st.binary(min_size=size, max_size=size).map(bytes.hex)


@st.composite
def envelopes(draw: st.DrawFn) -> dict[str, Any]:
    """A signed tx's JSON the reference reads (signatures need not verify to be read)."""
    signers = sorted(set(draw(st.lists(hexes(32), min_size=1, max_size=3))))
    return {
        "tx": {
            "chain_id": draw(hexes(32)),
            "protocol_version": draw(naturals),
            "type": draw(st.text(max_size=64) | st.just("insurance.attest")),
            "sender": signers[0],
            "nonce": draw(st.integers(min_value=1, max_value=LIMIT - 1)),
            "expires_at_ms": draw(naturals),
            "body": draw(st.dictionaries(keys, values, max_size=4)),
        },
        "signatures": [{"public_key": key, "signature": draw(hexes(64))} for key in signers],
    }


class Envelope(dict[str, Any]):
    pass


WRONG: list[Any] = [
    True,
    False,
    None,
    1.0,
    -1,
    0,
    LIMIT - 1,
    LIMIT,
    2**64,
    "",
    "0" * 63,
    "0" * 64,
    "0" * 63 + "\n",
    "0" * 64 + "\n",
    " " + "0" * 63,
    "AB" * 32,
    "é" * 64,
    "😀" * 64,
    "😀" * 65,
    "0" * 128,
    "g" * 64,
    "x" * 65,
    "\ud800",
    Colour.RED,
    Name("0" * 64),
    [],
    (),
    {},
]


class Items(list[Any]):
    pass


# Container replacements: the same content in a type the reference may refuse.
NESTING: list[Callable[[Any], Any]] = [lambda value: [value], lambda value: {"x": value}]
LIST_WRAPPERS: list[Callable[[Any], Any]] = [tuple, Items, *NESTING]
DICT_WRAPPERS: list[Callable[[Any], Any]] = [
    Envelope,
    types.MappingProxyType,
    collections.UserDict,
    collections.OrderedDict,
    lambda value: list(value.items()),
    *NESTING,
]


def _containers(envelope: dict[str, Any]) -> list[Any]:
    return [envelope, envelope["tx"], envelope["tx"]["body"], *envelope["signatures"]]


@st.composite
def faulty(draw: st.DrawFn) -> Any:
    """An envelope with one fault put in (or the envelope itself in another type)."""
    target: Any = draw(envelopes())
    fault = draw(st.sampled_from(["drop", "add", "value", "wrap", "signers", "body", "whole"]))
    container = draw(st.sampled_from(_containers(target)))
    if fault in ("drop", "value", "wrap") and container:
        key = draw(st.sampled_from(sorted(container)))
        if fault == "drop":
            del container[key]
        elif fault == "value":
            container[key] = draw(st.sampled_from(WRONG))
        elif isinstance(container[key], dict | list):
            wrappers = DICT_WRAPPERS if isinstance(container[key], dict) else LIST_WRAPPERS
            container[key] = draw(st.sampled_from(wrappers))(container[key])
    elif fault == "add":
        container[draw(keys)] = draw(st.sampled_from(WRONG))
    elif fault == "signers":
        signatures = target["signatures"]
        change = draw(st.sampled_from(["duplicate", "reverse", "too many", "none"]))
        if change == "duplicate":
            signatures.append(dict(signatures[0]))
        elif change == "reverse":
            signatures.append({"public_key": "ff" * 32, "signature": "00" * 64})
            signatures.reverse()
        elif change == "too many":
            signatures.extend([dict(signatures[-1])] * COSIGNATURES_MAX)
        else:
            signatures.clear()
    elif fault == "body":
        target["tx"]["body"][draw(keys)] = draw(tricky_values)
    elif fault == "whole":
        wrap = draw(st.sampled_from([*DICT_WRAPPERS, lambda _: draw(st.sampled_from(WRONG))]))
        target = wrap(target)
    return target


def _outcome(read: Callable[[], Any]) -> tuple[str, Any]:
    try:
        return "ok", read()
    except Exception as error:  # any error must be the reference's own
        return "error", (type(error), str(error), getattr(error, "reason", None))


def _assert_same_tx(fast: SignedTx, reference: SignedTx, *, same_body: bool = True) -> None:
    """same_body: both were read from one decoded value, so the body is the same object."""
    assert fast == reference
    assert fast.tx.signing_bytes() == reference.tx.signing_bytes()
    assert fast.canonical_bytes() == reference.canonical_bytes()
    assert fast.tx_id == reference.tx_id
    assert fast.signers == reference.signers
    assert fast.tx.body is reference.tx.body or not same_body
    # Every slot, the private ones included: a slot UnsignedTx gains (a cache set in
    # __post_init__) and with_canonical leaves unset fails here.
    for name in UnsignedTx.__slots__:
        assert same(getattr(fast.tx, name), getattr(reference.tx, name)), name
    for name in SignedTx.__slots__:
        assert same(getattr(fast, name), getattr(reference, name)), name
    for mine, theirs in zip(fast.signatures, reference.signatures, strict=True):
        assert same(mine.public_key, theirs.public_key)
        assert same(mine.signature, theirs.signature)


def _assert_agree(value: Any, *, in_c_domain: bool = False) -> None:
    fast = signed_tx_fast(value, in_c_domain=in_c_domain)
    reference = _outcome(lambda: _parse_signed_reference(value))
    if fast is not None:  # the fast path answers only what the reference accepts
        assert reference[0] == "ok", reference
        _assert_same_tx(fast, reference[1])
    admitted = _outcome(lambda: parse_signed_value(value, in_c_domain=in_c_domain))
    assert admitted[0] == reference[0], (admitted, reference)
    if admitted[0] == "ok":
        _assert_same_tx(admitted[1], reference[1])
    else:
        assert admitted[1] == reference[1]


@settings(max_examples=300, deadline=None)
@given(envelopes())
def test_valid_envelopes_take_the_fast_path_and_agree(envelope: dict[str, Any]) -> None:
    # Valid JSON as the decoder gives it is never left to the reference, except a body
    # the C encoder cannot write (the UTF-16 key trap, lone surrogates): then it must agree.
    assert signed_tx_fast(envelope) is not None or encode_in_c(envelope["tx"]) is None
    _assert_agree(envelope)


@settings(max_examples=300, deadline=None)
@given(envelopes())
def test_an_envelope_the_c_decoder_read_is_encoded_unwalked_and_agrees(
    envelope: dict[str, Any],
) -> None:
    """A batch body the C decoder read hands its txs on with in_c_domain: their unsigned
    tx is encoded without the domain walk, to the same bytes. The bytes path
    (parse_signed_tx, a single submission or a peer's tx) notes the domain the same way."""
    data = encode(envelope)
    value, in_c_domain = decode_noting_domain(data)
    assert in_c_domain == (encode_in_c(envelope) is not None)
    assert (signed_tx_fast(value, in_c_domain=in_c_domain) is None) == (not in_c_domain)
    _assert_agree(value, in_c_domain=in_c_domain)
    from_bytes, reference = parse_signed_tx(data), _parse_signed_reference(value)
    assert from_bytes == reference
    assert from_bytes.canonical_bytes() == reference.canonical_bytes() == data
    assert from_bytes.tx.signing_bytes() == reference.tx.signing_bytes()


@settings(max_examples=1000, deadline=None)
@given(faulty())
def test_mutated_envelopes_give_the_reference_value_or_error(value: Any) -> None:
    _assert_agree(value)


DICT_PATHS: list[tuple[Any, ...]] = [(), ("tx",), ("tx", "body"), ("signatures", 0)]
CONTAINERS = [(path, wrap) for path in DICT_PATHS for wrap in DICT_WRAPPERS] + [
    (("signatures",), wrap) for wrap in LIST_WRAPPERS
]


@pytest.mark.parametrize(("path", "wrap"), CONTAINERS)
def test_each_container_in_another_type_agrees(path: tuple[Any, ...], wrap: Any) -> None:
    """Every container of a valid envelope in each other type, one at a time: among them
    what msgspec takes and the reference refuses (a tuple for an array, a mapping that is
    not a dict)."""
    envelope = _fixed_envelope()
    if not path:
        _assert_agree(wrap(envelope))
        return
    parent: Any = envelope
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = wrap(parent[path[-1]])
    _assert_agree(envelope)


TX_FIELDS = ["chain_id", "protocol_version", "type", "sender", "nonce", "expires_at_ms", "body"]
FIELD_PATHS = [
    ("tx",),
    ("signatures",),
    *[("tx", name) for name in TX_FIELDS],
    ("signatures", 0, "public_key"),
    ("signatures", 0, "signature"),
]


@pytest.mark.parametrize("path", FIELD_PATHS)
@pytest.mark.parametrize("wrong", WRONG, ids=repr)
def test_each_field_with_each_wrong_value_agrees(path: tuple[Any, ...], wrong: Any) -> None:
    envelope = _fixed_envelope()
    parent: Any = envelope
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = wrong
    _assert_agree(envelope)


def test_a_well_formed_envelope_is_read_in_c() -> None:
    """The fast path is taken (not only agreed with): a refusal it made of every input
    would pass the agreement tests and gain nothing."""
    envelope = _fixed_envelope()
    envelope["tx"]["type"] = "😀" * 64  # 64 code points: the reference's bound, not bytes'
    assert signed_tx_fast(envelope) == _parse_signed_reference(envelope)


def _fixed_envelope() -> dict[str, Any]:
    return {
        "tx": {
            "chain_id": "ab" * 32,
            "protocol_version": 1,
            "type": "insurance.attest",
            "sender": "01" * 32,
            "nonce": 1,
            "expires_at_ms": 5,
            "body": {"a": 1},
        },
        "signatures": [{"public_key": "01" * 32, "signature": "02" * 64}],
    }


_WRITE_ANYWAY = msgspec.json.Encoder(order="sorted")
"""Writes what the reference refuses to (floats, integers past 2**53, any key order of
the UTF-16 trap): a batch body as a hostile client could send it."""


def _assert_batch_agrees(items: list[Any]) -> bool:
    """signed_batch_fast(body) is None, or each tx is what the reference reads from the
    body's decode; True when the fast path answered."""
    try:
        data = _WRITE_ANYWAY.encode({"txs": items})
    except (TypeError, ValueError, UnicodeEncodeError):
        return False  # not JSON at all: nothing a client can send
    read = signed_batch_fast(data)
    if read is None:
        return False
    decoded = _outcome(lambda: decode(data))
    assert decoded[0] == "ok", decoded
    for fast, value in zip(read, decoded[1]["txs"], strict=True):
        reference = _outcome(partial(_parse_signed_reference, value))
        assert reference[0] == "ok", reference
        _assert_same_tx(fast, reference[1], same_body=False)
    return True


@settings(max_examples=300, deadline=None)
@given(st.lists(envelopes() | faulty(), min_size=1, max_size=4))
@example([{**_fixed_envelope(), "tx": {**_fixed_envelope()["tx"], "body": {"a": 1.5}}}])
@example([{**_fixed_envelope(), "tx": {**_fixed_envelope()["tx"], "body": {"a": 2**53}}}])
@example([{**_fixed_envelope(), "tx": {**_fixed_envelope()["tx"], "body": {"a": [[[[[]]]]]}}}])
def test_a_batch_read_in_c_is_the_reference_read_of_its_decode(items: list[Any]) -> None:
    _assert_batch_agrees(items)


@settings(max_examples=200, deadline=None)
@given(st.lists(envelopes(), min_size=1, max_size=4))
def test_a_canonical_batch_of_valid_envelopes_is_read_in_c(items: list[Any]) -> None:
    """Taken, not only agreed with, unless a body is one the C encoder cannot write."""
    taken = _assert_batch_agrees(items)
    assert taken or any(encode_in_c(item["tx"]) is None for item in items)


def test_a_batch_nested_past_the_bound_is_left_to_the_reference() -> None:
    deep: Any = 1
    for _ in range(NESTING_DEPTH_MAX - 4):  # the body's own depth: 4 containers above it
        deep = [deep]
    envelope = _fixed_envelope()
    envelope["tx"]["body"] = {"a": deep}
    assert signed_batch_fast(encode_in_c_domain({"txs": [envelope]})) is None
    envelope["tx"]["body"] = {"a": deep[0]}
    assert signed_batch_fast(encode({"txs": [envelope]})) is not None


def test_a_batch_the_reference_refuses_to_decode_is_left_to_it() -> None:
    """msgspec keeps the last of duplicate keys where the reference refuses them: only
    bytes that re-encode to themselves are read in C."""
    data = encode({"txs": [_fixed_envelope()]})
    twice = data.replace(b'"body":{"a":1}', b'"body":{"a":1,"a":1}')
    assert twice != data and _outcome(lambda: decode(twice))[0] == "error"
    assert signed_batch_fast(twice) is None
    assert signed_batch_fast(data) is not None


HEADER = parentless_header(
    chain_id=Hash32(b"\x01" * 32),
    height=3,
    time_ms=1,
    state_root=Hash32(b"\x02" * 32),
    validators_hash=Hash32(b"\x03" * 32),
).to_json()


@settings(max_examples=200, deadline=None)
@given(st.lists(envelopes() | faulty(), max_size=4), st.booleans())
def test_a_block_read_with_its_txs_in_c_is_the_reference_block_or_error(
    txs: list[Any], through_bytes: bool
) -> None:
    """protocol/block.py block_of_value (block sync's parse) against Block.from_json: the
    same block, each tx's bytes included, or the same error, whichever tx is faulty; and
    the value it reads is left as it was."""
    value: Any = {"evidence": [], "header": HEADER, "txs": txs}
    in_c_domain = False
    if through_bytes:  # as block sync reads it: decoded, then walked and encoded in C
        data = encode_in_c(value)
        if data is None:
            return
        value, in_c_domain = decode_unchecked(data), True
    before = repr(value)
    fast = _outcome(lambda: block_of_value(value, in_c_domain=in_c_domain))
    reference = _outcome(lambda: Block.from_json(value))
    assert repr(value) == before
    assert fast[0] == reference[0], (fast, reference)
    if fast[0] == "error":
        assert fast[1] == reference[1]
        return
    assert fast[1] == reference[1]
    assert fast[1].canonical_bytes() == reference[1].canonical_bytes()
    for mine, theirs in zip(fast[1].txs, reference[1].txs, strict=True):
        _assert_same_tx(mine, theirs)


def test_a_block_whose_txs_are_not_a_list_is_the_reference_error() -> None:
    wrong_txs: list[Any] = [None, {"0": 1}, "txs", (), [{}] * (BLOCK_TXS_MAX + 1)]
    wrong_blocks: list[Any] = [None, [], "block"]
    values = [{"evidence": [], "header": HEADER, "txs": txs} for txs in wrong_txs]
    for value in [*values, *wrong_blocks]:
        fast = _outcome(lambda: block_of_value(value, in_c_domain=False))  # noqa: B023
        assert fast[0] == "error"
        assert fast == _outcome(lambda: Block.from_json(value))  # noqa: B023
