"""On a failure, what every node of the test's networks was doing, in its report and on disk.

For each network: each node's height, round, step, proposer, readiness and a few gauges
(send queues, event-loop lag, dropped peer messages), asked over HTTP, then an excerpt of
each node's log (its last warnings and errors, then its last lines: a Byzantine flood's
info lines must not push a stall's round changes out of view). The whole logs and the
states are copied under LANTAN_FAILURE_LOGS (default: <tmp>/lantan-failure-logs), a
directory the report names, so a CI run keeps them after its networks are deleted.

Networks are registered in NETS_STASH (tests/integration/network.py); the logs other
processes write into a network's directory (a Byzantine validator, the chaos relay) are
shown too. A test that closes its own network before the report (the chaos tier's per-test
networks) wraps it in `watch_net`, which takes the states while the nodes still run. Each
tier's conftest binds the one hook below: `pytest_runtest_makereport =
failure_logs.pytest_runtest_makereport`. Nothing of this runs when the test passes.
"""

import contextlib
import os
import re
import shutil
import tempfile
import time
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.integration.network import NETS_STASH, LocalNet

LOG_LINES = 25
"""Last lines of every level, per node."""
LOG_WARNINGS = 25
"""Last lines at warning or above (or not JSON: a traceback, a crash), per node."""
STATE_TIMEOUT_S = 2.0
"""Per request: a partitioned or stopped node must not hold the report for long."""
FAILURE_LOGS_ENV = "LANTAN_FAILURE_LOGS"
GAUGES = (
    "lantan_peers_reachable",
    "lantan_peer_send_queue_messages",
    "lantan_event_loop_lag_seconds",
    "lantan_peer_messages_dropped",
    "lantan_evidence_pending",
    "lantan_consensus_stalled",
)
"""/metrics lines kept in a node's state: is it starved, flooded, cut off or stalled?"""
_QUIET_LEVELS = ('"level": "debug"', '"level": "info"')


@dataclass(frozen=True, slots=True)
class NetSnapshot:
    """One network's node states, taken when the test failed."""

    directory: Path
    states: str


SNAPSHOTS_STASH = pytest.StashKey[list[NetSnapshot]]()
"""Snapshots taken by watch_net before their network was closed, for the next report."""


def node_states(net: LocalNet) -> str:
    """One line per node that has a log: its consensus position, readiness and gauges."""
    with httpx.Client(timeout=STATE_TIMEOUT_S, verify=False) as http:
        return "\n".join(f"{name}: {_node_state(net, http, name)}" for name in _nodes(net))


def _nodes(net: LocalNet) -> list[str]:
    return sorted(p.parent.name for p in net.directory.glob("*/node.log"))


def _node_state(net: LocalNet, http: httpx.Client, name: str) -> str:
    try:
        base = net.url(name)
        status: dict[str, Any] = http.get(f"{base}/v1/status").json()
    except Exception as error:  # a stopped or partitioned node: say so and go on
        return f"no answer to /v1/status ({type(error).__name__})"
    keys = ("height", "round", "step", "proposer", "halted", "mempool_txs")
    position = " ".join(f"{key}={status.get(key)}" for key in keys)
    with contextlib.suppress(Exception):
        ready = http.get(f"{base}/readyz").json()
        position += f" ready={ready.get('ready')} {ready.get('problems') or ''}".rstrip()
    gauges: list[str] = []
    with contextlib.suppress(Exception):
        text = http.get(f"{base}/metrics").text
        gauges = [line for line in text.splitlines() if line.startswith(GAUGES)]
    return "\n  ".join([position, *gauges])


def log_excerpt(path: Path, warnings: int = LOG_WARNINGS, lines: int = LOG_LINES) -> str:
    """The last `warnings` lines at warning or above, then the last `lines` lines; a log
    without JSON info lines (not a node's) only by its last lines."""
    if not path.exists():
        return f"(no log at {path})"
    text = path.read_text(errors="replace").splitlines()
    loud = [line for line in text if not _quiet(line)]
    if len(loud) == len(text):
        return "\n".join(text[-lines:])
    excerpt = [f"-- last {warnings} warnings and errors --", *loud[-warnings:]]
    excerpt += [f"-- last {lines} lines --", *text[-lines:]]
    return "\n".join(excerpt)


def _quiet(line: str) -> bool:
    """A node's JSON log line below warning (node/logs.py writes "level" first after "time")."""
    return line.startswith("{") and any(level in line[:80] for level in _QUIET_LEVELS)


def save_logs(nodeid: str, snapshots: list[NetSnapshot]) -> Path:
    """Copy every log of the snapshots' networks and their states; returns the directory."""
    root = Path(
        os.environ.get(FAILURE_LOGS_ENV) or Path(tempfile.gettempdir()) / "lantan-failure-logs"
    )
    label = re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid)[-120:]
    target = root / f"{time.strftime('%Y%m%dT%H%M%S')}-{label}"
    for snapshot in snapshots:
        net_target = target / snapshot.directory.name
        net_target.mkdir(parents=True, exist_ok=True)
        (net_target / "states.txt").write_text(snapshot.states + "\n")
        for log in [*snapshot.directory.glob("*.log"), *snapshot.directory.glob("*/node.log")]:
            name = log.name if log.parent == snapshot.directory else f"{log.parent.name}.log"
            with contextlib.suppress(OSError):
                shutil.copyfile(log, net_target / name)
    return target


def failure_sections(config: pytest.Config, nodeid: str) -> list[tuple[str, str]]:
    """(title, text) for every network of the test: states, then every log's excerpt."""
    snapshots = config.stash.get(SNAPSHOTS_STASH, [])
    config.stash[SNAPSHOTS_STASH] = []
    snapshots += [
        NetSnapshot(n.directory, node_states(n)) for n in config.stash.get(NETS_STASH, [])
    ]
    sections = []
    for snapshot in snapshots:
        sections.append((f"node states {snapshot.directory.name}", snapshot.states))
        for name in sorted(p.parent.name for p in snapshot.directory.glob("*/node.log")):
            excerpt = log_excerpt(snapshot.directory / name / "node.log")
            sections.append((f"node log {name}", excerpt))
        for log in sorted(snapshot.directory.glob("*.log")):
            sections.append((f"process log {log.name}", log_excerpt(log)))
    if snapshots:
        sections.append(("saved logs", str(save_logs(nodeid, snapshots))))
    return sections


@contextlib.contextmanager
def watch_net(config: pytest.Config, net: LocalNet) -> Iterator[LocalNet]:
    """While the block runs, a failure report shows net; on an exception the states are
    taken here, before the caller closes the net (call this inside its try/finally)."""
    config.stash.setdefault(NETS_STASH, []).append(net)
    try:
        yield net
    except BaseException:
        snapshot = NetSnapshot(net.directory, node_states(net))
        config.stash.setdefault(SNAPSHOTS_STASH, []).append(snapshot)
        raise
    finally:
        config.stash[NETS_STASH].remove(net)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.failed:
        report.sections.extend(failure_sections(item.config, item.nodeid))
    return report
