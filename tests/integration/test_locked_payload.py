"""A lock kept across kill -9 keeps its block (issue 21, ADR 0010), with real processes.

The validators start with a test-only hook that ends the process (os._exit, like kill -9)
right after its precommit for a block nobody has committed reached disk, before it was
sent. At least two of the three end that way at height 1; the third, if still up, is killed
too, so the only copies of the block are the ones persisted beside the signer states. All
restart without the hook, locked on that block: the network must commit again. Before the
fix the locks named bytes that existed nowhere and the chain stalled for good.
"""

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from node.ledger import header_of_payload
from node.net import net_create
from node.test_hooks import EXIT_AFTER_PRECOMMIT_ENV
from tests.integration.network import NETS_STASH, LocalNet, free_base_port, wait_for

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
def hooked_net(request: pytest.FixtureRequest) -> Iterator[tuple[LocalNet, int]]:
    """A new 3-validator network whose nodes start with the exit-after-precommit hook; the
    height it starts from (0).

    Made by node.net.net_create (genesis, keys, node.toml; nothing started) and started once,
    hooked: not by `net up`, which waits for height 1 (the hook prevents it) and stops every
    node it started when one exits before ready.
    """
    directory = Path(tempfile.mkdtemp(prefix="lantan-locked-payload-"))
    net = LocalNet(directory)
    request.config.stash.setdefault(NETS_STASH, []).append(net)
    try:
        net_create(directory, validators=3, base_port=free_base_port(3))
        with environment(EXIT_AFTER_PRECOMMIT_ENV, "1"):
            for name in net.validators:
                net.start(name)
        yield net, 0
    finally:
        request.config.stash[NETS_STASH].remove(net)
        net.close()
        if os.environ.get("LANTAN_KEEP_NETS") != "1":
            shutil.rmtree(directory, ignore_errors=True)


def _payloads_above(node_dir: Path, height: int) -> list[Path]:
    """Files of locked_payloads/ holding a block of a height above `height`."""
    found = []
    for path in (node_dir / "locked_payloads").glob("*"):
        header = header_of_payload(path.read_bytes())
        if header is not None and header.height > height:
            found.append(path)
    return found


def test_validators_killed_right_after_precommit_commit_again(
    hooked_net: tuple[LocalNet, int],
) -> None:
    net, height = hooked_net
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
    # A payload of a block above `height` (a lock of an earlier height may still lie there).
    locked = [n for n in names if _payloads_above(net.directory / n, height)]
    assert len(locked) >= 2, "validators exited after a precommit without the locked payload"
    for name in names:
        net.start(name)
    # Two heights above the one read: at least one decided after the restart.
    net.wait_heights(names, height + 2, timeout_s=40)
