"""The test's handle on a Byzantine validator process (tests/adversary/byzantine.py).

The process is started with the venv's python (behind a launcher prefix such as `ip netns
exec NS` in the chaos tier), scripted over its stdin one JSON command per line, and answers
one JSON line per command on its stdout. Its stderr goes to a log file in the network
directory, shown when a test fails.
"""

import contextlib
import json
import queue
import subprocess
import sys
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, Any

REPO_ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 60.0
COMMAND_TIMEOUT_S = 120.0
LOG_FILE = "byzantine.log"
MODULE = "tests.adversary.byzantine"


class ByzantineProcess:
    """One running Byzantine validator; every command waits for its one-line answer."""

    def __init__(
        self,
        directory: Path,
        name: str,
        *,
        launcher: Sequence[str] = (),
        log_file: str = LOG_FILE,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.name = name
        self.log_path = directory / log_file
        self._log = self.log_path.open("ab")
        self._process = subprocess.Popen(
            [*launcher, sys.executable, "-m", MODULE, str(directory), name],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            cwd=REPO_ROOT,
            env=env,
        )
        self._lines: queue.Queue[bytes] = queue.Queue()
        assert self._process.stdout is not None
        threading.Thread(target=self._read, args=(self._process.stdout,), daemon=True).start()
        self.hello: dict[str, Any] = {}
        """Its first line: its name and public key (see wait_started)."""

    def wait_started(self, timeout_s: float = START_TIMEOUT_S) -> None:
        """Wait for the process to listen (it starts while the honest nodes do)."""
        self.hello = self.receive(timeout_s)

    @property
    def pid(self) -> int:
        return self._process.pid

    def _read(self, stream: IO[bytes]) -> None:
        for line in stream:
            self._lines.put(line)
        self._lines.put(b"")

    def send(self, op: str, **arguments: Any) -> None:
        """Start a command without waiting for it (see receive)."""
        stdin = self._process.stdin
        assert stdin is not None
        stdin.write(json.dumps({"op": op, **arguments}).encode() + b"\n")
        stdin.flush()

    def receive(self, timeout_s: float = COMMAND_TIMEOUT_S) -> dict[str, Any]:
        """The answer to the oldest command not yet received; AssertionError if it failed."""
        answer = self._answer(timeout_s)
        assert answer.get("ok") is True, f"byzantine process: {answer}"
        return answer

    def ask(
        self, op: str, *, answer_timeout_s: float = COMMAND_TIMEOUT_S, **arguments: Any
    ) -> dict[str, Any]:
        """Run a command and return its answer as it is, refusals included.

        The wait has its own name: an op may take a timeout_s argument of its own (the
        double proposal waits inside the process for its round)."""
        self.send(op, **arguments)
        return self._answer(answer_timeout_s)

    def command(
        self, op: str, *, timeout_s: float = COMMAND_TIMEOUT_S, **arguments: Any
    ) -> dict[str, Any]:
        self.send(op, **arguments)
        return self.receive(timeout_s)

    def _answer(self, timeout_s: float) -> dict[str, Any]:
        try:
            line = self._lines.get(timeout=timeout_s)
        except queue.Empty:
            raise AssertionError(f"byzantine process silent for {timeout_s:.0f}s") from None
        if not line:
            raise AssertionError(f"byzantine process exited; see {self.log_path}")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def log_tail(self, lines: int = 25) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def close(self) -> None:
        """End the process (stdin closed, then SIGKILL after 10 s) and reap it."""
        with contextlib.suppress(OSError, ValueError):
            assert self._process.stdin is not None
            self._process.stdin.close()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(timeout=10)
        if self._process.stdout is not None:
            self._process.stdout.close()
        self._log.close()
