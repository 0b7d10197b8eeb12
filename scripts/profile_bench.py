"""Flame graph and CPU seconds of the validators under `lantan bench` (docs/PERFORMANCE.md).

Runs the bench of `lantan bench --json` in this process on a kept network directory; with
--out, attaches py-spy (a dev dependency) to the first validator as soon as its pid file
appears and records until the bench stops the network. py-spy samples from outside the
process (--nonblocking: it never pauses the node), so the node carries no profiling code.
Prints the bench's JSON line, then one with each validator's CPU seconds and their sum per
committed tx, over the whole run and from the batch's start (batch_cpu_ms_per_tx: the
figure to pair two builds on).

    python scripts/profile_bench.py --out docs/perf/validator.svg [--txs 5000 --singles 60]
    python scripts/profile_bench.py --format raw --out /tmp/validator.txt   (then add up)
"""

import argparse
import json
import resource
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from bench_scale import cpu_s

from genesis.commands import whole_number
from node.bench import BenchResult, run_bench

PID_WAIT_S = 120.0
CLIENT = "(client)"
"""This process in the CPU readings: no node directory has that name."""


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="profile to write (default: no profile)")
    parser.add_argument("--txs", type=whole_number(1), default=5000)
    parser.add_argument("--singles", type=whole_number(0), default=60)
    parser.add_argument("--base-port", type=int, default=7301)
    parser.add_argument("--rate", type=int, default=100, help="py-spy samples per second")
    parser.add_argument(
        "--format",
        default="flamegraph",
        choices=("flamegraph", "raw"),
        help="an SVG flame graph, or collapsed stacks (one line per stack) to add up",
    )
    return parser.parse_args()


def main() -> int:
    args = _arguments()
    net = Path(tempfile.mkdtemp(prefix="lantan-profile-"))
    batch = threading.Event()
    results: list[BenchResult] = []

    def progress(step: str) -> None:
        if step.startswith("batch:"):
            batch.set()

    def bench() -> None:
        results.append(
            run_bench(
                txs=args.txs,
                singles=args.singles,
                base_port=args.base_port,
                keep=net,
                progress=progress,
            )
        )

    # In this process, so that its progress says when the batch starts (the CLI's --json
    # prints none); the validators are separate processes either way.
    runner = threading.Thread(target=bench, name="bench")
    try:
        runner.start()
        pid = _first_validator_pid(net, runner)
        spy = None
        if args.out is not None:
            spy = subprocess.Popen(
                [
                    *("py-spy", "record", "--nonblocking", "--pid", str(pid)),
                    *("--rate", str(args.rate), "--format", args.format, "-o", str(args.out)),
                ]
            )
        cpu_s, at_batch = _follow_cpu(net, runner, batch)
        runner.join()
        if spy is not None:
            spy.wait(timeout=60)
        if not results:
            return 1  # the bench thread printed its error
        print(json.dumps(results[0].to_json()))
        client = cpu_s.pop(CLIENT, 0.0) - at_batch.pop(CLIENT, 0.0)
        total = sum(cpu_s.values())
        in_batch = total - sum(at_batch.get(name, 0.0) for name in cpu_s)
        cpu = {
            "validator_cpu_s": {name: round(cpu, 1) for name, cpu in cpu_s.items()},
            "cpu_ms_per_tx": round(1000 * total / args.txs, 2),
            # From the batch's start only: start-up and the single-tx phase are ~1/4 of the
            # total at 20,000 txs, and vary with the box's load.
            "batch_cpu_ms_per_tx": round(1000 * in_batch / args.txs, 3),
            # The client on the same cores (posting the batches, polling for the last txs).
            "client_batch_cpu_ms_per_tx": round(1000 * client / args.txs, 3),
        }
        print(json.dumps(cpu))
        return spy.returncode if spy is not None else 0
    finally:
        shutil.rmtree(net, ignore_errors=True)


def _follow_cpu(
    net: Path, runner: threading.Thread, batch: threading.Event
) -> tuple[dict[str, float], dict[str, float]]:
    """Each validator's CPU seconds (user + system) as last read before it exited, and as
    read when the batch started: on a shared box this is steadier than tx/s, which depends
    on what else runs."""
    seen: dict[str, float] = {}
    at_batch: dict[str, float] | None = None
    while runner.is_alive():
        now = _read_cpu(net)
        if at_batch is None and batch.is_set():
            at_batch = now
            at_batch[CLIENT] = _own_cpu_s()
        seen.update(now)
        if at_batch is not None:
            seen[CLIENT] = _own_cpu_s()
        time.sleep(0.25)
    return dict(sorted(seen.items())), at_batch or {}


def _own_cpu_s() -> float:
    """This process's CPU seconds: the bench's client (signing done, posting, polling)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _read_cpu(net: Path) -> dict[str, float]:
    found = {}
    for pid_file in net.glob("*/node.pid"):
        try:
            found[pid_file.parent.name] = cpu_s(int(pid_file.read_text()))
        except (OSError, ValueError):
            continue
    return found


def _first_validator_pid(net: Path, runner: threading.Thread) -> int:
    """The pid of the first validator whose pid file appears under net."""
    deadline = time.monotonic() + PID_WAIT_S
    while time.monotonic() < deadline and runner.is_alive():
        for pid_file in sorted(net.glob("*/node.pid")):
            return int(pid_file.read_text())
        time.sleep(0.1)
    raise SystemExit("no validator started")


if __name__ == "__main__":
    raise SystemExit(main())
