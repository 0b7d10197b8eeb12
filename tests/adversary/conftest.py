"""Fixtures of the adversary tier: real honest validators and one Byzantine process.

One network per parameter (n=3, then n=4), shared by the tests of the module: the honest
validators run as `lantan node` processes on LevelDB (node.net.start_process, as `lantan
net up` starts them) and the Byzantine validator's node is never started; a
tests/adversary/byzantine.py process holds its real key and listens on its port instead.
"""

import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from genesis.network import GENESIS_FILE, init_local_network
from node.config import CONFIG_FILE, render_config
from node.net import local_config, start_process
from node.net_layout import validator_names
from node.net_views import wait_ready
from tests.adversary.byzantine_process import ByzantineProcess
from tests.integration import failure_logs
from tests.integration.network import NETS_STASH, LocalNet, free_base_port
from tests.integration.txs import NetKeys, TxBuilder

BYZANTINE = {3: "xiamen-ptc", 4: "xiangshan-court"}
"""Which validator turns Byzantine: with n=4 the court, the fourth validator."""


@dataclass
class AdversaryNet:
    """A running network whose one Byzantine validator is scripted by the test."""

    net: LocalNet
    honest: list[str]
    byzantine: ByzantineProcess
    builder: TxBuilder
    validator_count: int


def start_without(
    net: LocalNet,
    validator_count: int,
    byzantine: str,
    heartbeat_interval_ms: int | None = None,
    node_toml_extra: str = "",
) -> list[str]:
    """Genesis and node.toml for every validator; start all but the Byzantine one (without
    waiting for them); returns the names started. heartbeat_interval_ms: the nodes' own
    (default: a local network's); node_toml_extra: top-level lines put first in each node.toml."""
    directory = net.directory
    document = init_local_network(
        directory, validator_count=validator_count, genesis_time_ms=time.time_ns() // 1_000_000
    )
    (directory / GENESIS_FILE).write_text(
        json.dumps(document.to_json(), indent=2, ensure_ascii=False)
    )
    names = validator_names(directory)
    base = free_base_port(len(names))
    for name in names:
        config = local_config(directory, name, names, base)
        if heartbeat_interval_ms is not None:
            config = replace(config, heartbeat_interval_ms=heartbeat_interval_ms)
        (directory / name / CONFIG_FILE).write_text(node_toml_extra + render_config(config))
    honest = [name for name in names if name != byzantine]
    for name in honest:
        net.started_pids.add(start_process(directory, name))
    return honest


@pytest.fixture(scope="module", params=[3, 4], ids=["n3", "n4"])
def adversary(request: pytest.FixtureRequest) -> Iterator[AdversaryNet]:
    validator_count: int = request.param
    directory = Path(tempfile.mkdtemp(prefix=f"lantan-adversary-n{validator_count}-")).resolve()
    byzantine_name = BYZANTINE[validator_count]
    net = LocalNet(directory)
    request.config.stash.setdefault(NETS_STASH, []).append(net)
    byzantine: ByzantineProcess | None = None
    try:
        # A module may set HEARTBEAT_INTERVAL_MS: an idle chain as deployed (ADR 0040).
        heartbeat_ms = getattr(request.module, "HEARTBEAT_INTERVAL_MS", None)
        # A module may set NODE_TOML_EXTRA: settings of node.toml it tests (a tighter bound).
        extra = getattr(request.module, "NODE_TOML_EXTRA", "")
        honest = start_without(net, validator_count, byzantine_name, heartbeat_ms, extra)
        byzantine = ByzantineProcess(directory, byzantine_name)
        wait_ready(directory, honest, minimum_height=1)
        byzantine.wait_started()
        yield AdversaryNet(
            net=net,
            honest=honest,
            byzantine=byzantine,
            builder=TxBuilder(net, NetKeys(directory)),
            validator_count=validator_count,
        )
    finally:
        if byzantine is not None:
            byzantine.close()
        net.close()
        request.config.stash[NETS_STASH].remove(net)
        if os.environ.get("LANTAN_KEEP_NETS") != "1":
            shutil.rmtree(directory, ignore_errors=True)


pytest_runtest_makereport = failure_logs.pytest_runtest_makereport
"""On a failure, every honest node's state and log, and the Byzantine's log (it writes it into
the network's directory), go into the report."""
