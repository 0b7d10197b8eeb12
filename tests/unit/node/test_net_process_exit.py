"""node/net_processes.read_pid: a process is running until its last thread has ended.

A node killed with SIGKILL ends thread by thread: its main thread turns zombie first, and
its files (the listening socket, the LevelDB lock) close only with the last thread. A start
that took the zombie main thread for the end found the port still taken ("Address already
in use": the adversary tier's kill-and-restart tests, once nodes started quickly)."""

import subprocess
import sys
import time
from pathlib import Path

from node.net_processes import PID_FILE, read_pid

MAIN_THREAD_ENDS_FIRST = (
    "import ctypes, threading, time\n"
    "threading.Thread(target=time.sleep, args=(60,)).start()\n"
    "ctypes.CDLL(None).pthread_exit(None)\n"
)


def _state(pid: int) -> str:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[0]


def test_a_zombie_main_thread_with_a_live_thread_is_still_running(tmp_path: Path) -> None:
    process = subprocess.Popen([sys.executable, "-c", MAIN_THREAD_ENDS_FIRST])
    try:
        (tmp_path / PID_FILE).write_text(f"{process.pid}\n")
        deadline = time.monotonic() + 30
        while _state(process.pid) != "Z":
            assert time.monotonic() < deadline, "the main thread did not end"
            time.sleep(0.02)
        assert read_pid(tmp_path) == process.pid
    finally:
        process.kill()
        process.wait(timeout=30)
    assert read_pid(tmp_path) is None


def test_a_zombie_whose_threads_all_ended_is_not_running(tmp_path: Path) -> None:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    (tmp_path / PID_FILE).write_text(f"{process.pid}\n")
    deadline = time.monotonic() + 30
    while _state(process.pid) != "Z":  # ended, not yet reaped (nobody waited)
        assert time.monotonic() < deadline, "the process did not end"
        time.sleep(0.02)
    try:
        assert read_pid(tmp_path) is None
    finally:
        process.wait(timeout=30)
