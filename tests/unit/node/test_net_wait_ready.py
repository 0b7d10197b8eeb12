"""`lantan net start` / `net up` wait for a node while its height rises towards the target,
and no longer once it is past it: a node that follows the network at its pace, but never
within readiness's lag, is reported after the timeout instead of being waited for without
end (stop 40's list)."""

import itertools
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from node import net_views
from node.config import CONFIG_FILE, NodeConfig, render_config
from node.net_processes import PID_FILE, NetError
from tests.unit.node.status_server import STATUS, status_server


@contextmanager
def _rising_node(*, ready_at: int) -> Iterator[int]:
    """A stand-in node whose height rises by one at each /v1/status; its /readyz answers 200
    from height ready_at on; below it, it says it is 5 blocks behind its peers."""
    heights = itertools.count(1)
    current = [0]

    def answer(path: str) -> tuple[int, dict[str, Any]]:
        if path == "/v1/status":
            current[0] = next(heights)
            return 200, {**STATUS, "height": current[0]}
        if current[0] >= ready_at:
            return 200, {"ready": True, "problems": []}
        return 503, {"ready": False, "problems": ["syncing: 5 blocks behind"]}

    with status_server(answer) as port:
        yield port


def _network(directory: Path, port: int, monkeypatch: pytest.MonkeyPatch) -> None:
    node_dir = directory / "a"
    node_dir.mkdir()
    config = NodeConfig(name="a", node_dir=node_dir, genesis=Path("../genesis.json"), port=port)
    (node_dir / CONFIG_FILE).write_text(render_config(config))
    (node_dir / PID_FILE).write_text(f"{os.getpid()}\n")  # a live pid: "running"
    monkeypatch.setattr(net_views, "chain_id_of", lambda _directory: STATUS["chain_id"])


def test_a_node_rising_past_the_target_but_never_ready_times_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Ready at height 40 (~8 s in): a wait that took every rise as progress would get there
    # and return, and the test would fail instead of hanging.
    with _rising_node(ready_at=40) as port:
        _network(tmp_path, port, monkeypatch)
        with pytest.raises(NetError) as raised:
            net_views.wait_ready(tmp_path, ["a"], minimum_height=3, timeout_s=1.0)
    assert "node a not ready after 1s without progress" in str(raised.value)
    assert "syncing: 5 blocks behind" in str(raised.value)


def test_a_node_rising_towards_the_target_is_waited_for_beyond_the_timeout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One height per poll (every 0.2 s): height 12 comes ~2.4 s in, past twice the
    # timeout, and it is still waited for because each poll was progress.
    with _rising_node(ready_at=12) as port:
        _network(tmp_path, port, monkeypatch)
        (passed,) = net_views.wait_ready(tmp_path, ["a"], minimum_height=12, timeout_s=1.0)
        view = net_views.node_view(tmp_path, "a")
    assert view.ready and (view.height or 0) >= 12
    # What the wait returns is the poll that passed, not a later one (the node here rises a
    # height a poll): `net start` prints it (`net add-observer` printed "catching up" from a
    # poll after the wait, stop 55).
    assert passed.ready and passed.height == 12 and (view.height or 0) > 12


def test_a_dead_nodes_refusal_is_shown_whole_with_its_remedy(tmp_path: Path) -> None:
    # 200 characters cut a damaged store's refusal mid-word, before what to do (stop 56).
    message = (
        f"node x not started: cannot open the store at {tmp_path}/data: LevelDB's CURRENT "
        "file is missing while 3 of its files remain, so the database cannot be read and is "
        "not opened: restore the data directory from a backup, or move it away and start "
        'the node again to catch up from its peers (docs/OPERATIONS.md "A damaged store")'
    )
    log = tmp_path / "node.log"
    log.write_text(json.dumps({"level": "critical", "message": message}) + "\n")
    assert net_views._last_error(log) == f": {message}"
    log.write_text(json.dumps({"level": "error", "message": "y " * 800}) + "\n")
    shown = net_views._last_error(log)
    assert shown.endswith(" …") and len(shown) < 1_010


def test_a_node_whose_log_ends_in_an_info_line_was_killed_or_crashed(tmp_path: Path) -> None:
    # "node exited: catch-up started at height 0" named an info line as the reason a node
    # killed by SIGKILL died (stop 56's chaos pass).
    log = tmp_path / "node.log"
    line = {"level": "info", "message": "catch-up started at height 0; highest peer at 2312"}
    log.write_text(json.dumps(line) + "\n")
    assert net_views._last_error(log) == ": killed or crashed (its log ends without an error line)"
