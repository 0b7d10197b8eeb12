"""Fixtures of the integration tier: one real network per module, always torn down.

Networks live in their own temporary directories, not under pytest's basetemp: pytest
deletes old basetemp folders when other sessions start, which would pull the LevelDB out
from under running nodes. LANTAN_KEEP_NETS=1 keeps the directories for a post-mortem; on a
failure, the tail of every node's log is attached to the report either way.
"""

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration import failure_logs
from tests.integration.network import NETS_STASH, LocalNet, local_net
from tests.integration.txs import NetKeys, TxBuilder


@pytest.fixture(scope="module")
def net_directory(request: pytest.FixtureRequest) -> Iterator[Path]:
    module = request.module.__name__.rsplit(".", 1)[-1]
    directory = Path(tempfile.mkdtemp(prefix=f"lantan-{module}-"))
    yield directory
    if os.environ.get("LANTAN_KEEP_NETS") != "1":
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="module")
def net(net_directory: Path, request: pytest.FixtureRequest) -> Iterator[LocalNet]:
    """A running 3-validator network (`lantan net up`) shared by the tests of one module."""
    with local_net(net_directory) as running:
        request.config.stash.setdefault(NETS_STASH, []).append(running)
        yield running
        request.config.stash[NETS_STASH].remove(running)


@pytest.fixture(scope="module")
def keys(net: LocalNet) -> NetKeys:
    return NetKeys(net.directory)


@pytest.fixture(scope="module")
def builder(net: LocalNet, keys: NetKeys) -> TxBuilder:
    return TxBuilder(net, keys)


pytest_runtest_makereport = failure_logs.pytest_runtest_makereport
"""On a failure, the tail of every node's log goes into the report."""
