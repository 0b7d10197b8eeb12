"""`lantan net status` tells a node that answers from one frozen (SIGSTOP: its process lives,
its API answers nothing), one that died without `net stop` (kill -9) and one stopped, and
one that answers but is not ready from one that is, and exits EXIT_NOT_ALL_UP unless every
node is ready.

Before: the frozen node's row read `running`, the killed one's `stopped` (reading its pid
file removed it), and the exit code was 0 in every case; until stop 55, a node that
answered but was not ready read `running`, said nothing of why, and passed the check.
"""

import json
import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _pytest.capture import CaptureResult

from client.cli.main import main
from node import net, net_views
from node.config import CONFIG_FILE, NodeConfig, render_config
from node.net_cli import EXIT_NOT_ALL_UP, PROBLEM_SHOWN, _problem_shown
from node.net_processes import (
    PID_FILE,
    WITNESS_PID_FILE,
    ProcessState,
    process_state,
    stop_process,
)
from node.net_state import NodeState, node_state
from tests.kit.kdf import TEST_KDF_LIMITS
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


def test_a_network_all_stopped_is_told_to_come_up_in_one_command(
    tmp_path: Path, answering_port: int, capsys: pytest.CaptureFixture[str]
) -> None:
    # Stop 55 (the operator's pass): after `net down`, a `net start NAME` line per node.
    for name in ("a", "b", "c"):
        _node(tmp_path, name, answering_port, None)
    code, states, err = _status(capsys, tmp_path)
    assert code == EXIT_NOT_ALL_UP and set(states.values()) == {"stopped"}
    assert f"every node is stopped: start the network: lantan net up --dir {tmp_path}" in err
    assert "lantan net start" not in err


def test_a_network_all_killed_is_told_to_come_up_in_one_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Stop 56's chaos pass: all three validators killed (a power loss), and a `net start`
    # per node, the first of which answered "not ready ... start 1 more".
    _node(tmp_path, "a", 1, _dead_pid())
    _node(tmp_path, "b", 1, _dead_pid())
    _node(tmp_path, "c", 1, None)
    code, states, err = _status(capsys, tmp_path)
    assert code == EXIT_NOT_ALL_UP and set(states.values()) == {"exited", "stopped"}
    assert f"every node is down: start the network: lantan net up --dir {tmp_path}" in err
    assert "lantan net start" not in err


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


def _one_node_status(
    directory: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    readyz_status: int,
    readyz: dict[str, Any],
) -> tuple[dict[str, Any], int, CaptureResult[str]]:
    """`net status` of one running node whose /readyz answers readyz: its --json entry,
    then the plain run's exit code and output."""

    def answer(path: str) -> tuple[int, dict[str, Any]]:
        return (readyz_status, readyz) if path == "/readyz" else (200, STATUS)

    with status_server(answer) as port:
        _node(directory, name, port, os.getpid())
        main(["net", "status", "--dir", str(directory), "--json"])
        (shown,) = json.loads(capsys.readouterr().out)["nodes"]
        code = main(["net", "status", "--dir", str(directory)])
        return shown, code, capsys.readouterr()


def test_a_node_catching_up_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Stop 50: `net status` said `running` of a node catching up after a partition; it reads
    # /readyz's catching_up now (the node's one rule, SyncState.catching_up).
    problems = ["catching up: height 3 of 420"]
    readyz = {"ready": False, "problems": problems, "catching_up": CATCHING_UP}
    shown, code, captured = _one_node_status(tmp_path, capsys, "behind", 503, readyz)
    (line, *_) = captured.out.splitlines()
    assert (shown["state"], shown["ready"], shown["catching_up"]) == ("running", False, CATCHING_UP)
    assert " catching up " in line and line.endswith("catching up to 420"), line
    # Stop 55: it is not ready yet (net start and net up wait for it), so the check fails,
    # and stderr says it gets there by itself.
    assert code == EXIT_NOT_ALL_UP
    assert "not all up: behind catching up" in captured.err
    assert "  behind: catching up: height 3 of 420; it gets ready once caught up" in captured.err


def test_a_ready_nodes_warnings_are_printed_and_the_status_passes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Stop 56's chaos pass: a validator five minutes behind was `ready` in every status
    # while it refused every other validator's proposal (node/clock_watch.py).
    warning = "clock: the last 5 proposals of other validators were ~298 s further ahead"

    readyz = {"ready": True, "problems": [], "warnings": [warning]}
    shown, code, captured = _one_node_status(tmp_path, capsys, "skewed", 200, readyz)
    assert shown["ready"] and shown["warnings"] == [warning]
    assert code == 0
    assert f"lantan net status: warning: skewed: {warning}" in captured.err


NO_PROGRESS = "no progress: no commit for 96 s, an idle chain's heartbeat height is due every 1 s"
NOT_READY_ANSWER = {"ready": False, "problems": [NO_PROGRESS, "connected to 0 peers, needs 1"]}


def _validators(directory: Path, ports: dict[int, int | None]) -> list[str]:
    """A 3-validator network (quorum 2) whose validator i answers on ports[i] (None: stopped)."""
    names = net.net_create(directory, validators=3, base_port=16_900, kdf_limits=TEST_KDF_LIMITS)
    for index, port in ports.items():
        config = directory / names[index] / CONFIG_FILE
        text = re.sub(r"^port = \d+$", f"port = {port or 1}", config.read_text(), flags=re.M)
        config.write_text(text)
        if port is not None:
            (directory / names[index] / PID_FILE).write_text(f"{os.getpid()}\n")
    return names


def test_a_node_that_answers_but_is_not_ready_says_why_and_fails_the_status(
    tmp_path: Path, answering_port: int, capsys: pytest.CaptureFixture[str]
) -> None:
    # The operator's finding (stop 55): a validator whose /readyz said no progress and no
    # peers, 45 blocks behind, read `running` with exit 0, and with one validator of three
    # ready nothing said the chain could not commit.
    def answer(path: str) -> tuple[int, dict[str, Any]]:
        if path == "/readyz":
            return 503, NOT_READY_ANSWER
        return 200, {**STATUS, "height": 26}

    directory = tmp_path / "net"
    with status_server(answer) as stuck_port:
        ready, stuck, stopped = _validators(directory, {0: answering_port, 1: stuck_port, 2: None})
        code = main(["net", "status", "--dir", str(directory)])
        captured = capsys.readouterr()
        main(["net", "status", "--dir", str(directory), "--json"])
        shown = json.loads(capsys.readouterr().out)
    lines = {line.split()[0]: line for line in captured.out.splitlines()}
    assert " ready " in lines[ready]
    assert " not ready " in lines[stuck] and lines[stuck].endswith(
        "  why: no progress: no commit for 96 s…; connected to 0 peers, needs 1"
    ), lines[stuck]
    assert (
        captured.out.splitlines()[-1]
        == "the chain cannot commit: 1 of 3 validators ready, quorum 2"
    )
    assert code == EXIT_NOT_ALL_UP
    (not_up, *_) = captured.err.splitlines()
    assert f"{stuck} not ready" in not_up and f"{stopped} stopped" in not_up, not_up
    assert ready not in not_up, not_up
    log = directory / stuck / "node.log"
    assert (
        f"  {stuck}: answers but is not ready: {NO_PROGRESS}; connected to 0 peers, needs 1; "
        f"see {log}"
    ) in captured.err
    nodes = {n["name"]: n for n in shown["nodes"]}
    assert (nodes[stuck]["state"], nodes[stuck]["ready"]) == ("running", False)
    assert nodes[stuck]["problems"] == NOT_READY_ANSWER["problems"]
    assert nodes[ready]["problems"] == []
    assert shown["cannot_commit"] == {"quorum": 2, "validators": 3, "ready": [ready]}


def test_a_quorum_of_ready_validators_is_no_shortfall(
    tmp_path: Path, answering_port: int, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = tmp_path / "net"
    _validators(directory, {0: answering_port, 1: answering_port, 2: answering_port})
    code = main(["net", "status", "--dir", str(directory), "--json"])
    captured = capsys.readouterr()
    assert (code, captured.err) == (0, "")
    assert "cannot_commit" not in json.loads(captured.out)


@pytest.mark.parametrize(
    ("problem", "listed"),
    [
        ("connected to 0 peers, needs 1", "connected to 0 peers, needs 1"),
        (NO_PROGRESS, "no progress: no commit for 96 s…"),
        ("halted: " + "x" * 80, "halted: " + "x" * (PROBLEM_SHOWN - 9) + "…"),
        ("line\x1b[2Kforged, " + "y" * 60, "line[U+001B][2Kforged…"),
    ],
)
def test_a_long_problem_is_shortened_in_the_listing(problem: str, listed: str) -> None:
    assert _problem_shown(problem) == listed
