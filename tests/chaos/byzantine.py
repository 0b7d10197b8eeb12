"""n=4 with one Byzantine validator in its own namespace while partitions come and go.

The Byzantine validator is the hardening issue's process (`python -m
tests.adversary.byzantine DIR NAME`, scripted by one JSON command per stdin line, one JSON
answer per stdout line); here it runs inside its namespace with the node.toml the harness
wrote for that validator. Where that module is absent, the scenario is skipped.
"""

import contextlib
import importlib.util
import json
import os
import queue
import subprocess
import sys
import threading
import time
from typing import IO, Any

from tests.chaos.cluster import REPO_ROOT, ChaosNet
from tests.chaos.load import Load
from tests.chaos.scenarios import Lengths, Record, Scenario, _top

MODULE = "tests.adversary.byzantine"
ANSWER_TIMEOUT_S = 240.0
ATTACKS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("equivocate", {"vote_type": "prevote"}),
    ("flood", {"count": 200}),
    ("equivocate", {"vote_type": "precommit"}),
    ("checkpoint_equivocation", {}),
    ("double_propose", {"timeout_s": 30}),
)


def available() -> bool:
    try:
        return importlib.util.find_spec(MODULE) is not None
    except ModuleNotFoundError:
        return False


class ByzantineInNamespace:
    def __init__(self, net: ChaosNet, name: str) -> None:
        self.log_path = net.directory / f"{name}.byzantine.log"
        self._log = self.log_path.open("ab")
        self._process = subprocess.Popen(
            ["ip", "netns", "exec", net.hosts[name].namespace, sys.executable, "-m", MODULE,
             str(net.directory), name],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            cwd=REPO_ROOT,
            env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        )  # fmt: skip
        self._lines: queue.Queue[bytes] = queue.Queue()
        assert self._process.stdout is not None
        threading.Thread(target=self._read, args=(self._process.stdout,), daemon=True).start()
        self.hello = self._answer()

    def _read(self, stream: IO[bytes]) -> None:
        for line in stream:
            self._lines.put(line)
        self._lines.put(b"")

    def _answer(self) -> dict[str, Any]:
        try:
            line = self._lines.get(timeout=ANSWER_TIMEOUT_S)
        except queue.Empty:
            raise AssertionError("the Byzantine process is silent") from None
        if not line:
            raise AssertionError(f"the Byzantine process exited; see {self.log_path}")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def command(self, op: str, **arguments: Any) -> dict[str, Any]:
        stdin = self._process.stdin
        assert stdin is not None
        stdin.write(json.dumps({"op": op, **arguments}).encode() + b"\n")
        stdin.flush()
        return self._answer()

    def close(self) -> None:
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


def byzantine_with_partitions(
    net: ChaosNet, load: Load, lengths: Lengths, byzantine: ByzantineInNamespace
) -> Record:
    """Each attack runs while one honest validator is cut off from the other honest ones,
    then the network heals and must commit again before the next one. The Byzantine
    validator is in neither group: it reaches both sides, the worst case for equivocation
    (each side can be shown a different vote or block)."""
    with Scenario(net, load, "Byzantine validator, partitions come and go") as scenario:
        answers = []
        for index, (op, arguments) in enumerate(ATTACKS):
            victim = net.validators[index % len(net.validators)]
            others = [net.hosts[n] for n in net.validators if n != victim]
            net.fabric.split([[net.hosts[victim]], others])
            scenario.record.faults += 2
            answer = byzantine.command(op, **arguments)
            answers.append({"op": op, "ok": answer.get("ok"), "error": answer.get("error")})
            time.sleep(lengths.split_s / 2)
            net.fabric.heal()
            net.wait_heights(net.names, _top(net) + 1, timeout_s=120)
        scenario.record.notes["attacks"] = answers
        scenario.healed()
    return scenario.record
