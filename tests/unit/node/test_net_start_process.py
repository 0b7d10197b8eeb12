"""node/net.py start_process: the node runs under the interpreter asked for (scripts/
bench_catchup.py starts a wiped validator with another checkout's)."""

import time
from pathlib import Path

from node.net import start_process
from node.net_processes import PID_FILE, read_pid


def test_a_node_is_started_with_the_interpreter_given(tmp_path: Path) -> None:
    node_dir = tmp_path / "node-a"
    node_dir.mkdir()
    python = tmp_path / "python"
    python.write_text('#!/bin/sh\necho "$0 $*" > started.txt\n')
    python.chmod(0o755)
    pid = start_process(tmp_path, "node-a", python)
    assert (node_dir / PID_FILE).read_text().strip() == str(pid)
    deadline = time.monotonic() + 10
    while read_pid(node_dir) is not None and time.monotonic() < deadline:
        time.sleep(0.02)  # until it has exited (read_pid reaps it)
    started = (node_dir / "started.txt").read_text().split()
    assert started == [str(python), "-m", "node.main", str(node_dir)]
