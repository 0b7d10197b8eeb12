"""tests/kit/zygote.py: a process forked from the test zygote starts as the exec'd command
would have (argv, working directory, environment, its own session, stdin, output to its log,
a fresh random seed), and commands it cannot fork are exec'd."""

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.lantan_cli import LANTAN
from tests.kit.zygote import CLI_PRELOAD, Zygote, forking_spawn


@pytest.fixture(scope="module")
def zygote() -> Iterator[Zygote]:
    started = Zygote()
    try:
        yield started
    finally:
        started.close()


def _facts(log: Path) -> list[Any]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        lines = log.read_text().splitlines() if log.exists() else []
        if "probe stderr" in lines:
            return [json.loads(line) for line in lines if line.startswith("{")]
        time.sleep(0.02)
    raise AssertionError(f"no probe output in {log}")


def test_a_forked_process_sees_what_an_exec_would_give_it(
    zygote: Zygote, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ZYGOTE_PROBE", "asked")
    pids, facts = [], []
    logs = [tmp_path / f"probe-{number}.log" for number in range(2)]
    for log in logs:
        pid = zygote.fork("tests.kit.zygote_probe", ["7", "x"], tmp_path, log)
        assert pid is not None and pid != os.getpid()
        pids.append(pid)
        (fact,) = _facts(log)
        facts.append(fact)
    for pid, fact in zip(pids, facts, strict=True):
        assert fact["argv"][1:] == ["7", "x"]
        assert fact["argv"][0].endswith("zygote_probe.py")
        assert fact["cwd"] == fact["path0"] == str(tmp_path)
        assert fact["pid"] == pid == fact["sid"]  # a session of its own
        assert fact["env"] == "asked"
        assert fact["stdin"] == ""
        assert fact["sigchld_default"]
        assert fact["name"] == "__main__"
    assert facts[0]["random"] != facts[1]["random"]
    # Nothing but the probe's own lines (no warning of the interpreter's in the log).
    for log in logs:
        assert len(log.read_text().splitlines()) == 2


def test_a_changed_startup_variable_is_not_forked(
    zygote: Zygote, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert zygote.fork("tests.kit.zygote_probe", [], tmp_path, tmp_path / "a.log") is not None
    monkeypatch.setenv("LD_PRELOAD", "/nonexistent/libfaketime.so.1")
    assert zygote.fork("tests.kit.zygote_probe", [], tmp_path, tmp_path / "b.log") is None


def test_spawn_forks_only_this_interpreter_running_node_main(
    zygote: Zygote, tmp_path: Path
) -> None:
    execd: list[list[str]] = []

    def exec_spawn(node_dir: Path, command: list[str], pid_file: str, log_file: str) -> int:
        execd.append(command)
        return 1

    spawn = forking_spawn(zygote, exec_spawn)
    node_dir = tmp_path / "node"
    node_dir.mkdir()
    witness = [sys.executable, "-m", "client.cli.main", "witness"]
    other_python = ["/usr/bin/python3", "-m", "node.main", str(node_dir)]
    assert spawn(node_dir, witness, "witness.pid", "witness.log") == 1
    assert spawn(node_dir, other_python, "node.pid", "node.log") == 1
    assert execd == [witness, other_python]
    # No node.toml: the forked node.main logs why it did not start and exits.
    pid = spawn(
        node_dir, [sys.executable, "-m", "node.main", str(node_dir)], "node.pid", "node.log"
    )
    assert (node_dir / "node.pid").read_text().strip() == str(pid)
    assert execd == [witness, other_python]
    log = node_dir / "node.log"
    deadline = time.monotonic() + 30
    while "not started" not in (log.read_text() if log.exists() else ""):
        assert time.monotonic() < deadline, "the forked node wrote no start failure"
        time.sleep(0.05)
    # Every line JSON, as from an exec'd node (no warning of runpy's about node.main, which
    # the zygote imported before the child runs it as __main__).
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert "not started" in lines[-1]["message"]


def test_a_forked_command_answers_as_subprocess_run_would(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    probe = Zygote(("tests.kit.zygote_probe",))
    try:
        monkeypatch.chdir(tmp_path)
        monkeypatch.setenv("ZYGOTE_PROBE", "asked")
        script = str(tmp_path / "bin" / "probe")
        done = probe.run([script, "7", "x"], timeout=30, module="tests.kit.zygote_probe")
        assert done is not None
        assert (done.args, done.returncode, done.stderr) == (
            [script, "7", "x"],
            7,
            "probe stderr\n",
        )
        fact = json.loads(done.stdout)
        assert fact["argv"] == [script, "7", "x"]
        assert fact["cwd"] == str(tmp_path)
        assert fact["path0"] == str(tmp_path / "bin")  # a console script's directory
        assert fact["sid"] == os.getsid(0)  # this session, as subprocess.run's child
        assert (fact["env"], fact["stdin"], fact["sigchld_default"]) == ("asked", "", True)
        started = time.monotonic()
        with pytest.raises(subprocess.TimeoutExpired):
            probe.run([script, "sleep"], timeout=0.5, module="tests.kit.zygote_probe")
        assert time.monotonic() - started < 20
    finally:
        probe.close()


def test_lantan_forked_prints_and_exits_as_the_installed_script() -> None:
    # The console script itself against its fork: a success and a usage error.
    cli = Zygote(CLI_PRELOAD)
    try:
        for args in (["--version"], ["tx", "--no-such-option"]):
            argv = [LANTAN, *args]
            forked = cli.run(argv, timeout=60)
            execd = subprocess.run(
                argv, capture_output=True, text=True, stdin=subprocess.DEVNULL, check=False
            )
            assert forked is not None
            assert (forked.returncode, forked.stdout, forked.stderr) == (
                execd.returncode,
                execd.stdout,
                execd.stderr,
            )
        assert forked is not None and forked.returncode == 2
        assert "lantan tx: error" in forked.stderr
    finally:
        cli.close()
