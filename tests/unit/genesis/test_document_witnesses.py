"""genesis/document.py: the optional `witnesses` field (ADR 0021) leaves old genesis bytes alone."""

import dataclasses
from pathlib import Path

import pytest

from contracts.records import Role
from genesis.document import build_genesis, parse_genesis
from genesis.example.parties import party_key
from genesis.keystore import KeyIdentity
from genesis.network import genesis_from_identities
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


def _identities() -> list[KeyIdentity]:
    return [
        KeyIdentity(name=name, roles=roles, public_key=party_key(name).public_key)
        for name, roles in (
            ("xiangshan-county", (Role.ISSUER, Role.VALIDATOR)),
            ("ningbo-ptc", (Role.TRADING_CENTRE, Role.VALIDATOR)),
            ("zhejiang-auditor", (Role.AUDITOR,)),
        )
    ]


def test_gathered_genesis_without_witnesses_hashes_as_before_adr_0025() -> None:
    """The chain id pinned below was computed by the code before ADR 0025 (witness
    institutions) from the same input: without witnesses nothing is added."""
    document = genesis_from_identities(
        _identities(), display_names={}, chain_name="pin", genesis_time_ms=1764115200000
    )
    assert [i.institution_id for i in document.institutions] == [
        "xiangshan-county",
        "ningbo-ptc",
        "zhejiang-auditor",
    ]
    assert document.chain_id().hex() == (
        "44247e43ce74c4978bcba8040105e0998f35c072210494851daa196a3050235f"
    )


def test_gathered_witnesses_become_institutions_unless_already_listed() -> None:
    policy = witness_set()
    (witness,) = policy.witnesses
    document = genesis_from_identities(
        _identities(),
        display_names={"court-witness": ("法院见证方", "Court Witness")},
        chain_name="pin",
        genesis_time_ms=1764115200000,
        witnesses=policy,
    )
    added = document.institutions[-1]
    assert (added.institution_id, added.roles, added.public_keys) == (
        "court-witness",
        ("witness",),
        (witness.public_key,),
    )
    assert (added.name_zh, added.name_en) == ("法院见证方", "Court Witness")
    # A witness key already among the gathered keys keeps that entry's roles.
    own = KeyIdentity(name="court-witness", roles=(Role.WITNESS,), public_key=witness.public_key)
    listed = genesis_from_identities(
        [*_identities(), own],
        display_names={},
        chain_name="pin",
        genesis_time_ms=1764115200000,
        witnesses=policy,
    )
    assert [i.institution_id for i in listed.institutions].count("court-witness") == 1
    build_genesis(listed)
