"""Fixtures of the integration tier: one real network per module, always torn down.

A module that sets `SHARED_NET = "<name>"` shares a session network of that name with the
other modules that name it, instead of starting its own: they take turns on it, leave every
node running and measure what they changed (metric deltas, heights after their start).

Networks live in their own temporary directories, not under pytest's basetemp: pytest
deletes old basetemp folders when other sessions start, which would pull the LevelDB out
from under running nodes. LANTAN_KEEP_NETS=1 keeps the directories for a post-mortem; on a
failure, the tail of every node's log is attached to the report either way.
"""

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import pytest

from genesis.example.xiangshan_case import XIANGSHAN_CASE_STEPS, CaseStep
from protocol.hashing import Hash32, sha256
from protocol.signing import SigningKey
from tests.integration import failure_logs
from tests.integration.network import NETS_STASH, LocalNet, local_net
from tests.integration.txs import (
    NetKeys,
    TxBuilder,
    submit_to,
    wait_committed,
    wire,
    xiangshan_case_on_net,
)


@contextlib.contextmanager
def _net_directory(label: str) -> Iterator[Path]:
    directory = Path(tempfile.mkdtemp(prefix=f"lantan-{label}-"))
    yield directory
    if os.environ.get("LANTAN_KEEP_NETS") != "1":
        shutil.rmtree(directory, ignore_errors=True)


@contextlib.contextmanager
def _logged_on_failure(config: pytest.Config, running: LocalNet) -> Iterator[None]:
    """While a module uses the net, a failure report carries the tails of its node logs."""
    config.stash.setdefault(NETS_STASH, []).append(running)
    try:
        yield
    finally:
        config.stash[NETS_STASH].remove(running)


SHARED_NET_USERS = pytest.StashKey[dict[str, int]]()
"""How many collected modules name each session network (SHARED_NET)."""


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    modules = {item.module for item in items if isinstance(item, pytest.Function)}
    users: dict[str, int] = {}
    for module in modules:
        name = getattr(module, "SHARED_NET", None)
        if name is not None:
            users[name] = users.get(name, 0) + 1
    config.stash[SHARED_NET_USERS] = users


class SharedNets:
    """Session networks by name, each started when a module first asks for it and stopped
    when the last module that names it is done (an idle network still costs CPU: a block
    per heartbeat and the peers' sync polls), or at the end of the session."""

    def __init__(self, users: dict[str, int]) -> None:
        self._users = dict(users)
        self._nets: dict[str, tuple[LocalNet, contextlib.ExitStack]] = {}

    def get(self, name: str) -> LocalNet:
        if name not in self._nets:
            with contextlib.ExitStack() as stack:
                directory = stack.enter_context(_net_directory(f"shared-{name}"))
                running = stack.enter_context(local_net(directory))
                self._nets[name] = (running, stack.pop_all())
        return self._nets[name][0]

    def release(self, name: str) -> None:
        """A module that named this network is done; the last one stops it."""
        self._users[name] = self._users.get(name, 1) - 1
        if self._users[name] <= 0 and name in self._nets:
            self._nets.pop(name)[1].close()

    def close(self) -> None:
        while self._nets:
            self._nets.popitem()[1][1].close()


@pytest.fixture(scope="session")
def shared_nets(request: pytest.FixtureRequest) -> Iterator[SharedNets]:
    nets = SharedNets(request.config.stash.get(SHARED_NET_USERS, {}))
    try:
        yield nets
    finally:
        nets.close()


@pytest.fixture(scope="module")
def net_directory(request: pytest.FixtureRequest) -> Iterator[Path]:
    with _net_directory(request.module.__name__.rsplit(".", 1)[-1]) as directory:
        yield directory


@pytest.fixture(scope="module")
def net(request: pytest.FixtureRequest) -> Iterator[LocalNet]:
    """A running 3-validator network (`lantan net up`) for the tests of one module, or the
    session network the module names in SHARED_NET."""
    shared: str | None = getattr(request.module, "SHARED_NET", None)
    with contextlib.ExitStack() as stack:
        if shared is None:
            running = stack.enter_context(local_net(request.getfixturevalue("net_directory")))
        else:
            nets: SharedNets = request.getfixturevalue("shared_nets")
            running = nets.get(shared)
            stack.callback(nets.release, shared)
        stack.enter_context(_logged_on_failure(request.config, running))
        yield running


@pytest.fixture(scope="module")
def keys(net: LocalNet) -> NetKeys:
    return NetKeys(net.directory)


@pytest.fixture(scope="module")
def builder(net: LocalNet, keys: NetKeys) -> TxBuilder:
    return TxBuilder(net, keys)


@pytest.fixture(scope="session")
def xiangshan_case(shared_nets: SharedNets) -> int:
    """The Xiangshan case, committed and accepted on every validator of the shared "case"
    network before anything else runs on it; returns the number of its txs."""
    return len(commit_xiangshan_case(shared_nets.get("case")))


def commit_xiangshan_case(
    net: LocalNet,
    steps: Sequence[CaseStep] = XIANGSHAN_CASE_STEPS,
    *,
    made_keys: Mapping[str, SigningKey] | None = None,
) -> dict[str, Hash32]:
    """Commit the case's txs in order (by default the 8 of xiangshan_case.py; made_keys as
    xiangshan_case_on_net takes them), each accepted on every validator; tx ids by type."""
    builder = TxBuilder(net, NetKeys(net.directory))
    township = SigningKey(sha256(b"integration: huangbiao township holder"))
    ids = {}
    for step in xiangshan_case_on_net(township, builder.eco, steps, made_keys=made_keys):
        signed = builder.build(step.tx_type, step.sender, step.body, step.cosigners)
        answers = submit_to(net, net.validators, wire(signed))
        assert all(a.status_code == 202 for a in answers.values()), step.label
        for name in net.validators:
            status = wait_committed(net, name, signed.tx_id)
            assert status["result"]["status"] == "accepted", (step.label, status)
        ids[step.tx_type] = signed.tx_id
    return ids


pytest_runtest_makereport = failure_logs.pytest_runtest_makereport
"""On a failure, the tail of every node's log goes into the report."""
