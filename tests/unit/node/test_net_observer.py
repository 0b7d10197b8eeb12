"""node/net_observer.py without processes: the observer's node.toml, and the refusals of
`net add-observer` (a bad or taken name, a network with no validator running), each before
anything is written."""

import re
from pathlib import Path

import pytest

from genesis.layout import GENESIS_FILE
from node.config import load_config
from node.net import net_create
from node.net_layout import validator_names
from node.net_observer import net_add_observer, observer_config
from node.net_processes import NetError


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A network made (genesis, keys, node.toml) and never started."""
    directory = tmp_path_factory.mktemp("net") / "net"
    net_create(directory, validators=3, base_port=23_100)
    return directory


def test_the_observer_peers_with_every_validator_on_the_networks_genesis(network: Path) -> None:
    config = observer_config(network, "observer-1", 23_110)
    assert (config.observer, config.port, config.name) == (True, 23_110, "observer-1")
    assert (network / "observer-1" / config.genesis).resolve() == network / GENESIS_FILE
    assert [(p.name, p.url) for p in config.peers] == [
        (name, load_config(network / name).url) for name in validator_names(network)
    ]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("Observer", "is not a node name"),
        ("../outside", "is not a node name"),
        ("xiamen-ptc", "'xiamen-ptc' is taken in"),
        ("xiangshan-court", "is taken: "),  # an institution's keystore folder
        ("observer-1", "is not running (no validator is)"),
    ],
)
def test_refusals_write_nothing(network: Path, name: str, message: str) -> None:
    before = sorted(p.name for p in network.iterdir())
    with pytest.raises(NetError, match=re.escape(message)):
        net_add_observer(network, name)
    assert sorted(p.name for p in network.iterdir()) == before
