"""Two live validators of n=3 in different rounds, the third silent (hostile-validator test).

A live 3-validator network with one validator silent halted for minutes with the two
others rounds apart (r10 vs r7, then r13 vs r10): at n=3 the skip rule (line 55) needs two
validators in the higher round and only one live peer can be there, so the pair can meet
only through their own round timeouts (docs/CONSENSUS.md, "Round skipping").

The gap is set up the way a restart leaves it: each live validator resumes from a signer
state that signed a nil prevote in its round (it timed those rounds alone, then
restarted), or a validator is down while the other times rounds alone. The silent one is
cut off from the start. Timeouts are the production defaults, so the times are real ones.
"""

from dataclasses import dataclass

from consensus import TimeoutConfig
from tests.simulation.replica import resumed_in_round
from tests.simulation.scenario import (
    Crash,
    Kind,
    LinkEpoch,
    NetworkPlan,
    Scenario,
    ValidatorPlan,
)
from tests.simulation.sim_config import SimOptions
from tests.simulation.simulator import Simulation

SILENT = "v2"
CUT_OFF = frozenset({(SILENT, "v0"), (SILENT, "v1")})
BOUND_MS = 600_000
"""How long a run may go on after its start before it counts as a halt."""


@dataclass(frozen=True, slots=True)
class GapRun:
    decided_ms: int | None
    """When both live validators had committed height 1; None if not within BOUND_MS."""
    rounds: dict[str, int]
    """Each live validator's round at the end of the run."""


def gap_scenario(seed: int, *, skew_ms: int = 0, down_ms: int = 0) -> Scenario:
    """n=3, q=2; v2 is silent (its key counts as Byzantine, so it need not commit);
    v0 is down for the first down_ms if down_ms > 0."""
    crashes = (Crash("v0", 0, down_ms, False),) if down_ms else ()
    return Scenario(
        seed=seed,
        kind=Kind.CRASH3,
        nodes=("v0", "v1", SILENT),
        key_of={"v0": 0, "v1": 1, SILENT: 2},
        byzantine_keys=frozenset({2}),
        validators=ValidatorPlan.fixed((0, 1, 2), 2),
        max_height=1,
        network=NetworkPlan(
            gst_ms=max(down_ms, 1),
            loss=0.0,
            duplicate=0.0,
            delay_max_ms=40,
            skew_ms={"v0": 0, "v1": skew_ms, SILENT: 0},
        ),
        crashes=crashes,
        epochs=(LinkEpoch(0, CUT_OFF),),
        byzantine_links_after_gst=CUT_OFF,
    )


def run_gap(
    rounds: dict[str, int],
    *,
    seed: int = 1,
    skew_ms: int = 0,
    down_ms: int = 0,
    timeouts: TimeoutConfig | None = None,
) -> GapRun:
    """Start v0 and v1 in the given rounds of height 1 and run until both commit it."""
    options = SimOptions(
        timeouts=timeouts or TimeoutConfig(), liveness_bound_ms=BOUND_MS, check_liveness=False
    )
    simulation = Simulation(gap_scenario(seed, skew_ms=skew_ms, down_ms=down_ms), options)
    for name, round_number in rounds.items():
        if round_number > 0:
            simulation.replicas[name].persisted = resumed_in_round(round_number)
    result = simulation.run()
    assert result.violation is None, result.violation
    live = [simulation.replicas[n] for n in ("v0", "v1")]
    decided = all(len(r.chain) >= 1 for r in live)
    return GapRun(
        decided_ms=result.stats.end_ms if decided else None,
        rounds={r.name: -1 if r.state is None else r.state.round for r in live},
    )
