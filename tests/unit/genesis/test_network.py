"""genesis/network.py: the validators' quorum and chain name a genesis is built with."""

from pathlib import Path

import pytest

from contracts.records import Role
from genesis.errors import GenesisError
from genesis.example.parties import party_key
from genesis.keystore import INTERACTIVE_LIMITS, KeyIdentity
from genesis.network import (
    genesis_from_identities,
    init_local_network,
    quorum_range,
    witness_set,
)
from protocol.witnesses import Witness

NAMES = ("v-one", "v-two", "v-three")


def _from_identities(quorum: int | None) -> int:
    identities = [
        KeyIdentity(name=name, roles=(Role.VALIDATOR,), public_key=party_key(name).public_key)
        for name in NAMES
    ]
    document = genesis_from_identities(
        identities, display_names={}, chain_name="c", genesis_time_ms=1, quorum=quorum
    )
    return document.validators.quorum


def test_quorum_range_is_n_over_2_exclusive_to_n() -> None:
    assert list(quorum_range(3)) == [2, 3]
    assert list(quorum_range(4)) == [3, 4]
    assert list(quorum_range(1)) == [1]


def test_a_quorum_is_the_default_only_when_none_is_given() -> None:
    assert _from_identities(None) == 2
    assert _from_identities(3) == 3


@pytest.mark.parametrize("quorum", [0, 1, 4, -1])
def test_a_quorum_outside_the_range_is_a_genesis_error(quorum: int) -> None:
    # 0 had been taken for "the default" (`quorum or default`); the others escaped as the
    # ValidatorSet's ProtocolError.
    with pytest.raises(GenesisError, match=rf"quorum {quorum}: 3 validators take 2\.\.3"):
        _from_identities(quorum)


def test_a_key_given_twice_is_a_genesis_error() -> None:
    identity = KeyIdentity(
        name="v-one", roles=(Role.VALIDATOR,), public_key=party_key("v-one").public_key
    )
    with pytest.raises(GenesisError, match="validators: "):
        genesis_from_identities(
            [identity, identity], display_names={}, chain_name="c", genesis_time_ms=1
        )


def test_a_local_network_takes_its_chain_name_and_quorum(tmp_path: Path) -> None:
    document = init_local_network(
        tmp_path,
        validator_count=4,
        genesis_time_ms=1,
        limits=INTERACTIVE_LIMITS,
        chain_name="my-chain",
        quorum=4,
    )
    assert (document.chain_name, document.validators.quorum) == ("my-chain", 4)


def test_a_local_network_with_a_bad_quorum_makes_no_key(tmp_path: Path) -> None:
    with pytest.raises(GenesisError, match="quorum 99: 3 validators"):
        init_local_network(tmp_path / "net", validator_count=3, genesis_time_ms=1, quorum=99)
    assert not (tmp_path / "net").exists()


def test_a_witness_quorum_below_one_is_refused() -> None:
    # WitnessSet checks its minimum only when read: 0 was written into genesis files.
    witness = Witness(name="w", public_key=party_key("w").public_key)
    with pytest.raises(GenesisError, match="witness quorum 0: at least 1"):
        witness_set([witness], 0)
