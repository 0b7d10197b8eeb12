"""One seed of a scenario, run: what tests and scripts/sim-sweep call.

The simulator (tests/simulation/simulator.py) runs a Scenario; these pick the scenario a
seed and a kind or strategy determine, so that the seed alone replays the whole run.
"""

from tests.simulation.scenario import (
    SET_CHANGES,
    Kind,
    Strategy,
    make_scenario,
    make_set_change_scenario,
    make_strategic_scenario,
)
from tests.simulation.sim_config import SimOptions, SimResult
from tests.simulation.simulator import Simulation


def run_strategy(
    seed: int,
    strategy: Strategy,
    max_height: int,
    options: SimOptions | None = None,
    *,
    byzantine: int = 1,
    restarting: bool = False,
) -> SimResult:
    """Run one seed of the n = 3b + 1 scenario whose b Byzantine keys play strategy (across
    a set change for SET_CHANGES; restarting: with a crash-restarting honest replica)."""
    if strategy in SET_CHANGES:
        scenario = make_set_change_scenario(seed, strategy, max_height)
    else:
        scenario = make_strategic_scenario(
            seed, strategy, max_height, byzantine=byzantine, restarting=restarting
        )
    return Simulation(scenario, options or SimOptions()).run()


def run_seed(
    seed: int, kind: Kind, max_height: int, options: SimOptions | None = None
) -> SimResult:
    """Run one seed of a scenario kind; the seed alone determines the whole run."""
    scenario = make_scenario(seed, kind, max_height)
    return Simulation(scenario, options or SimOptions()).run()
