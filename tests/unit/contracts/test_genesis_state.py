"""genesis_state: the initial writes, and refusals of contradictory inputs."""

from dataclasses import replace

import pytest

from contracts import GenesisStateError, Params, current_validator_set, genesis_state
from contracts.state import MemoryState
from genesis.example.parties import genesis_accounts, institutions, party_key, validator_set
from protocol.encoding import decode


def test_genesis_writes_institutions_keys_accounts_and_sets() -> None:
    writes = genesis_state(
        institutions=institutions(), validators=validator_set(), accounts=genesis_accounts()
    )
    assert list(writes) == sorted(writes)
    assert decode(writes["params"]) == Params().to_json()
    court = party_key("xiangshan-court").public_key.hex()
    assert decode(writes[f"key/{court}"]) == {
        "institution_id": "xiangshan-court",
        "public_key": court,
    }
    assert writes["validators/current"] == writes["validators/next"]
    assert current_validator_set(MemoryState(writes)) == validator_set()
    assert "account/xiangshan-eco-account" in writes


def test_genesis_is_deterministic_whatever_the_input_order() -> None:
    forward = genesis_state(institutions=institutions(), validators=validator_set())
    backward = genesis_state(institutions=institutions()[::-1], validators=validator_set())
    assert forward == backward


def test_validator_without_the_validator_role() -> None:
    listed = [
        replace(i, roles=("issuer",)) if i.institution_id == "ningbo-ptc" else i
        for i in institutions()
    ]
    with pytest.raises(GenesisStateError, match="validator ningbo-ptc"):
        genesis_state(institutions=listed, validators=validator_set())


def test_duplicate_institution_and_shared_key() -> None:
    twice = (*institutions(), institutions()[0])
    with pytest.raises(GenesisStateError, match="twice"):
        genesis_state(institutions=twice, validators=validator_set())
    (court,) = [i for i in institutions() if i.institution_id == "xiangshan-court"]
    thief = replace(court, institution_id="thief", roles=("auditor",))
    with pytest.raises(GenesisStateError, match="key_in_use"):
        genesis_state(institutions=(*institutions(), thief), validators=validator_set())


def test_account_custodian_must_be_a_trading_centre() -> None:
    (eco,) = genesis_accounts()
    with pytest.raises(GenesisStateError, match="custodian"):
        genesis_state(
            institutions=institutions(),
            validators=validator_set(),
            accounts=(replace(eco, custodian="xiangshan-court"),),
        )
