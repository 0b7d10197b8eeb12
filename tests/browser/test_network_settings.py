"""The browser tier's network (conftest.py `network`) runs at the tier's heartbeat, not at
node.net's 1 s: an idle height per second cost its three nodes ~0.17 CPU-s a second."""

import pytest

from node.config import load_config
from node.net_layout import node_names
from tests.browser.conftest import HEARTBEAT_MS, CaseNetwork

pytestmark = pytest.mark.browser


def test_every_node_runs_at_the_tier_heartbeat(network: CaseNetwork) -> None:
    names = node_names(network.directory)
    assert len(names) == 3
    assert {load_config(network.directory / n, env={}).heartbeat_interval_ms for n in names} == {
        HEARTBEAT_MS
    }
