"""`scripts/chaos --soak MINUTES`: a random fault every 30 s at about half the throughput.

Three validators and an observer in their namespaces. The load first runs unthrottled for
MEASURE_S to measure the acknowledged throughput, then at half of it for MINUTES. Every 30
s one fault, picked at random: isolate a validator, split 1|2, SIGSTOP a validator, kill -9
and restart one, or restart one with its clock 5 s or 5 min off (and back). A fault is held
for 5-15 s, lifted, and the time until every node passes the pre-heal height is recorded.
At the end: the same checks as every scenario (ledger, block hashes, audit --replay).
Usage: python -m tests.chaos.soak MINUTES [--report FILE] [--seed N]
"""

import argparse
import contextlib
import json
import os
import random
import signal
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from tests.chaos.checks import converge, verify
from tests.chaos.cluster import ChaosNet
from tests.chaos.harness import chaos_run
from tests.chaos.load import Load
from tests.chaos.namespaces import skip_reason
from tests.chaos.scenarios import _height_or_none, _top

SLOT_S = 30.0
MEASURE_S = 40.0
FAULTS = ("isolate", "split", "sigstop", "kill", "skew")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="scripts/chaos --soak")
    parser.add_argument("minutes", type=float)
    parser.add_argument("--report", type=Path, default=None)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    args = parser.parse_args(argv)
    reason = skip_reason()
    if reason is not None:
        print(f"chaos soak skipped: {reason}")
        return 0
    with chaos_run() as run:
        net = run.network("soak", validators=3)
        net.up()
        load = Load(net, seed=args.seed)
        try:
            report = soak(net, load, minutes=args.minutes, seed=args.seed)
        finally:
            load.close()
        report["namespace_mechanism"] = run.fabric.mechanism
    text = json.dumps(report, indent=2)
    print(text)
    if args.report is not None:
        args.report.write_text(text + "\n")
    return (
        0 if report["lost"] == 0 and report["divergent"] == 0 and report["audit_exit"] == 0 else 1
    )


def soak(net: ChaosNet, load: Load, *, minutes: float, seed: int) -> dict[str, Any]:
    chooser = random.Random(seed)
    rss_before = {n: net.rss_kib(n) for n in net.names}
    db_before = {n: net.data_bytes(n) for n in net.names}
    started = time.monotonic()
    load.start(0)
    time.sleep(MEASURE_S)
    measured = load.stats.acknowledged / (time.monotonic() - started)
    rate = max(measured / 2, 0.5)
    load.stop()
    _log(f"measured {measured:.1f} tx/s acknowledged; soaking at {rate:.1f} tx/s")
    load.start(rate)
    soak_started = time.monotonic()
    deadline = soak_started + minutes * 60
    faults: Counter[str] = Counter()
    recoveries: list[dict[str, Any]] = []
    while time.monotonic() + SLOT_S <= deadline:
        slot_end = time.monotonic() + SLOT_S
        kind = chooser.choice(FAULTS)
        victim = chooser.choice(net.validators)
        hold = chooser.uniform(5, 15)
        try:
            recover_s = _inject(net, kind, victim, hold, chooser)
        except Exception as error:  # a harness step failed: record it, heal, go on
            recover_s = -1.0
            _log(f"fault {kind} on {victim} failed in the harness: {error!r}")
            net.fabric.heal()
        faults[kind] += 1
        recoveries.append({"fault": kind, "victim": victim, "recover_s": round(recover_s, 1)})
        _log(f"{sum(faults.values())} faults; {kind} {victim}: recovered in {recover_s:.1f}s; "
             f"{load.stats.acknowledged} acknowledged")  # fmt: skip
        time.sleep(max(0.0, slot_end - time.monotonic()))
    soaked_s = time.monotonic() - soak_started
    load.stop(drain_s=60)
    height, converge_s = converge(net)
    verdict = verify(net, load.stats.ledger, recover_s=converge_s, height=height)
    valid = [r["recover_s"] for r in recoveries if r["recover_s"] >= 0]
    return {
        "minutes": round(soaked_s / 60, 1),
        "seed": seed,
        "measured_tx_per_s": round(measured, 2),
        "load_tx_per_s": round(rate, 2),
        "faults": dict(faults),
        "faults_total": sum(faults.values()),
        "harness_step_failures": sum(1 for r in recoveries if r["recover_s"] < 0),
        "submitted": load.stats.submitted,
        "acknowledged": verdict.acknowledged,
        "given_up_unacknowledged": load.stats.given_up,
        "unacknowledged": load.stats.unacknowledged_since(0, Counter()),
        "lost": len(verdict.lost),
        "divergent": len(verdict.divergent_heights),
        "height": height,
        "audit_exit": verdict.audit_exit,
        "audit_findings": verdict.audit_findings[:10],
        "recover_s_max": max(valid, default=0.0),
        "recover_s_mean": round(sum(valid) / len(valid), 1) if valid else 0.0,
        "recoveries": recoveries,
        "rss_kib_before": rss_before,
        "rss_kib_after": {n: net.rss_kib(n) for n in net.names},
        "leveldb_bytes_before": db_before,
        "leveldb_bytes_after": {n: net.data_bytes(n) for n in net.names},
    }


def _inject(net: ChaosNet, kind: str, victim: str, hold: float, chooser: random.Random) -> float:
    """Apply one fault for hold seconds, lift it; seconds from the lift until every node is
    past the highest height seen at the lift."""
    if kind == "isolate":
        net.fabric.isolate(net.hosts[victim])
        time.sleep(hold)
        net.fabric.heal()
    elif kind == "split":
        others = [n for n in net.validators if n != victim]
        net.fabric.split([[net.hosts[victim]], [net.hosts[n] for n in others]])
        time.sleep(hold)
        net.fabric.heal()
    elif kind == "sigstop":
        pid = net.pid(victim)
        os.kill(pid, signal.SIGSTOP)
        try:
            time.sleep(hold)
        finally:
            os.kill(pid, signal.SIGCONT)
    elif kind == "kill":
        net.kill(victim)
        net.start(victim)
    elif kind == "skew":
        offset = chooser.choice((5, -5, 300, -300))
        net.stop(victim)
        net.start(victim, clock_offset_s=offset)
        time.sleep(hold)
        net.stop(victim)
        net.start(victim)
    lifted = time.monotonic()
    target = _top(net) + 1
    deadline = lifted + 180
    while time.monotonic() < deadline:
        heights = [_height_or_none(net, n) for n in net.names]
        if all(h is not None and h >= target for h in heights):
            return time.monotonic() - lifted
        time.sleep(0.2)
    raise AssertionError(f"not every node past height {target} 180 s after lifting {kind}")


def _log(message: str) -> None:
    with contextlib.suppress(OSError):
        print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
