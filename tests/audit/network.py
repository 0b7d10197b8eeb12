"""Real networks for the audit tests: `lantan net` processes on fixed ports 7801+.

Wraps tests/integration/network.LocalNet (HTTP helpers, pid tracking, SIGKILL on close);
up() runs node.net.net_up on the given base port and close() runs net_down first, so every
process is gone when a fixture ends, whatever the test did.
"""

import contextlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from genesis.network import GENESIS_FILE
from node.net import net_down, net_up
from node.net_processes import stop_process
from node.startup_check import SKIP_ENV
from tests.integration.network import LocalNet, wait_for
from tests.kit.kdf import TEST_KDF_LIMITS
from tests.kit.lantan_cli import run_lantan

START_TIMEOUT_S = 60.0


@contextlib.contextmanager
def audit_net(directory: Path, *, validators: int, base_port: int) -> Iterator[LocalNet]:
    """A running network of `validators` nodes on base_port.., always torn down."""
    directory.mkdir(parents=True, exist_ok=True)
    net = LocalNet(directory)
    try:
        net_up(directory, validators=validators, base_port=base_port, kdf_limits=TEST_KDF_LIMITS)
        net._remember_running()
        yield net
    finally:
        with contextlib.suppress(Exception):
            net_down(directory)
        net.close()


def node_urls(net: LocalNet, names: list[str] | None = None) -> str:
    return ",".join(net.url(name) for name in (names or net.validators))


def run_audit(net: LocalNet, *options: str, names: list[str] | None = None) -> tuple[int, Any]:
    """`lantan audit --json` in-process against the named nodes; (exit code, report)."""
    done = run_lantan("audit", *_nodes_and_genesis(net, names), *options, "--json")
    return done.returncode, json.loads(done.stdout)


def run_audit_text(net: LocalNet, *options: str) -> tuple[int, str]:
    """`lantan audit` in-process with its human output; (exit code, stdout)."""
    done = run_lantan("audit", *_nodes_and_genesis(net, None), *options)
    return done.returncode, done.stdout


def _nodes_and_genesis(net: LocalNet, names: list[str] | None) -> tuple[str, ...]:
    return ("--nodes", node_urls(net, names), "--genesis", str(net.directory / GENESIS_FILE))


def findings(report: Any) -> set[tuple[str, int | None]]:
    return {(f["code"], f["height"]) for f in report["findings"]}


def errors(report: Any) -> list[Any]:
    return [f for f in report["findings"] if f["severity"] == "error"]


def stop(net: LocalNet, name: str) -> None:
    stop_process(net.directory, name)


def replace_data(net: LocalNet, name: str, snapshot: Path) -> None:
    """Replace a stopped node's LevelDB directory with a copy of snapshot."""
    data = net.directory / name / "data"
    shutil.rmtree(data)
    shutil.copytree(snapshot, data)


def start_unchecked(net: LocalNet, name: str, minimum_height: int) -> None:
    """Start a node with the start-up check skipped (test-only) and wait for its API."""
    previous = os.environ.get(SKIP_ENV)
    os.environ[SKIP_ENV] = "1"
    try:
        net.start(name)
    finally:
        if previous is None:
            del os.environ[SKIP_ENV]
        else:
            os.environ[SKIP_ENV] = previous

    def serving() -> bool:
        return int(net.status(name)["height"]) >= minimum_height

    wait_for(serving, START_TIMEOUT_S, f"{name} serving height >= {minimum_height}")


def start_checked_in_foreground(net: LocalNet, name: str) -> subprocess.CompletedProcess[str]:
    """Run the node process with the start-up check on; returns once it exits (or kills
    it after START_TIMEOUT_S)."""
    env = {key: value for key, value in os.environ.items() if key != SKIP_ENV}
    node_dir = net.directory / name
    return subprocess.run(
        [sys.executable, "-m", "node.main", str(node_dir)],
        cwd=node_dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=START_TIMEOUT_S,
        check=False,
    )


def status_or_none(net: LocalNet, name: str) -> Any:
    try:
        return net.status(name)
    except httpx.HTTPError:
        return None
