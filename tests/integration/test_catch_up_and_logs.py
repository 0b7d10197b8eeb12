"""A wiped validator catching up while it serves, and faults visible in JSON logs (issue 20).

Before: a catching-up node answered no HTTP at all until it had synced, `lantan net start`
gave up after 90 s, and kills, round timeouts and unreachable peers left no log line.
"""

import json
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from tests.integration.network import LocalNet, wait_for
from tests.integration.txs import TxBuilder, submit_to, wait_committed, wire

# The tier's longest module (growing the chain it catches up): started first, not last.
RUN_FIRST = True
BLOCKS_BEHIND = 60
"""Growing the chain takes ~0.25-0.5 s a block (150 blocks took 40-85 s on the shared box);
catching up runs ~40 blocks a second (162 in 3.9 s at load 6), so 60 blocks still keep the
wiped node catching up for over a second: dozens of the watcher's 20 ms probes see it."""


def grow_chain(net: LocalNet, builder: TxBuilder, blocks: int) -> int:
    """Small txs at a steady pace, so each block holds few: many blocks, quickly."""
    start = net.height(net.validators[0])
    names = net.validators
    last = None
    while net.height(names[0]) < start + blocks:
        last = builder.attest("xiangshan-county", f"grow-{time.monotonic_ns()}")
        submit_to(net, names, wire(last))
        time.sleep(0.03)
    assert last is not None
    wait_committed(net, names[0], last.tx_id)
    return net.height(names[0])


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


def test_a_wiped_validator_serves_while_it_catches_up(net: LocalNet, builder: TxBuilder) -> None:
    names = net.validators
    victim = names[1]
    target = grow_chain(net, builder, BLOCKS_BEHIND)
    net.kill(victim)
    data_dir = net.config(victim).resolve(net.config(victim).data_dir)
    shutil.rmtree(data_dir)
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


def test_every_node_log_line_is_json(net: LocalNet) -> None:
    for name in net.validators:
        lines = log_lines(net, name)
        assert lines, name
        for line in lines:
            assert {"time", "level", "message"} <= set(line), line
