"""Flame graph and CPU seconds of the validators under `lantan bench` (docs/PERFORMANCE.md).

Runs `lantan bench --json` on a kept network directory; with --out, attaches py-spy (a dev
dependency) to the first validator as soon as its pid file appears and records until the
bench stops the network. py-spy samples from outside the process (--nonblocking: it never
pauses the node), so the node carries no profiling code. Prints the bench's JSON line,
then one with each validator's CPU seconds and their sum per committed tx.

    python scripts/profile_bench.py --out docs/perf/validator.svg [--txs 5000 --singles 60]
    python scripts/profile_bench.py --format raw --out /tmp/validator.txt   (then add up)
"""

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_scale import cpu_s

PID_WAIT_S = 120.0


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="profile to write (default: no profile)")
    parser.add_argument("--txs", type=int, default=5000)
    parser.add_argument("--singles", type=int, default=60)
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
    bench_cmd = [
        *("lantan", "bench", "--json", "--dir", str(net)),
        *("--txs", str(args.txs), "--singles", str(args.singles)),
        *("--base-port", str(args.base_port)),
    ]
    try:
        bench = subprocess.Popen(bench_cmd, stdout=subprocess.PIPE)
        pid = _first_validator_pid(net, bench)
        spy = None
        if args.out is not None:
            spy = subprocess.Popen(
                [
                    *("py-spy", "record", "--nonblocking", "--pid", str(pid)),
                    *("--rate", str(args.rate), "--format", args.format, "-o", str(args.out)),
                ]
            )
        cpu_s = _follow_cpu(net, bench)
        out, _ = bench.communicate()
        if spy is not None:
            spy.wait(timeout=60)
        sys.stdout.write(out.decode())
        total = sum(cpu_s.values())
        cpu = {"validator_cpu_s": cpu_s, "cpu_ms_per_tx": round(1000 * total / args.txs, 2)}
        print(json.dumps(cpu))
        return bench.returncode or (spy.returncode if spy is not None else 0)
    finally:
        shutil.rmtree(net, ignore_errors=True)


def _follow_cpu(net: Path, bench: "subprocess.Popen[bytes]") -> dict[str, float]:
    """Each validator's CPU seconds (user + system), as last read before it exited: on a
    shared box this is steadier than tx/s, which depends on what else runs."""
    seen: dict[str, float] = {}
    while bench.poll() is None:
        for pid_file in net.glob("*/node.pid"):
            try:
                seen[pid_file.parent.name] = cpu_s(int(pid_file.read_text()))
            except (OSError, ValueError):
                continue
        time.sleep(0.25)
    return {name: round(cpu, 1) for name, cpu in sorted(seen.items())}


def _first_validator_pid(net: Path, bench: "subprocess.Popen[bytes]") -> int:
    """The pid of the first validator whose pid file appears under net."""
    deadline = time.monotonic() + PID_WAIT_S
    while time.monotonic() < deadline and bench.poll() is None:
        for pid_file in sorted(net.glob("*/node.pid")):
            return int(pid_file.read_text())
        time.sleep(0.1)
    raise SystemExit("no validator started")


if __name__ == "__main__":
    raise SystemExit(main())
