"""genesis/document.py: the optional `witnesses` field (ADR 0021) leaves old genesis bytes alone."""

import dataclasses
from pathlib import Path

import pytest

from genesis.document import parse_genesis
from protocol.encoding import decode, encode
from protocol.errors import FieldTypeError
from protocol.hashing import TAG_GENESIS, sha256, tagged_hash
from protocol.signing import SigningKey
from protocol.witnesses import Witness, WitnessSet

VECTOR = Path(__file__).parents[2] / "vectors" / "receipt-v1-genesis.json"


def witness_set() -> WitnessSet:
    key = SigningKey(sha256(b"genesis witness test"))
    return WitnessSet(
        witnesses=(Witness(name="court-witness", public_key=key.public_key),), quorum=1
    )


def test_genesis_without_witnesses_hashes_as_before() -> None:
    raw = VECTOR.read_bytes()
    document = parse_genesis(raw)
    assert document.witnesses is None
    assert document.canonical_bytes() == encode(decode(raw))
    assert document.chain_id() == tagged_hash(TAG_GENESIS, encode(decode(raw)))
    assert "witnesses" not in document.to_json()


def test_witnesses_round_trip_and_change_the_chain() -> None:
    document = parse_genesis(VECTOR.read_bytes())
    witnessed = dataclasses.replace(document, witnesses=witness_set())
    again = parse_genesis(witnessed.canonical_bytes())
    assert again == witnessed
    assert again.to_json()["witnesses"] == witness_set().to_json()
    assert again.chain_id() != document.chain_id()


def test_explicit_null_witnesses_is_refused() -> None:
    value = decode(VECTOR.read_bytes())
    assert isinstance(value, dict)
    with pytest.raises(FieldTypeError, match="absent"):
        parse_genesis(encode({**value, "witnesses": None}))
