"""node/sync_log.py: the sync loop's progress lines.

Before: every sync round wrote `synced N blocks; height H` at info (an observer: 43 lines in
3 minutes on a 1 s heartbeat), `synced 1 blocks`, and a validator that had just synced
carried its stale consensus height in the line's field (`"synced 7 blocks; height 102"`
with `"height": 96`).
"""

import json
import logging
import re

import pytest

from node.logs import ContextFilter, JsonFormatter
from node.sync_catch_up import FAR_BEHIND_BLOCKS
from node.sync_log import SyncProgressLog, blocks_text


@pytest.fixture
def lines(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG, logger="lantan.node")
    return caplog


def _at(lines: pytest.LogCaptureFixture, level: int) -> list[str]:
    return [r.getMessage() for r in lines.records if r.levelno == level]


def test_blocks_text() -> None:
    assert (blocks_text(1), blocks_text(0), blocks_text(7)) == ("1 block", "0 blocks", "7 blocks")


def test_an_observer_in_step_writes_one_info_line_per_interval(
    lines: pytest.LogCaptureFixture,
) -> None:
    progress = SyncProgressLog(interval_s=300.0)
    height = 10
    for second in range(0, 180, 4):  # 3 minutes of 2 blocks every 4 s
        height += 2
        progress.applied(2, height=height, now_s=float(second))
    assert _at(lines, logging.INFO) == ["synced 2 blocks; height 12"]
    assert len(_at(lines, logging.DEBUG)) == 44
    height += 1
    progress.applied(1, height=height, now_s=300.0)
    assert _at(lines, logging.INFO)[-1] == f"synced 89 blocks in 300 s; height {height}"
    height += 1
    progress.applied(1, height=height, now_s=301.0)
    assert _at(lines, logging.DEBUG)[-1] == f"synced 1 block; height {height}"


def test_a_catch_up_far_behind_is_told_at_once(lines: pytest.LogCaptureFixture) -> None:
    progress = SyncProgressLog(interval_s=300.0)
    progress.applied(1, height=5, now_s=0.0)
    progress.applied(FAR_BEHIND_BLOCKS, height=5 + FAR_BEHIND_BLOCKS, now_s=20.0)
    assert _at(lines, logging.INFO)[-1] == (
        f"synced {FAR_BEHIND_BLOCKS} blocks in 20 s; height {5 + FAR_BEHIND_BLOCKS}"
    )


def test_the_height_field_is_the_height_the_message_names(
    lines: pytest.LogCaptureFixture,
) -> None:
    """A validator frozen at height 96 round 2 syncs to 102: the line is about 102, and the
    round of height 96 is not stamped on it."""
    context = ContextFilter()
    context.position = lambda: (96, 2)
    SyncProgressLog().applied(7, height=102, now_s=0.0)
    record = lines.records[-1]
    assert context.filter(record)
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "synced 7 blocks; height 102"
    named = re.search(r"height (\d+)", line["message"])
    assert named is not None and line["height"] == int(named.group(1))
    assert "round" not in line
