"""A lock kept across kill -9 keeps its block (issue 21, ADR 0009), with real processes.

Two of three validators end (os._exit, like kill -9) right after their precommit for a
block nobody has committed reached disk, before it was sent; then the third is killed too,
so the only copies of that block are the ones persisted beside the signer states. All
three restart locked on it: the network must commit again. Before the fix the lock named
bytes that existed nowhere and the chain stalled for good.
"""

import os
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from node.test_hooks import EXIT_AFTER_PRECOMMIT_ENV
from tests.integration.network import LocalNet, wait_for

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


def test_validators_killed_right_after_precommit_commit_again(net: LocalNet) -> None:
    first, second, third = net.validators
    height = max(net.wait_heights([first, second, third], 1).values())
    for name in (first, second):
        net.kill(name)
    with environment(EXIT_AFTER_PRECOMMIT_ENV, "1"):
        for name in (first, second):
            net.start(name)
    # Both end on their own, each right after persisting a precommit it never sent.
    wait_for(
        lambda: not (net.running(first) or net.running(second)),
        30,
        "both hooked validators to exit after a precommit",
    )
    stalled_at = net.height(third)
    net.kill(third)
    for name in (first, second):
        locked = list((net.directory / name / "locked_payloads").iterdir())
        assert locked, f"{name} exited after a precommit without its locked payload on disk"
    for name in (first, second, third):
        net.start(name)
    net.wait_heights([first, second, third], max(stalled_at, height) + 1, timeout_s=40)
