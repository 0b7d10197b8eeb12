"""A lock kept across kill -9 keeps its block (issue 21, ADR 0010), with real processes.

The validators start with a test-only hook that ends the process (os._exit, like kill -9)
right after its precommit for a block nobody has committed reached disk, before it was
sent. At least two of the three end that way at height 1; the third, if still up, is killed
too, so the only copies of the block are the ones persisted beside the signer states. All
restart without the hook, locked on that block: the network must commit again. Before the
fix the locks named bytes that existed nowhere and the chain stalled for good.
"""

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from node.net import NetError
from node.test_hooks import EXIT_AFTER_PRECOMMIT_ENV
from tests.integration.network import NETS_STASH, LocalNet, wait_for

pytestmark = pytest.mark.slow


@contextmanager
def environment(name: str, value: str) -> Iterator[None]:
    """Set one variable for the processes started inside (Popen copies the environment)."""
    previous = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if previous is None:
            del os.environ[name]
        else:
            os.environ[name] = previous


@pytest.fixture
def hooked_net(request: pytest.FixtureRequest) -> Iterator[LocalNet]:
    """A 3-validator network whose processes start with the exit-after-precommit hook."""
    directory = Path(tempfile.mkdtemp(prefix="lantan-locked-payload-"))
    net = LocalNet(directory)
    request.config.stash.setdefault(NETS_STASH, []).append(net)
    try:
        with environment(EXIT_AFTER_PRECOMMIT_ENV, "1"), contextlib.suppress(NetError):
            net.up()  # it waits for height 1, which the hook prevents: NetError on the exit
        yield net
    finally:
        request.config.stash[NETS_STASH].remove(net)
        net.close()
        if os.environ.get("LANTAN_KEEP_NETS") != "1":
            shutil.rmtree(directory, ignore_errors=True)


def test_validators_killed_right_after_precommit_commit_again(hooked_net: LocalNet) -> None:
    net = hooked_net
    names = net.validators
    # Each ends on its own right after persisting a precommit it never sent.
    wait_for(
        lambda: sum(not net.running(name) for name in names) >= 2,
        60,
        "two validators to exit right after a precommit",
    )
    for name in names:
        if net.running(name):
            net.kill(name)
    exited = [n for n in names if list((net.directory / n / "locked_payloads").glob("*"))]
    assert len(exited) >= 2, "validators exited after a precommit without the locked payload"
    for name in names:
        net.start(name)
    net.wait_heights(names, 1, timeout_s=40)
