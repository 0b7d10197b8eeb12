"""tests/integration/network.py: LocalNet reaps the processes it kills (no <defunct> left).

A node process started through the harness (node.net.start_process, `python -m node.main`)
is cheap here: its directory has no node.toml, so it would exit on its own after its
imports (SIGSTOP keeps it alive where a test needs it running). close must reap it although
no node.toml names it (close finds witnesses the same way: by pid only, not by node name).
"""

import os
import signal
from pathlib import Path

import pytest

import node.net
import node.net_processes
from tests.integration.network import LocalNet, reap


@pytest.fixture(autouse=True)
def exec_nodes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each node exec'd as a child of this process, not forked from the test zygote
    (tests/kit/zygote.py, whose children the kernel reaps): reaping is what is tested."""
    monkeypatch.setattr(node.net, "spawn", node.net_processes.spawn)


def state(pid: int) -> str:
    """The /proc state letter of pid (Z for a zombie), or "gone"."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return "gone"
    return stat.rsplit(")", 1)[-1].split()[0]


def assert_reaped(pid: int) -> None:
    assert state(pid) == "gone", f"pid {pid} is {state(pid)}"
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def test_close_reaps_every_process_it_started(tmp_path: Path) -> None:
    (tmp_path / "lone").mkdir()
    net = LocalNet(tmp_path)
    pid = net.start("lone")
    assert state(pid) not in ("gone", "Z")
    net.close()
    assert_reaped(pid)


def test_kill_reaps_the_node(tmp_path: Path) -> None:
    (tmp_path / "lone").mkdir()
    net = LocalNet(tmp_path)
    try:
        pid = net.start("lone")
        os.kill(pid, signal.SIGSTOP)  # it stays alive until the harness kills it
        net.kill("lone")
        assert_reaped(pid)
        assert not net.running("lone")
    finally:
        net.close()


def test_reap_never_blocks_on_a_process_that_lives_on(tmp_path: Path) -> None:
    (tmp_path / "lone").mkdir()
    net = LocalNet(tmp_path)
    try:
        pid = net.start("lone")
        os.kill(pid, signal.SIGSTOP)
        assert reap([pid], timeout_s=0.1) == [pid]
        assert reap([os.getpid()], timeout_s=0.1) == []  # not our child: nothing to reap
    finally:
        net.close()
    assert_reaped(pid)
