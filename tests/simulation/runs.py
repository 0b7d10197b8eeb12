"""One seed of a scenario, run: what tests and scripts/sim-sweep call.

The simulator (tests/simulation/simulator.py) runs a Scenario; these pick the scenario a
seed and a kind or strategy determine, so that the seed alone replays the whole run.
"""

from tests.simulation.kinds import make_scenario
from tests.simulation.scenario import Kind
from tests.simulation.sim_config import SimOptions, SimResult
from tests.simulation.simulator import Simulation
from tests.simulation.strategic import make_set_change_scenario, make_strategic_scenario
from tests.simulation.strategies import SET_CHANGES, Combined, Strategy


def run_strategy(
    seed: int,
    strategy: Strategy | Combined,
    max_height: int,
    options: SimOptions | None = None,
    *,
    byzantine: int = 1,
    restarting: bool = False,
    validators: int = 0,
) -> SimResult:
    """Run one seed of the n = 3b + 1 scenario whose b Byzantine keys play strategy (across
    a set change for SET_CHANGES; restarting: with a crash-restarting honest replica). A
    Combined strategy: each Byzantine key its own (n=7), or a set change and the one
    strategy the Byzantine key plays across it (n=4). validators: another n
    (make_strategic_scenario; n=3 with one Byzantine key)."""
    if isinstance(strategy, Combined) and strategy.set_change is not None:
        attack, *more = strategy.strategies[1:]
        assert not more and byzantine == 1, "a set change combines with one strategy at n=4"
        scenario = make_set_change_scenario(
            seed, strategy.set_change, max_height, attack=attack, restarting=restarting
        )
    elif strategy in SET_CHANGES:
        scenario = make_set_change_scenario(seed, strategy, max_height)
    else:
        scenario = make_strategic_scenario(
            seed,
            strategy,
            max_height,
            byzantine=byzantine,
            restarting=restarting,
            validators=validators,
        )
    return Simulation(scenario, options or SimOptions()).run()


def run_seed(
    seed: int, kind: Kind, max_height: int, options: SimOptions | None = None
) -> SimResult:
    """Run one seed of a scenario kind; the seed alone determines the whole run."""
    scenario = make_scenario(seed, kind, max_height)
    return Simulation(scenario, options or SimOptions()).run()
