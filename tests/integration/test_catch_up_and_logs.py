"""A wiped validator catching up while it serves, and faults visible in JSON logs (issue 20).

Before: a catching-up node answered no HTTP at all until it had synced, `lantan net start`
gave up after 90 s, and kills, round timeouts and unreachable peers left no log line.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from genesis.document import build_genesis, parse_genesis
from genesis.layout import GENESIS_FILE
from node.bench import TxFactory, unlock
from node.bench_chain import forge_chain
from node.ledger import Ledger
from node.net import net_create
from node.storage.leveldb import LevelDbStore
from tests.integration.failure_logs import watch_net
from tests.integration.network import LocalNet, free_base_port, reap, wait_for
from tests.integration.txs import TxBuilder, submit_to, wait_committed, wire

BLOCKS_BEHIND = 300
"""Several hundred blocks (issue 20), forged offline into two validators' stores through the
real block transition (node/bench_chain.py) in a few seconds; grown through consensus they
cost 0.25-0.5 s each. Catching up runs ~40 blocks a second, so the wiped validator catches
up for several seconds: hundreds of the watcher's 20 ms probes see it."""


def forge_blocks(net: LocalNet, names: list[str], blocks: int) -> int:
    """One insurance.attest tx per block, certified by the validators' own keys, committed
    to the first validator's store; returns the forged head's height."""
    directory = net.directory
    genesis = build_genesis(parse_genesis((directory / GENESIS_FILE).read_bytes()))
    keys = [unlock(directory / name) for name in names]
    with LevelDbStore.open(data_dir(net, names[0])) as store:
        forged = forge_chain(
            Ledger(store, genesis),
            keys,
            TxFactory.of_network(directory),
            txs=blocks,
            tx_per_block=1,
            samples=1,
        )
    return forged.height


def data_dir(net: LocalNet, name: str) -> Path:
    config = net.config(name)
    return config.resolve(config.data_dir)


@pytest.fixture(scope="module")
def forged(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[LocalNet, int]]:
    """A 3-validator network for the module: the first two hold BLOCKS_BEHIND forged blocks
    and run; the third starts wiped in each test (forged_net). Yields it and the height."""
    net = LocalNet(tmp_path_factory.mktemp("forged") / "net")
    names = net_create(net.directory, validators=3, base_port=free_base_port(3))
    height = forge_blocks(net, names, BLOCKS_BEHIND)
    shutil.rmtree(data_dir(net, names[1]), ignore_errors=True)
    shutil.copytree(data_dir(net, names[0]), data_dir(net, names[1]))
    try:
        with watch_net(request.config, net):
            for name in names[:2]:
                net.start(name)
            for name in names[:2]:
                net.wait_ready(name)
            yield net, height
    finally:
        net.close()


@pytest.fixture
def forged_net(forged: tuple[LocalNet, int]) -> tuple[LocalNet, int]:
    """The module's forged network with its third validator stopped and wiped: it has never
    held a block, BLOCKS_BEHIND or more behind the other two (which cannot commit without it:
    3 of 3 sign)."""
    net, _ = forged
    victim = net.validators[2]
    if net.running(victim):
        net.kill(victim)
    shutil.rmtree(data_dir(net, victim), ignore_errors=True)
    return forged


def log_lines(net: LocalNet, name: str) -> list[dict[str, Any]]:
    """Every line of the node's log, each parsed as JSON (a line that is not fails here)."""
    lines = (net.directory / name / "node.log").read_text().splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def test_a_killed_validator_shows_in_the_others_logs(net: LocalNet, builder: TxBuilder) -> None:
    names = net.validators
    victim, witnesses = names[2], names[:2]
    net.kill(victim)
    try:
        # Work for a few heights: the victim's turn to propose comes and times out.
        for _ in range(4):
            signed = builder.attest("xiangshan-county", f"kill-{time.monotonic_ns()}")
            submit_to(net, witnesses, wire(signed))
            wait_committed(net, witnesses[0], signed.tx_id)

        def logged() -> bool | None:
            messages = [line["message"] for w in witnesses for line in log_lines(net, w)]
            unreachable = any("unreachable" in m for m in messages)
            round_change = any("ended without a decision" in m for m in messages)
            return (unreachable and round_change) or None

        wait_for(logged, 30, "unreachable-peer and round-change log lines")
    finally:
        net.start(victim)
        net.wait_ready(victim)
    back = [
        line for line in log_lines(net, witnesses[0]) if "reachable at height" in line["message"]
    ]
    assert back, "the witness logs the victim back"


def test_a_wiped_validator_serves_while_it_catches_up(
    forged_net: tuple[LocalNet, int],
) -> None:
    net, target = forged_net
    victim = net.validators[2]
    url = net.url(victim)
    seen: dict[str, list[Any]] = {"healthz": [], "metrics": [], "readyz": []}
    started = threading.Event()

    def watch() -> None:
        started.wait()
        deadline = time.monotonic() + 120
        with httpx.Client(timeout=2.0) as client:
            while time.monotonic() < deadline:
                try:
                    ready = client.get(f"{url}/readyz")
                    seen["healthz"].append(client.get(f"{url}/healthz").status_code)
                    seen["metrics"].append(client.get(f"{url}/metrics").status_code)
                except httpx.TransportError:
                    time.sleep(0.02)  # the process is not listening yet
                    continue
                seen["readyz"].append((ready.status_code, ready.json().get("problems", [])))
                if ready.status_code == 200:
                    return
                time.sleep(0.02)

    watcher = threading.Thread(target=watch)
    watcher.start()
    started.set()
    # `lantan net start` must wait through the catch-up and then succeed.
    done = subprocess.run(
        [
            str(Path(sys.executable).parent / "lantan"),
            "net",
            "start",
            victim,
            "--dir",
            str(net.directory),
        ],
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
    )
    watcher.join()
    assert done.returncode == 0, done.stderr
    assert net.height(victim) >= target
    catching_up = [
        problems
        for status, problems in seen["readyz"]
        if status == 503 and any(p.startswith("catching up") for p in problems)
    ]
    assert catching_up, seen["readyz"][:5]
    assert set(seen["healthz"]) == {200}
    assert set(seen["metrics"]) == {200}
    assert any("catch-up finished" in line["message"] for line in log_lines(net, victim))


def children_of(pid: int) -> set[int]:
    """The live (not zombie) processes whose parent is pid, from /proc."""
    found = set()
    for entry in Path("/proc").iterdir():
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[0] != "Z" and int(fields[1]) == pid:
            found.add(int(entry.name))
    return found


def alive(pids: set[int]) -> set[int]:
    """Those of pids still running (a zombie has exited)."""
    running = set()
    for pid in pids:
        try:
            if (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z":
                running.add(pid)
        except OSError:
            continue
    return running


@pytest.mark.parametrize(
    "stop", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL], ids=lambda s: s.name
)
def test_a_catching_up_node_leaves_no_process_behind(
    forged_net: tuple[LocalNet, int], stop: signal.Signals
) -> None:
    """Far behind, block sync verifies signatures in a spawned worker process
    (node/sync_ahead.py): once the node is stopped (`lantan net down`: SIGTERM; Ctrl-C:
    SIGINT) or killed (the chaos harness, the tests' teardown: SIGKILL) in the middle of
    the catch-up, that worker, and anything else it started, is gone too, and the node
    itself stops."""
    net, _ = forged_net
    victim = net.validators[2]
    pid = net.start(victim)
    children = wait_for(lambda: children_of(pid) or None, 120, "the verifying worker")
    os.kill(pid, stop)
    assert reap([pid], timeout_s=30) == [], f"{victim} did not stop on {stop.name}"
    wait_for(lambda: not alive(children), 30, f"the node's children to end after {stop.name}")
    # Every line its processes wrote is JSON: after SIGKILL, the resource tracker's warning
    # of the pool's leaked semaphores was two plain-text lines (node/sync_ahead.py).
    assert all({"time", "level", "message"} <= set(line) for line in log_lines(net, victim))


def test_every_node_log_line_is_json(net: LocalNet) -> None:
    for name in net.validators:
        lines = log_lines(net, name)
        assert lines, name
        for line in lines:
            assert {"time", "level", "message"} <= set(line), line
