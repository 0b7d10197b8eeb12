"""Canaries: three deliberately broken replicas must each be caught by a fork (issue 4).

If a canary survives, the simulator has lost the power to find that class of bug, and the
suite fails. The lock trap (scenario.Kind.LOCK_TRAP) makes the lock and persistence
canaries fall fast; the quorum canary forks under ordinary n=3 faults.
"""

import pytest

from tests.simulation.canaries import Canary
from tests.simulation.report import REPORT
from tests.simulation.runs import run_seed
from tests.simulation.scenario import Kind
from tests.simulation.seeds import seeds_to_run
from tests.simulation.sim_config import SimOptions

pytestmark = pytest.mark.simulation

SEEDS_PER_CANARY = 40


def _first_fork(canary: Canary, kind: Kind, seeds: list[int]) -> tuple[int, str] | None:
    # Certificates are not checked: the canary must produce a real fork, not a short one.
    options = SimOptions(canary=canary, check_certificates=False, check_liveness=False)
    for seed in seeds:
        result = run_seed(seed, kind, 3, options)
        if result.violation is not None and result.violation.kind == "fork":
            return seed, result.violation.detail
    return None


@pytest.mark.parametrize(
    ("canary", "kind"),
    [
        (Canary.LOCK_RULE_OFF, Kind.LOCK_TRAP),
        (Canary.QUORUM_MINUS_ONE, Kind.CRASH3),
        (Canary.SIGNER_STATE_NOT_PERSISTED, Kind.LOCK_TRAP),
    ],
)
def test_canary_is_caught(canary, kind, replay_seed):
    name = canary.value
    seeds = seeds_to_run(range(5000, 5000 + SEEDS_PER_CANARY), replay_seed, daily=False)
    caught = _first_fork(canary, kind, seeds)
    REPORT.canaries[name] = "NOT CAUGHT" if caught is None else f"fork at seed {caught[0]}"
    assert caught is not None, f"canary '{name}' survived {len(seeds)} seeds of {kind.value}"


def test_dropped_payload_canary_is_caught(replay_seed):
    """The simulator forgets the persisted payloads at every restart (the bug of issue 21);
    the payload invariant (tests/simulation/payloads.py) must name it."""
    options = SimOptions(drop_persisted_payload=True, check_liveness=False)
    caught = None
    for seed in seeds_to_run(range(5000, 5000 + SEEDS_PER_CANARY), replay_seed, daily=False):
        violation = run_seed(seed, Kind.CRASH3, 3, options).violation
        if violation is not None and violation.kind == "payload-lost":
            caught = seed
            break
    name = "persisted payload dropped"
    REPORT.canaries[name] = "NOT CAUGHT" if caught is None else f"payload lost at seed {caught}"
    assert caught is not None, f"canary '{name}' survived {SEEDS_PER_CANARY} seeds of crash3"
