#!/usr/bin/env python3
"""Catch-up of a wiped validator, re-run on a chain forged once (issue 13). A benchmark, not CI.

scripts/bench_chain.py --dir D forges a chain (~5 minutes at 10^6 txs) and then measures
everything once; this re-runs only its last step on D, as often as asked: it starts the two
validators holding the chain (if they are not running), and per round wipes the third
validator's store, starts it, times it from process start until it holds the height the
holders had when the round began, and stops it. With several --python interpreters (each a
checkout's .venv/bin/python, whose editable install decides the code the wiped node runs)
the rounds alternate between them, for A/B runs on one chain under the same load.

Usage: .venv/bin/python scripts/bench_catchup.py --dir D [--rounds 3] [--python P ...]
[--profile DIR] [--json]. Prints one line per round (seconds, tx/s, CPU s of the node,
its RSS at the end and its peak, VmHWM, and the load average at the start and the end). The
holders run this interpreter's code.
"""

import argparse
import json
import os
import shutil
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_chain import CATCHUP_TIMEOUT_S, profiled, say, stop_profile
from bench_scale import cpu_s, rss_mib

from node.net import start_process
from node.net_layout import validator_names
from node.net_processes import read_pid, stop_process
from node.net_views import node_view, wait_ready


def argument_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[1].replace("\n", " "))
    parser.add_argument("--dir", type=Path, required=True, help="bench_chain.py's kept --dir")
    parser.add_argument("--rounds", type=int, default=1, help="rounds per interpreter")
    parser.add_argument(
        "--python",
        action="append",
        type=Path,
        help="interpreter the wiped validator runs with (repeat to alternate; default: this one)",
    )
    parser.add_argument(
        "--wiped", help="the validator wiped each round (default: the one without a store)"
    )
    parser.add_argument("--txs", type=int, default=1_000_000, help="txs the chain holds")
    parser.add_argument("--profile", type=Path, metavar="DIR", help="py-spy raw profiles there")
    parser.add_argument("--keep", action="store_true", help="leave the holders running")
    parser.add_argument("--json", action="store_true", help="one JSON line per round")
    return parser


def one_round(
    net: Path, name: str, python: Path, txs: int, profile: Path | None
) -> dict[str, object]:
    holders = [n for n in validator_names(net) if n != name]
    target = max(node_view(net, holder).height or 0 for holder in holders)
    shutil.rmtree(net / name / "data", ignore_errors=True)
    load = os.getloadavg()[0]
    started = time.perf_counter()
    pid = start_process(net, name, python)
    spy = profiled(pid, profile)
    try:
        wait_ready(net, [name], minimum_height=target, timeout_s=CATCHUP_TIMEOUT_S)
        seconds, cpu = time.perf_counter() - started, cpu_s(pid)
        rss, rss_peak = rss_mib(pid), rss_mib(pid, "VmHWM")
    finally:
        stop_profile(spy)
        stop_process(net, name, timeout_s=30.0)
    return {
        "python": str(python),
        "blocks": target,
        "seconds": round(seconds, 1),
        "tx_per_s": round(txs / seconds),
        "cpu_s": round(cpu, 1),
        "tx_per_cpu_s": round(txs / cpu),
        "rss_mib": round(rss, 1),
        "rss_peak_mib": round(rss_peak, 1),
        "load": [round(load, 2), round(os.getloadavg()[0], 2)],
    }


def main() -> int:
    args = argument_parser().parse_args()
    # Started in the background a process ignores SIGINT: SIGTERM then stops the nodes too.
    signal.signal(signal.SIGTERM, lambda _signal, _frame: sys.exit(1))
    net = args.dir.resolve()
    names = validator_names(net)
    # After bench_chain.py's own catch-up (or a round of this script) every validator holds
    # a store, and the one to wipe must be named.
    wiped = args.wiped or next((name for name in names if not (net / name / "data").exists()), None)
    if wiped is None:
        print(
            f"every validator in {net} holds a store: name the one to wipe with --wiped",
            file=sys.stderr,
        )
        return 2
    holders = [name for name in names if name != wiped]
    for holder in holders:
        if read_pid(net / holder) is None:
            start_process(net, holder)
    wait_ready(net, holders, minimum_height=1, timeout_s=CATCHUP_TIMEOUT_S)
    pythons = args.python or [Path(sys.executable)]
    try:
        for round_number in range(args.rounds):
            for index, python in enumerate(pythons):
                profile = args.profile and args.profile / f"catchup-{round_number}-{index}.txt"
                say(f"round {round_number + 1}: {python}")
                figures = one_round(net, wiped, python, args.txs, profile)
                print(json.dumps(figures) if args.json else figures, flush=True)
    finally:
        if not args.keep:
            for holder in holders:
                stop_process(net, holder, timeout_s=30.0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
