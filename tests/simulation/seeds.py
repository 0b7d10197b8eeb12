"""Running a range of seeds with replay instructions on failure.

The seeded runs draw a different range every day (issue 21): the base is derived from the
UTC date, or taken from LANTAN_SIM_SEED_BASE, and printed in the simulation summary. A
failure prints its absolute seed, which --seed replays on any day. Canary tests keep their
fixed seeds: they measure the simulator's teeth, not the engine.
"""

import datetime
import os
import time
from collections.abc import Iterable

from tests.simulation.report import REPORT
from tests.simulation.runs import run_seed
from tests.simulation.scenario import Kind
from tests.simulation.sim_config import SimOptions, SimResult

SEED_BASE_ENV = "LANTAN_SIM_SEED_BASE"


def seed_base() -> int:
    """Today's offset for the seeded runs: 10,000,000 + 10,000 per day, or the env value."""
    text = os.environ.get(SEED_BASE_ENV)
    if text:
        return int(text)
    today = datetime.datetime.now(datetime.UTC).date()
    return 10_000_000 + (today.toordinal() % 100_000) * 10_000


def seeds_to_run(
    default: Iterable[int], replay_seed: int | None, *, daily: bool = True
) -> list[int]:
    """The seeds of a test: default shifted by today's base (unless fixed), or the replay."""
    if replay_seed is not None:
        return [replay_seed]
    if not daily:
        return list(default)
    base = seed_base()
    seeds = [base + s for s in default]
    if seeds:
        REPORT.ranges.append(f"{seeds[0]}..{seeds[-1]}")
        REPORT.seed_base = base
    return seeds


def replay_hint(test_id: str, seed: int, kind: Kind) -> str:
    return (
        f"seed {seed} ({kind.value}) failed; replay exactly with: "
        f".venv/bin/python -m pytest '{test_id}' --seed {seed}  (or LANTAN_SIM_SEED={seed})"
    )


def run_checked(
    test_id: str,
    seeds: list[int],
    kind: Kind,
    max_height: int,
    options: SimOptions | None = None,
) -> list[SimResult]:
    """Run every seed; fail on the first safety or liveness violation with its replay line."""
    results = []
    for seed in seeds:
        started = time.perf_counter_ns()
        result = run_seed(seed, kind, max_height, options or SimOptions())
        REPORT.wall_ms += (time.perf_counter_ns() - started) // 1_000_000
        REPORT.add(result)
        results.append(result)
        problem = result.violation or result.liveness_failure
        assert problem is None, f"{problem}\n{replay_hint(test_id, seed, kind)}"
    return results
