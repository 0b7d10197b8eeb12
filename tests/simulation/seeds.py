"""Running a range of seeds with replay instructions on failure."""

import time
from collections.abc import Iterable

from tests.simulation.report import REPORT
from tests.simulation.scenario import Kind
from tests.simulation.sim_config import SimOptions, SimResult
from tests.simulation.simulator import run_seed


def seeds_to_run(default: Iterable[int], replay_seed: int | None) -> list[int]:
    return [replay_seed] if replay_seed is not None else list(default)


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
