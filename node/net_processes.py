"""The detached processes of a local network (`lantan net`): nodes and witnesses started in
their own session, recorded in a pid file in their folder, logging to a file beside it,
and stopped by SIGTERM, then SIGKILL. What each process runs is node/net.py's.

The pid file is written by spawn and removed only by stop_process (`net stop`, `net
down`): a pid file whose process is gone records that it ended without being stopped (it
crashed, was killed, or stopped itself), which `net status` reports as `exited` until the
next start or stop.
"""

import atexit
import enum
import os
import signal
import subprocess
import time
from pathlib import Path

PID_FILE = "node.pid"
LOG_FILE = "node.log"
WITNESS_PID_FILE = "witness.pid"
WITNESS_LOG_FILE = "witness.log"


class NetError(Exception):
    """A local network operation that failed, with a message for the operator."""


class NetUsageError(NetError):
    """Arguments that cannot work (a port past 65535 for a later validator): exit 2, as
    argparse's own range checks (genesis/commands.py whole_number)."""


class ProcessState(enum.Enum):
    """What a node's (or witness's) pid file says of its process."""

    RUNNING = "running"
    """The pid file names a live process."""
    EXITED = "exited"
    """The pid file names a process that is gone: it ended without `net stop`."""
    STOPPED = "stopped"
    """No pid file: never started, or stopped by `net stop` / `net down`."""


_children: dict[int, subprocess.Popen[bytes]] = {}
"""Node processes this process started, by pid (see start_process)."""


@atexit.register
def _release_children() -> None:
    """Nodes outlive the `lantan net` command that started them, by design: reap the ones
    that exited and mark the others as detached, so no Popen warns at interpreter exit."""
    for child in _children.values():
        if child.poll() is None:
            child.returncode = 0  # detached: the node keeps running in its own session


def refuse_running(node_dir: Path, pid_file: str) -> None:
    """NetError when the pid file of node_dir names a live process: one start at a time."""
    running = read_pid(node_dir, pid_file)
    if running is not None:
        raise NetError(f"{node_dir.name} is already running (pid {running})")


def spawn(node_dir: Path, command: list[str], pid_file: str, log_file: str) -> int:
    refuse_running(node_dir, pid_file)
    with (node_dir / log_file).open("ab") as log:
        process = subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            cwd=node_dir,
        )
    # Keep the Popen: dropping it while the node runs warns (ResourceWarning), and polling
    # it later reaps the exit status, so a killed child never lingers as a zombie.
    _children[process.pid] = process
    (node_dir / pid_file).write_text(f"{process.pid}\n")
    return process.pid


def read_pid(node_dir: Path, pid_file: str = PID_FILE) -> int | None:
    """The pid of a live node (or witness) process of node_dir, or None. A stale pid file
    is kept: it is the record that the process exited without being stopped
    (process_state)."""
    try:
        pid = int((node_dir / pid_file).read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    child = _children.get(pid)
    if child is not None and child.poll() is not None:
        del _children[pid]
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        return pid
    return None if _has_exited(pid) else pid


def process_state(node_dir: Path, pid_file: str = PID_FILE) -> ProcessState:
    """Whether the process of node_dir runs, exited without a stop, or was stopped."""
    if read_pid(node_dir, pid_file) is not None:
        return ProcessState.RUNNING
    return ProcessState.EXITED if (node_dir / pid_file).exists() else ProcessState.STOPPED


def _has_exited(pid: int) -> bool:
    """A zombie whose threads have all ended: what is left waits for its parent to reap it.
    A killed process's main thread turns zombie before its other threads have ended, and
    only the last of them closes its files: until then it still holds its port and its
    LevelDB lock, and a node started on them at once would find both taken."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        threads = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[0] == "Z" and len(threads) <= 1


def stop_process(
    directory: Path, name: str, *, timeout_s: float = 10.0, pid_file: str = PID_FILE
) -> bool:
    """SIGTERM the node (or, with WITNESS_PID_FILE, the witness), then SIGKILL after
    timeout_s; False if it was not running. Either way its pid file is gone after: the
    process counts as stopped, not exited."""
    node_dir = directory / name
    pid = read_pid(node_dir, pid_file)
    if pid is None:
        (node_dir / pid_file).unlink(missing_ok=True)
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and read_pid(node_dir, pid_file) is not None:
        time.sleep(0.05)
    if read_pid(node_dir, pid_file) is not None:
        os.kill(pid, signal.SIGKILL)
        while read_pid(node_dir, pid_file) is not None:
            time.sleep(0.05)
    (node_dir / pid_file).unlink(missing_ok=True)
    return True
