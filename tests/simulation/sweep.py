"""A long seed sweep of the simulator, outside CI (scripts/sim-sweep; issue 21).

CI runs about 900 fixed-range seeds at small heights; the sweep runs many fresh seeds of
every kind at deeper heights, interleaving the kinds seed by seed so that a run cut short
still covers all of them. Each failure is printed at once with its replay line; progress
lines carry the running counts, so a partial run is still a result.
"""

import argparse
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from tests.simulation.runs import run_seed, run_strategy
from tests.simulation.scenario import Kind
from tests.simulation.sim_config import SimOptions, SimResult
from tests.simulation.strategies import Combined, Strategy

DEEP_HEIGHTS = {
    Kind.CRASH3: 8,
    Kind.BYZANTINE4: 6,
    Kind.SET_CHANGE: 8,
    Kind.EQUIVOCATE3: 6,
    Kind.LOCK_TRAP: 5,
}
"""CI uses 5, 4, 5, 3 and 3."""


def options_for(kind: Kind) -> SimOptions:
    """EQUIVOCATE3 may fork by design (f_S = 0); there accountability is what is checked."""
    if kind is Kind.EQUIVOCATE3:
        return SimOptions(check_safety=False, check_liveness=False, liveness_bound_ms=10_000)
    return SimOptions()


@dataclass
class Tally:
    seeds: int = 0
    steps: int = 0
    violations: list[str] = field(default_factory=list)
    liveness_failures: list[str] = field(default_factory=list)
    forks: int = 0
    forks_unnamed: list[int] = field(default_factory=list)
    forks_named_by_lock_evidence: list[int] = field(default_factory=list)
    """Forked runs in which lock-violation evidence was found (amnesia, ADR 0012)."""
    done_after_gst_ms: list[int] = field(default_factory=list)
    """Per run: from GST until every honest replica committed the last height."""
    height_after_gst_ms: list[int] = field(default_factory=list)
    """Per height decided after GST: from the previous height's decision (or GST) to its
    own, each at the last honest replica (decide_times)."""

    def add(self, kind: Kind | Strategy | Combined, seed: int, result: SimResult) -> None:
        self.seeds += 1
        self.steps += result.stats.steps
        where = f"{kind.value} seed {seed}"
        done, per_height = decide_times(result)
        if done is not None:
            self.done_after_gst_ms.append(done)
        self.height_after_gst_ms.extend(per_height)
        if result.violation is not None and result.violation.kind != "fork-unaccounted":
            self.violations.append(f"{where}: {result.violation.kind}: {result.violation.detail}")
        if result.liveness_failure is not None:
            self.liveness_failures.append(f"{where}: {result.liveness_failure}")
        if result.forked:
            self.forks += 1
            if not result.fork_accounted:
                self.forks_unnamed.append(seed)
            elif result.stats.lock_violations:
                self.forks_named_by_lock_evidence.append(seed)


def decide_times(result: SimResult) -> tuple[int | None, list[int]]:
    """From GST until the last height was decided at every honest replica (None if it was
    not), and each height's time after GST: from the later of GST and the previous height's
    decision to its own (the last honest replica's commits, SimStats.decided_ms)."""
    gst = result.scenario.network.gst_ms
    decided = result.stats.decided_ms
    last = decided.get(result.scenario.max_height)
    done = None if last is None else max(0, last - gst)
    per_height = [
        at - max(gst, decided.get(height - 1, 0))
        for height, at in sorted(decided.items())
        if at >= gst
    ]
    return done, per_height


def _percentiles(values: Sequence[int]) -> str:
    """p50/p90/p99/max of values in simulated ms, or "-" for none."""
    if not values:
        return "-"
    ordered = sorted(values)
    picks = (ordered[min(len(ordered) - 1, len(ordered) * p // 100)] for p in (50, 90, 99))
    return "/".join(str(v) for v in (*picks, ordered[-1]))


def _replay(kind: Kind, seed: int, height: int) -> str:
    return (
        f"  replay: .venv/bin/python -c 'from tests.simulation.runs import run_seed; "
        f"from tests.simulation.scenario import Kind; from tests.simulation.sweep import "
        f"options_for; print(run_seed({seed}, Kind.{kind.name}, {height}, "
        f"options_for(Kind.{kind.name})))'"
    )


def sweep(
    first: int, count: int, kinds: Sequence[Kind], heights: dict[Kind, int], every: int
) -> dict[Kind, Tally]:
    tallies = {kind: Tally() for kind in kinds}
    started = time.perf_counter()
    print(f"sweep: seeds {first}..{first + count - 1} of {', '.join(k.value for k in kinds)}")
    print("heights: " + ", ".join(f"{k.value}={heights[k]}" for k in kinds), flush=True)
    for index in range(count):
        seed = first + index
        for kind in kinds:
            tally = tallies[kind]
            before = len(tally.violations) + len(tally.liveness_failures) + len(tally.forks_unnamed)
            tally.add(kind, seed, run_seed(seed, kind, heights[kind], options_for(kind)))
            after = len(tally.violations) + len(tally.liveness_failures) + len(tally.forks_unnamed)
            if after > before:
                problems = tally.violations + tally.liveness_failures
                detail = problems[-1] if problems else f"{kind.value} seed {seed}: fork unnamed"
                print(f"FAIL {detail}\n{_replay(kind, seed, heights[kind])}", flush=True)
        if (index + 1) % every == 0 or index + 1 == count:
            _summary(tallies, time.perf_counter() - started, final=index + 1 == count)
    return tallies


STRATEGY_HEIGHT = 4
STRATEGY_BOUND_MS = 60_000
"""Liveness bound after GST of the strategy runs (tests/simulation/test_byzantine_strategies.py)."""


def strategy_sweep(
    first: int,
    count: int,
    strategies: Sequence[Strategy | Combined],
    height: int,
    every: int,
    *,
    byzantine: int = 1,
    restarting: bool = False,
    validators: int = 0,
) -> dict[Strategy | Combined, Tally]:
    """The n = 3b + 1 runs whose b Byzantine keys play a strategy (adversary.py); restarting:
    one honest replica crashes and restarts until 8 s after GST. A Combined strategy
    ("a+b") gives each Byzantine key its own, or plays one across a set change.
    validators: another n (3: one Byzantine key at q=2)."""
    tallies: dict[Strategy | Combined, Tally] = {strategy: Tally() for strategy in strategies}
    options = SimOptions(liveness_bound_ms=STRATEGY_BOUND_MS)
    started = time.perf_counter()
    n = validators or 3 * byzantine + 1
    more = ", one honest replica restarting" if restarting else ""
    print(f"strategy sweep: seeds {first}..{first + count - 1}, height {height}, n={n}{more}")
    for index in range(count):
        seed = first + index
        for strategy in strategies:
            tally = tallies[strategy]
            before = len(tally.violations) + len(tally.liveness_failures)
            result = run_strategy(
                seed,
                strategy,
                height,
                options,
                byzantine=byzantine,
                restarting=restarting,
                validators=validators,
            )
            tally.add(strategy, seed, result)
            if len(tally.violations) + len(tally.liveness_failures) > before:
                problems = tally.violations + tally.liveness_failures
                print(f"FAIL {problems[-1]}", flush=True)
                print(
                    "  replay: .venv/bin/python -c 'from tests.simulation.runs import "
                    "run_strategy; from tests.simulation.strategies import Combined, Strategy; "
                    "from tests.simulation.sim_config import SimOptions; print(run_strategy("
                    f"{seed}, {_named(strategy)}, {height}, "
                    f"SimOptions(liveness_bound_ms={STRATEGY_BOUND_MS}), "
                    f"byzantine={byzantine}, restarting={restarting}, "
                    f"validators={validators}))'",
                    flush=True,
                )
        if (index + 1) % every == 0 or index + 1 == count:
            _summary(tallies, time.perf_counter() - started, final=index + 1 == count)
    return tallies


def _named(strategy: Strategy | Combined) -> str:
    """The expression that names strategy in a replay line."""
    if isinstance(strategy, Combined):
        return f"Combined.parse({strategy.value!r})"
    return f"Strategy.{strategy.name}"


def _summary(
    tallies: Mapping[Kind, Tally] | Mapping[Strategy | Combined, Tally],
    elapsed_s: float,
    *,
    final: bool,
) -> None:
    total_seeds = sum(t.seeds for t in tallies.values())
    total_steps = sum(t.steps for t in tallies.values())
    rate = int(total_steps / max(elapsed_s, 1e-9))
    head = "FINAL" if final else "progress"
    print(
        f"{head}: seeds={total_seeds} steps={total_steps} steps/s={rate} wall_s={int(elapsed_s)}",
        flush=True,
    )
    for kind, t in tallies.items():
        print(
            f"  {kind.value:12} seeds={t.seeds} violations={len(t.violations)} "
            f"liveness_failures={len(t.liveness_failures)} forks={t.forks} "
            f"forks_unnamed={len(t.forks_unnamed)}"
            + (f" named_by_lock_evidence={t.forks_named_by_lock_evidence}" if t.forks else "")
            + f" done_after_gst_ms={_percentiles(t.done_after_gst_ms)}"
            + f" height_ms={_percentiles(t.height_after_gst_ms)}",
            flush=True,
        )
    if final:
        print("  (decide times in simulated ms, p50/p90/p99/max)", flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/sim-sweep", description=__doc__)
    parser.add_argument("--seeds", type=int, default=1000, help="seeds per kind")
    parser.add_argument("--from", dest="first", type=int, default=1_000_000, help="first seed")
    parser.add_argument(
        "--kinds",
        default=",".join(k.value for k in Kind),
        help="comma-separated kinds (default: all)",
    )
    parser.add_argument("--max-height", type=int, default=0, help="override every kind's height")
    parser.add_argument("--every", type=int, default=500, help="progress line every N seeds")
    parser.add_argument(
        "--strategies",
        default="",
        help="comma-separated Byzantine strategies at n=4 instead of kinds ('all': every one); "
        "a+b combines: with --byzantine 2 each key plays its own, join|leave|rotate+b plays b "
        "across that set change",
    )
    parser.add_argument(
        "--byzantine",
        type=int,
        default=1,
        help="with --strategies: b Byzantine keys of n = 3b + 1 (2: n=7)",
    )
    parser.add_argument(
        "--restarting",
        action="store_true",
        help="with --strategies: one honest replica crashes and restarts until 8 s after GST",
    )
    parser.add_argument(
        "--validators",
        type=int,
        default=0,
        help="with --strategies: n other than 3b + 1, q = n - b (3: n=3, q=2, f_S = 0)",
    )
    args = parser.parse_args(argv)
    if args.strategies:
        names = [s.value for s in Strategy] if args.strategies == "all" else args.strategies
        listed = names.split(",") if isinstance(names, str) else names
        chosen = [Combined.parse(s) if "+" in s else Strategy(s) for s in listed]
        height = args.max_height or STRATEGY_HEIGHT
        found = strategy_sweep(
            args.first,
            args.seeds,
            chosen,
            height,
            max(args.every, 1),
            byzantine=args.byzantine,
            restarting=args.restarting,
            validators=args.validators,
        )
        return 1 if any(t.violations or t.liveness_failures for t in found.values()) else 0
    kinds = [Kind(k) for k in args.kinds.split(",") if k]
    heights = {k: args.max_height or DEEP_HEIGHTS[k] for k in kinds}
    tallies = sweep(args.first, args.seeds, kinds, heights, max(args.every, 1))
    failed = any(t.violations or t.liveness_failures or t.forks_unnamed for t in tallies.values())
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
