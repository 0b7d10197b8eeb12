"""`lantan net status` tells a node that answers from one frozen (SIGSTOP: its process lives,
its API answers nothing), one that died without `net stop` (kill -9) and one stopped, and
exits EXIT_NOT_ALL_UP unless every node is running and answering.

Before: the frozen node's row read `running`, the killed one's `stopped` (reading its pid
file removed it), and the exit code was 0 in every case.
"""

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from client.cli.main import main
from node import net, net_views
from node.config import CONFIG_FILE, NodeConfig, render_config
from node.net_cli import EXIT_NOT_ALL_UP
from node.net_processes import (
    PID_FILE,
    WITNESS_PID_FILE,
    ProcessState,
    process_state,
    stop_process,
)
from node.net_state import NodeState, node_state
from tests.unit.node.status_server import STATUS, status_server

CATCHING_UP = {"height": 3, "target": 420}


@pytest.fixture
def answering_port() -> Iterator[int]:
    with status_server() as port:
        yield port


@pytest.fixture
def frozen_port() -> Iterator[int]:
    """A port whose connections the kernel accepts and nobody reads: a SIGSTOPped node."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    try:
        yield listener.getsockname()[1]
    finally:
        listener.close()


@pytest.fixture(autouse=True)
def short_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(net_views, "STATUS_TIMEOUT_S", 0.3)


def _dead_pid() -> int:
    """The pid of a process that has exited and been reaped (as after kill -9)."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def _node(directory: Path, name: str, port: int, pid: int | None) -> None:
    node_dir = directory / name
    node_dir.mkdir(parents=True)
    config = NodeConfig(name=name, node_dir=node_dir, genesis=Path("../genesis.json"), port=port)
    (node_dir / CONFIG_FILE).write_text(render_config(config))
    if pid is not None:
        (node_dir / PID_FILE).write_text(f"{pid}\n")


def _status(capsys: pytest.CaptureFixture[str], directory: Path) -> tuple[int, dict[str, str], str]:
    code = main(["net", "status", "--dir", str(directory), "--json"])
    captured = capsys.readouterr()
    nodes = json.loads(captured.out)["nodes"]
    return code, {n["name"]: n["state"] for n in nodes}, captured.err


@pytest.mark.parametrize(
    ("process", "answered", "state"),
    [
        (ProcessState.RUNNING, True, NodeState.RUNNING),
        (ProcessState.RUNNING, False, NodeState.NOT_ANSWERING),
        (ProcessState.EXITED, False, NodeState.EXITED),
        (ProcessState.STOPPED, False, NodeState.STOPPED),
    ],
)
def test_node_state(process: ProcessState, answered: bool, state: NodeState) -> None:
    assert node_state(process, answered=answered) is state


def test_every_node_answering_is_exit_0(
    tmp_path: Path, answering_port: int, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("a", "b"):
        _node(tmp_path, name, answering_port, os.getpid())
    code, states, err = _status(capsys, tmp_path)
    assert (code, states, err) == (0, {"a": "running", "b": "running"}, "")


def test_frozen_killed_and_stopped_nodes_are_told_apart(
    tmp_path: Path, answering_port: int, frozen_port: int, capsys: pytest.CaptureFixture[str]
) -> None:
    _node(tmp_path, "answering", answering_port, os.getpid())
    _node(tmp_path, "frozen", frozen_port, os.getpid())
    _node(tmp_path, "killed", answering_port, _dead_pid())
    _node(tmp_path, "stopped", answering_port, None)
    code, states, err = _status(capsys, tmp_path)
    assert states == {
        "answering": "running",
        "frozen": "not_answering",
        "killed": "exited",
        "stopped": "stopped",
    }
    assert code == EXIT_NOT_ALL_UP
    assert "frozen not answering, killed exited, stopped stopped" in err
    # And what to do next, per node (stop 49: "exited" alone named no log and no command).
    start = f"lantan net start killed --dir {tmp_path}"
    assert (
        f"  killed: why it ended: {tmp_path / 'killed' / 'node.log'}; start it again: {start}"
        in err
    )
    assert f"  stopped: start it: lantan net start stopped --dir {tmp_path}" in err
    assert f"  frozen: its process lives but its API does not answer: see {tmp_path}" in err
    # A second look still says exited: reading the pid file must not erase the record.
    assert _status(capsys, tmp_path)[1]["killed"] == "exited"


def test_the_text_listing_names_the_states(
    tmp_path: Path, frozen_port: int, capsys: pytest.CaptureFixture[str]
) -> None:
    _node(tmp_path, "frozen", frozen_port, os.getpid())
    _node(tmp_path, "killed", frozen_port, _dead_pid())
    code = main(["net", "status", "--dir", str(tmp_path)])
    lines = capsys.readouterr().out.splitlines()
    assert code == EXIT_NOT_ALL_UP
    assert " not answering " in lines[0] and "running" not in lines[0]
    assert " exited " in lines[1]


def test_net_stop_of_an_exited_node_makes_it_stopped(tmp_path: Path, answering_port: int) -> None:
    _node(tmp_path, "killed", answering_port, _dead_pid())
    assert process_state(tmp_path / "killed") is ProcessState.EXITED
    assert not stop_process(tmp_path, "killed")
    assert process_state(tmp_path / "killed") is ProcessState.STOPPED


def test_a_witness_that_died_is_exited_and_fails_the_status(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = tmp_path / "net"
    net.net_create(directory, validators=3, base_port=23_400, witnesses=("w",))
    (directory / "w" / WITNESS_PID_FILE).write_text(f"{_dead_pid()}\n")
    views = net_views.witness_views(directory)
    assert [(w.name, w.state) for w in views] == [("w", ProcessState.EXITED)]
    code = main(["net", "status", "--dir", str(directory), "--json"])
    captured = capsys.readouterr()
    assert json.loads(captured.out)["witnesses"] == [{"name": "w", "pid": None, "state": "exited"}]
    assert code == EXIT_NOT_ALL_UP
    assert "witness w exited" in captured.err


def test_a_node_catching_up_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Stop 50: `net status` said `running` of a node catching up after a partition; it reads
    # /readyz's catching_up now (the node's one rule, SyncState.catching_up).
    def answer(path: str) -> tuple[int, dict[str, Any]]:
        if path == "/readyz":
            problems = ["catching up: height 3 of 420"]
            return 503, {"ready": False, "problems": problems, "catching_up": CATCHING_UP}
        return 200, STATUS

    with status_server(answer) as port:
        _node(tmp_path, "behind", port, os.getpid())
        main(["net", "status", "--dir", str(tmp_path), "--json"])
        (shown,) = json.loads(capsys.readouterr().out)["nodes"]
        main(["net", "status", "--dir", str(tmp_path)])
        (line, *_) = capsys.readouterr().out.splitlines()
    assert (shown["state"], shown["ready"], shown["catching_up"]) == ("running", False, CATCHING_UP)
    assert " catching up " in line and line.endswith("catching up to 420"), line
