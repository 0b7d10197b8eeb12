"""node/loop_stall.py and the server's loop watcher: a node that stood still (frozen by
SIGSTOP for 20 s, then SIGCONT) says so once, with how long and at which height. Before,
it resumed without a line about it."""

import asyncio
import logging
import time
from types import SimpleNamespace
from typing import cast

import pytest

from node.lifespan import watch_loop_lag
from node.loop_stall import LOOP_STALL_WARN_S, warn_if_stalled
from node.node_parts import Node


def test_only_a_wake_up_well_beyond_the_timeouts_is_a_stall(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="lantan.node")
    assert not warn_if_stalled(2.0, height=None)  # load: the loop lag metric's business
    assert warn_if_stalled(20.34, height=7)
    [record] = caplog.records
    assert record.getMessage().startswith("this node stood still for 20.3 s (")
    assert (record.stalled_s, record.height) == (20.3, 7)  # type: ignore[attr-defined]
    assert LOOP_STALL_WARN_S >= 10.0


def test_the_loop_watcher_warns_once_for_a_blocked_loop(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The loop blocked for 0.4 s against a threshold of 0.2 s stands in for a 20 s freeze."""
    caplog.set_level(logging.WARNING, logger="lantan.node")
    lags: list[float] = []
    metrics = SimpleNamespace(event_loop_lag=SimpleNamespace(set=lags.append))
    node = SimpleNamespace(
        service=SimpleNamespace(metrics=metrics), runtime=None, ledger=SimpleNamespace(height=42)
    )

    async def main() -> None:
        watcher = asyncio.create_task(watch_loop_lag(cast(Node, node), 0.02, stall_s=0.2))
        await asyncio.sleep(0.1)
        time.sleep(0.4)  # the whole loop stands still
        await asyncio.sleep(0.1)
        watcher.cancel()

    asyncio.run(main())
    stalls = [r for r in caplog.records if r.getMessage().startswith("this node stood still")]
    assert len(stalls) == 1
    assert stalls[0].height == 42  # type: ignore[attr-defined]
    assert 0.3 <= stalls[0].stalled_s < 1.0  # type: ignore[attr-defined]
    assert max(lags) >= 0.3
