"""Node processes forked from a warm interpreter, for the multi-node test tiers.

A node process spends ~1.5 s of CPU importing its stack (FastAPI, uvicorn, httpx, PyNaCl,
plyvel and ~27,000 lines of ours) before it does anything, and the integration and
adversary tiers start ~110 nodes on a 2-core box. The zygote is one interpreter per test
process that has done those imports once; each `python -m node.main DIR` the harness asks
for (node.net.start_process) is an os.fork() of it that runs node/main.py as __main__ with
the argv, working directory, environment, session, stdin and log file the exec'd command
would have had. The child is a separate OS process with its own pid, LevelDB, sockets and
threads, started and killed exactly as before (node/net_processes.py's pid files); only the
imports are shared, copy-on-write.

The `lantan` commands the harness runs (tests/integration/lantan_cli.py) come from a second
zygote, one that has loaded every command group (~0.4-1 s of CPU each call otherwise, ~160
calls in the integration tier): Zygote.run forks it into `lantan ARGS` with the caller's
working directory and environment, stdin from /dev/null, its output captured, and returns
what subprocess.run would (the exit status comes back through a file the child writes as
it ends; a child killed by a signal writes none and reads as -SIGKILL). A separate
interpreter because what a zygote has loaded is resident in every child: a node must not
carry the CLI's PDF and audit stacks into the memory the adversary tests bound.

What is never forked: any other command (a witness, an interpreter other than this one),
and a child whose environment differs from its zygote's in a variable read before the
first import (PYTHON*, LD_*: faketime's preload, another checkout's path). Those, every node
a forked `lantan net up` starts, and every node outside the test tiers (`lantan net up`,
scripts/demo, the chaos tier's nodes in namespaces), are exec'd as before.
LANTAN_TEST_ZYGOTE=0 turns both zygotes off.

The zygote forks from one thread with no event loop, database or socket open (it only
imports), so a child starts from a clean process; the random module reseeds itself in the
child (os.register_at_fork). The kernel reaps the children (SIGCHLD ignored in the zygote,
restored in each child), so a killed node never lingers as a zombie.
"""

import atexit
import contextlib
import importlib
import json
import os
import runpy
import select
import signal
import subprocess
import sys
import tempfile
import threading
import traceback
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO, Any

ENV = "LANTAN_TEST_ZYGOTE"
PRELOAD = ("node.main", "encodings.idna", "httpcore", "uvloop")
"""What a node imports: node.main's own imports, then what httpx and the server import
only once they run (`python -X importtime -m node.main DIR` on a running node)."""
CLI_PRELOAD = ("client.cli.main", "encodings.idna", "httpcore")
"""What `lantan` imports: the script's module, then (_preload) every command group."""
CLI_MODULE = "client.cli.main"
STARTUP_PREFIXES = ("PYTHON", "LD_")
"""Environment variables read before the interpreter runs any code of ours: a child whose
environment differs from the zygote's in one of them is exec'd instead."""

Spawn = Callable[[Path, list[str], str, str], int]


def _preload(names: list[str]) -> None:
    for name in names:
        importlib.import_module(name)
    if CLI_MODULE in names:
        # Every group's module and what it imports at load (the whole parser, as
        # `lantan --help` builds it); a group's command may still import more as it runs.
        sys.modules[CLI_MODULE].build_parser()


def _streams() -> None:
    # As the interpreter makes them at start when stdout and stderr are files.
    sys.stdin = open(os.devnull, encoding="utf-8")  # noqa: SIM115 (lives with the process)
    sys.stdout = open(1, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
    sys.stderr = open(  # noqa: SIM115
        2, "w", encoding="utf-8", errors="backslashreplace", buffering=1, closefd=False
    )


def _run_child(request: Mapping[str, Any]) -> int:
    """In the forked child: become the node process request describes and run it; its
    exit status."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    if request.get("session", True):
        os.setsid()
    os.chdir(request["cwd"])
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    # A node's stdout and stderr both append to its log; a command's are captured apart.
    for fd, key in ((1, "stdout"), (2, "stderr")):
        if key in request:
            out = os.open(request[key], os.O_WRONLY | os.O_TRUNC | os.O_CREAT, 0o644)
        else:
            out = os.open(request["log"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        os.dup2(out, fd)
        os.close(out)
    _streams()
    os.environ.clear()
    os.environ.update(request["env"])
    if "argv0" in request:  # a console script: sys.path[0] is the script's directory
        sys.path[0] = str(Path(request["argv0"]).parent)
        sys.argv = [request["argv0"], *request["args"]]
    else:
        sys.path[0] = request["cwd"]  # `python -m` puts the working directory first
        sys.argv = ["-m", *request["args"]]
    try:
        if "argv0" in request:
            # As the console script does: `from client.cli.main import main; sys.exit(main())`.
            sys.exit(importlib.import_module(request["module"]).main())
        # Run as `python -m` runs it: a fresh __main__, not the module the preload imported
        # (its imports stay loaded; runpy warns of a module imported before it runs).
        sys.modules.pop(request["module"], None)
        runpy.run_module(request["module"], run_name="__main__", alter_sys=True)
        status = 0
    except SystemExit as stop:
        status = _exit_status(stop.code)
    except BaseException:
        traceback.print_exc()
        status = 1
    # What the interpreter does at exit: wait for non-daemon threads, run atexit hooks,
    # flush the streams.
    threading._shutdown()  # type: ignore[attr-defined]
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    return status


def _exit_status(code: object) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    print(code, file=sys.stderr)
    return 1


def _write_status(path: Path, status: int) -> None:
    # Whole or absent: the caller reads it once the process has gone.
    partial = path.with_suffix(".partial")
    partial.write_text(f"{status}\n")
    partial.rename(path)


def serve(requests: IO[str], answers: IO[str]) -> None:
    """The zygote's loop: one JSON request a line, a pid a line back; ends at EOF."""
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    while line := requests.readline():
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            status = 1
            try:
                status = _run_child(request)
                if "status" in request:
                    _write_status(Path(request["status"]), status)
            finally:
                os._exit(status)
        answers.write(f"{pid}\n")
        answers.flush()


class Zygote:
    """A warm interpreter of this test process (preload: the modules it imports), started
    at the first fork asked."""

    def __init__(self, preload: tuple[str, ...] = PRELOAD) -> None:
        self._preload = preload
        self._process: subprocess.Popen[str] | None = None
        self._env: dict[str, str] = {}
        self._lock = threading.Lock()
        self._failed = False
        """Set once the zygote has died: every later child is exec'd."""

    def fork(self, module: str, args: list[str], cwd: Path, log: Path) -> int | None:
        """The pid of `python -m module *args` forked with cwd, this process's environment
        and log as stdout and stderr, in a session of its own; None when it must be exec'd
        instead (see the module docstring) or the zygote is gone."""
        return self._fork({"module": module, "args": args, "cwd": str(cwd), "log": str(log)})

    def run(
        self, argv: list[str], *, timeout: float, module: str = CLI_MODULE
    ) -> subprocess.CompletedProcess[str] | None:
        """What `subprocess.run(argv, capture_output=True, text=True, stdin=DEVNULL,
        timeout=timeout)` gives for argv = [a console script calling module.main(), args...],
        forked with this process's working directory and environment; None when it must be
        exec'd instead. Raises subprocess.TimeoutExpired (the child killed) as run does."""
        with tempfile.TemporaryDirectory(prefix="lantan-cli-") as scratch:
            out, err, status = (Path(scratch) / name for name in ("out", "err", "status"))
            pid = self._fork(
                {
                    "module": module,
                    "argv0": argv[0],
                    "args": argv[1:],
                    "cwd": os.getcwd(),
                    "stdout": str(out),
                    "stderr": str(err),
                    "status": str(status),
                    "session": False,
                }
            )
            if pid is None:
                return None
            if not _wait_gone(pid, timeout):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
                _wait_gone(pid, 10)
                raise subprocess.TimeoutExpired(argv, timeout, out.read_text(), err.read_text())
            code = int(status.read_text()) if status.exists() else -signal.SIGKILL
            return subprocess.CompletedProcess(argv, code, out.read_text(), err.read_text())

    def _fork(self, request: dict[str, Any]) -> int | None:
        env = dict(os.environ)
        with self._lock:
            process = self._started()
            if process is None or _startup_env(env) != _startup_env(self._env):
                return None
            assert process.stdin is not None and process.stdout is not None
            try:
                process.stdin.write(json.dumps({**request, "env": env}) + "\n")
                process.stdin.flush()
                answer = process.stdout.readline()
            except (BrokenPipeError, OSError):
                answer = ""
            if not answer:
                self._failed = True
                self._stop()
                return None
            return int(answer)

    def _started(self) -> subprocess.Popen[str] | None:
        if self._failed:
            return None
        if self._process is not None:
            return self._process
        self._env = dict(os.environ)
        self._process = subprocess.Popen(
            [sys.executable, "-c", f"from {__name__} import main; main()", *self._preload],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=Path(__file__).resolve().parents[2],
        )
        return self._process

    def close(self) -> None:
        with self._lock:
            self._stop()

    def _stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        assert process.stdin is not None and process.stdout is not None
        with contextlib.suppress(OSError):
            process.stdin.close()
        process.stdout.close()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def enabled() -> bool:
    """Whether the test tiers fork nodes and `lantan` commands (LANTAN_TEST_ZYGOTE != 0)."""
    return os.environ.get(ENV, "1") != "0"


def _startup_env(env: Mapping[str, str]) -> dict[str, str]:
    return {key: value for key, value in env.items() if key.startswith(STARTUP_PREFIXES)}


def forking_spawn(zygote: Zygote, exec_spawn: Spawn) -> Spawn:
    """node.net_processes.spawn, with `python -m node.main DIR` forked from zygote when it
    can be; every other command, and a node the zygote cannot fork, goes to exec_spawn."""
    from node.net_processes import refuse_running

    def spawn(node_dir: Path, command: list[str], pid_file: str, log_file: str) -> int:
        if command[:3] != [sys.executable, "-m", "node.main"]:
            return exec_spawn(node_dir, command, pid_file, log_file)
        refuse_running(node_dir, pid_file)
        pid = zygote.fork("node.main", command[3:], node_dir, node_dir / log_file)
        if pid is None:
            return exec_spawn(node_dir, command, pid_file, log_file)
        (node_dir / pid_file).write_text(f"{pid}\n")
        return pid

    return spawn


def _wait_gone(pid: int, timeout: float) -> bool:
    """Whether the process pid (not this process's child: the zygote's, which the kernel
    reaps) has ended within timeout seconds."""
    try:
        handle = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    try:
        return bool(select.select([handle], [], [], timeout)[0])
    finally:
        os.close(handle)


def main() -> None:
    _preload(sys.argv[1:])
    serve(sys.stdin, sys.stdout)
