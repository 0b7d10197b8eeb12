"""node/lifespan.py: the catch-up-then-consensus task beside the HTTP server, when it fails,
is one critical line and the runtime halted with the reason (so /readyz fails). Its
exception was collected at the stop only: a node whose consensus could not start served and
said ready and voting, with nothing in its log (stop 56's chaos pass)."""

import asyncio
import logging
from types import SimpleNamespace
from typing import Any, cast

import pytest

from node.lifespan import _said_if_failed
from node.node_parts import Node


def ended(coroutine: Any) -> "asyncio.Task[None]":
    async def main() -> "asyncio.Task[None]":
        task = asyncio.create_task(coroutine)
        await asyncio.gather(task, return_exceptions=True)
        return task

    return asyncio.run(main())


async def fails() -> None:
    raise OSError("signer_state.json is damaged")


async def ends_well() -> None:
    return None


def test_a_failed_task_halts_the_runtime_and_says_why(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.CRITICAL)
    node = SimpleNamespace(runtime=SimpleNamespace(halted=None))
    _said_if_failed(cast(Node, node), ended(fails()))
    reason = "catch-up and consensus ended: OSError: signer_state.json is damaged"
    assert node.runtime.halted == reason
    (record,) = caplog.records
    assert record.getMessage().startswith(reason + "; the node serves its reads but neither")


def test_a_task_that_ended_well_says_nothing(caplog: pytest.LogCaptureFixture) -> None:
    node = SimpleNamespace(runtime=SimpleNamespace(halted=None))
    _said_if_failed(cast(Node, node), ended(ends_well()))
    assert node.runtime.halted is None and not caplog.records
