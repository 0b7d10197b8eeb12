"""n=4, one Byzantine key with a deliberate strategy against liveness, three honest replicas
(tests/simulation/adversary.py; docs/CONSENSUS.md, "Byzantine strategies against liveness").

Each strategy runs a few seeds of the daily range here; the wide seed counts are in the
docs. Safety is checked at every commit as in every run, liveness after GST (every honest
replica commits max_height within the bound).
"""

import time

import pytest

from tests.simulation.report import REPORT
from tests.simulation.runs import run_strategy
from tests.simulation.seeds import seeds_to_run
from tests.simulation.sim_config import SimOptions
from tests.simulation.simulator import Simulation
from tests.simulation.strategic import (
    gap_scenario4,
    make_set_change_scenario,
    make_strategic_scenario,
)
from tests.simulation.strategies import Combined, Strategy
from tests.simulation.sweep import decide_times

pytestmark = pytest.mark.simulation

BOUND_MS = 90_000
"""After GST. The honest replicas may start up to six rounds apart, 25 rounds in: at the
capped simulation timeouts the ones behind climb one 9 s round timeout per round (the
sweeps' slowest run, hold_gap, needed 53 s for four heights; they use 60 s)."""


def _replay(test_id: str, seed: int, strategy: Strategy) -> str:
    return (
        f"seed {seed} ({strategy.value}) failed; replay exactly with: "
        f".venv/bin/python -m pytest '{test_id}' --seed {seed}  (or LANTAN_SIM_SEED={seed})"
    )


@pytest.mark.parametrize(
    ("strategy", "seeds"),
    [
        (Strategy.SILENT, 30),
        (Strategy.HOLD_GAP, 15),
        (Strategy.HOLD_GAP_LOW, 10),
        (Strategy.DRAG, 10),
        (Strategy.TOGGLE, 10),
        (Strategy.SPLIT_VOTES, 25),
        (Strategy.HIDDEN_LOCK, 20),
        (Strategy.PARTIAL_PROPOSAL, 25),
        (Strategy.LATE_PROPOSAL, 25),
        (Strategy.WITHHOLD_PRECOMMIT, 25),
        (Strategy.FUTURE_SPAM, 25),
        (Strategy.MIXED, 25),
        (Strategy.REPLAY, 15),
        (Strategy.STALE, 15),
        (Strategy.LOST_POL, 15),
        (Strategy.LOST_POL_UNSENT, 15),
        (Strategy.AMNESIA, 2),
        (Strategy.JOIN, 2),
        (Strategy.LEAVE, 2),
        (Strategy.ROTATE, 2),
        (Strategy.SPLIT_HEARD, 2),
        (Strategy.LATE_PRECOMMIT, 2),
        (Strategy.PULL_AHEAD, 2),
        (Strategy.LAST_MOMENT, 2),
    ],
    ids=lambda p: p.value if isinstance(p, Strategy) else str(p),
)
def test_a_byzantine_strategy_does_not_halt_three_honest_replicas(
    request, replay_seed, strategy, seeds
):
    options = SimOptions(liveness_bound_ms=BOUND_MS)
    offset = 7000 + 100 * list(Strategy).index(strategy)
    for seed in seeds_to_run(range(offset, offset + seeds), replay_seed):
        started = time.perf_counter_ns()
        result = run_strategy(seed, strategy, 3, options)
        REPORT.wall_ms += (time.perf_counter_ns() - started) // 1_000_000
        REPORT.add(result)
        problem = result.violation or result.liveness_failure
        assert problem is None, f"{problem}\n{_replay(request.node.nodeid, seed, strategy)}"
        assert result.evidence_offenders <= result.scenario.byzantine_indices()


@pytest.mark.parametrize(("behind", "ahead"), [(13, 14), (20, 21), (20, 23)], ids=str)
def test_two_behind_one_ahead_and_the_fourth_silent_decide(behind, ahead):
    """A crash at n=4 halted these before catch_up counted q: the two behind held each other
    and, past the timeout cap, never met the one ahead."""
    rounds = {"v0": behind, "v1": behind, "v2": ahead}
    for seed in (1, 2):
        scenario = gap_scenario4(seed, Strategy.SILENT, rounds)
        result = Simulation(scenario, SimOptions(liveness_bound_ms=30_000)).run()
        assert result.liveness_failure is None, result.liveness_failure


@pytest.mark.parametrize(
    "strategy", [Strategy.HOLD_GAP, Strategy.HOLD_GAP_LOW, Strategy.REPLAY], ids=str
)
@pytest.mark.parametrize(("behind", "ahead"), [(20, 21), (20, 23)], ids=str)
def test_two_behind_one_ahead_decide_though_a_byzantine_holds_them(strategy, behind, ahead):
    """The Byzantine sends the two behind a prevote of their round (or the one below) and
    never a precommit, so they count q at or below their round and catch_up holds them; the
    skip rule needs two validators above and has one. Past the timeout cap they never met
    the one ahead (every seed halted) until it waited for them (waits_for_those_behind).
    REPLAY also sends each of them the other's vote of the round before: until a vote below
    where its validator was heard moved nothing (intake.heard), they waited for each other
    in round 21 and 20 vs 23 halted on every seed."""
    rounds = {"v0": behind, "v1": behind, "v2": ahead}
    for seed in (1, 2):
        scenario = gap_scenario4(seed, strategy, rounds)
        result = Simulation(scenario, SimOptions(liveness_bound_ms=40_000)).run()
        assert result.violation is None, result.violation
        assert result.liveness_failure is None, result.liveness_failure


@pytest.mark.parametrize("strategy", [Strategy.HOLD_GAP, Strategy.DRAG], ids=str)
def test_every_phase_of_a_gap_decides(strategy):
    """The one behind (v0) starts 0-16.2 s late, so the replicas meet at every phase of two
    capped rounds (9 s each); the sweep ran 40 phases of three gaps for six strategies."""
    rounds = {"v0": 20, "v1": 20, "v2": 21}
    for i, late_ms in enumerate(range(0, 18_000, 1_800)):
        late = ("v0", late_ms) if late_ms else None
        scenario = gap_scenario4(i, strategy, rounds, max_height=2, late=late)
        result = Simulation(scenario, SimOptions(liveness_bound_ms=60_000)).run()
        assert result.violation is None, result.violation
        assert result.liveness_failure is None, (late_ms, result.liveness_failure)


@pytest.mark.parametrize("seed", [1, 2])
def test_a_replica_pulled_far_ahead_is_joined_by_those_behind(seed):
    """v0 cannot hear v2 until GST (5 s); the Byzantine claims to v0 alone a round 2^19
    above its own, so catch_up takes v0 there, and holds v1 and v2 in theirs (a prevote
    of their round: q with them). v0 waited for them and they climbed one round per round
    timeout (12 rounds in the 60 s after GST) until v0 passed on the vote it had followed
    (rounds.relay_round_votes)."""
    scenario = gap_scenario4(seed, Strategy.PULL_AHEAD, {}, max_height=2, cut=("v2", "v0", 5000))
    result = Simulation(scenario, SimOptions(liveness_bound_ms=60_000)).run()
    assert result.violation is None, result.violation
    assert result.liveness_failure is None, result.liveness_failure


LOST_POL_UNSENT_HALTED = (9400009, 9400070, 9400076, 9400099, 9400146, 9400154, 9400159)
"""Seeds of `sim-sweep --strategies lost_pol_unsent --seeds 300 --from 9400000` that halted
before the POL was persisted with the lock (7 of those 11; the daily seeds above rarely
bring the crash)."""


@pytest.mark.parametrize("seed", LOST_POL_UNSENT_HALTED)
def test_a_replica_crashed_between_its_lock_and_its_sends_keeps_its_pol(seed):
    """A restart used to keep the lock, not the POL: the restarted proposer re-proposed its
    valid value with pol_round -1, which a replica locked in an earlier round refused."""
    result = run_strategy(seed, Strategy.LOST_POL_UNSENT, 4, SimOptions(liveness_bound_ms=60_000))
    problem = result.violation or result.liveness_failure
    assert problem is None, problem


@pytest.mark.parametrize("seed", [122, 141])
def test_an_amnesiac_validator_is_named_and_the_others_decide(seed):
    """AMNESIA restarted from a signer state older than its lock and voted for another
    block: the honest replicas find lock-violation evidence naming it, and decide. (Seeds
    of 100-259 in which that happens on this engine, 3 of 160; a change to what the honest
    replicas send moves it: pick them again by stats.lock_violations.)"""
    result = run_strategy(seed, Strategy.AMNESIA, 3, SimOptions(liveness_bound_ms=60_000))
    assert result.violation is None, result.violation
    assert result.liveness_failure is None, result.liveness_failure
    assert result.stats.lock_violations >= 1
    assert result.evidence_offenders == {3}


@pytest.mark.parametrize(("seed", "turning"), [(1, "v0"), (6, "v3")])
def test_a_key_rotated_at_an_attacked_height_signs_the_next(seed, turning):
    """ROTATE: the replica whose key rotated (honest v0, Byzantine v3) signs with its new
    key from change_height + 1 on, where the old key is out of the set."""
    scenario = make_set_change_scenario(seed, Strategy.ROTATE, 3)
    assert scenario.rotated == {turning: 4}
    simulation = Simulation(scenario, SimOptions(liveness_bound_ms=60_000))
    result = simulation.run()
    assert result.violation is None, result.violation
    assert result.liveness_failure is None, result.liveness_failure
    replica = simulation.replicas[turning]
    new_key = simulation.public_keys[4]
    after = simulation.validators_at(scenario.validators.change_height + 1)
    assert after.contains(new_key) and not after.contains(
        simulation.public_keys[scenario.key_of[turning]]
    )
    assert replica.state is not None and replica.state.public_key == new_key
    assert replica.persisted.height > scenario.validators.change_height


@pytest.mark.parametrize(
    ("combined", "byzantine"),
    [
        ("pull_ahead+amnesia", 2),
        ("split_heard+late_precommit", 2),
        ("lost_pol+replay", 2),
        ("join+pull_ahead", 1),
        ("leave+late_precommit", 1),
        ("rotate+amnesia", 1),
    ],
    ids=str,
)
def test_combined_faults_do_not_halt_the_honest_replicas(combined, byzantine):
    """Combined faults (scripts/sim-sweep --strategies a+b): at n=7 two Byzantine keys each
    playing its own strategy, at n=4 one playing across a set change; with one honest
    replica crashing and restarting until 8 s after GST. The sweeps ran 300 seeds of each
    (docs/CONSENSUS.md, "Combined faults")."""
    strategy = Combined.parse(combined)
    seed = 7900 + list(Strategy).index(strategy.strategies[-1])
    options = SimOptions(liveness_bound_ms=BOUND_MS)
    result = run_strategy(seed, strategy, 3, options, byzantine=byzantine, restarting=True)
    problem = result.violation or result.liveness_failure
    assert problem is None, problem
    assert result.evidence_offenders <= result.scenario.byzantine_indices()
    assert result.stats.crashes > 0


def test_each_byzantine_key_plays_its_own_strategy():
    scenario = make_strategic_scenario(1, Combined.parse("pull_ahead+amnesia"), 3, byzantine=2)
    played = Simulation(scenario, SimOptions()).adversaries
    assert {a.strategy for a in played.values()} == {Strategy.PULL_AHEAD, Strategy.AMNESIA}
    changed = make_set_change_scenario(1, Strategy.LEAVE, 3, attack=Strategy.SPLIT_HEARD)
    assert changed.strategy is Strategy.SPLIT_HEARD
    assert changed.validators.keys_after != changed.validators.keys_before


def test_n7_one_byzantine_pulls_a_replica_far_ahead_while_the_other_holds_those_behind():
    """n=7, q=5, f+1=3. v1 -> v0 is cut until GST (5 s): v0 hears three honest validators
    at its round, four with itself, fewer than q, so catch_up follows v5 (pull_ahead) to a
    round 2^19 up. v6 holds the four behind in their round (a prevote there: q with them)
    and sends v0 nothing, so v0 cannot relay where v6 is; the relayed claim of v5 and v0's
    own votes make two in v0's round, not f+1. v0 waited, and the four behind climbed one
    round per round timeout: no block (production timeouts: none in 600 s either; seeds
    1-5 all halted, and so did hold_gap_low and replay as the holder). Now catch_up moves
    v0 one round at a time (stop 50)."""
    pulled = Combined((Strategy.PULL_AHEAD, Strategy.HOLD_GAP))
    scenario = gap_scenario4(1, pulled, {}, max_height=2, cut=("v1", "v0", 5000))
    simulation = Simulation(scenario, SimOptions(liveness_bound_ms=30_000))
    result = simulation.run()
    assert result.violation is None, result.violation
    assert result.liveness_failure is None, result.liveness_failure
    # The sweep's seed (`--strategies pull_ahead+hold_gap --byzantine 2 --restarting`):
    # v0 in round 524,290, the others in 39 after 300 s before; decided 10 s after GST.
    result = run_strategy(
        9820002, pulled, 4, SimOptions(liveness_bound_ms=60_000), byzantine=2, restarting=True
    )
    assert result.liveness_failure is None, result.liveness_failure


@pytest.mark.xfail(
    strict=True,
    reason="n=3, q=2 tolerates no Byzantine validator (f_S = 0): one pull_ahead key halts "
    "two honest replicas a few rounds apart, leaving no evidence (stop 52, found by "
    "`scripts/sim-sweep --strategies pull_ahead --validators 3`)",
)
@pytest.mark.parametrize("gap", [4, 8], ids=str)
def test_n3_a_byzantine_above_the_one_ahead_and_beside_the_one_behind_halts_them(gap):
    """n=3, q=2, v2 Byzantine (pull_ahead): to v0, gap rounds ahead of v1, it claims a round
    far above; to v1 a prevote of v1's own round. v1 counts q at its round (itself and v2),
    so catch_up holds it; v0 counts q at or above its round (itself and v2), so it does not
    wait for v1 (waits_for_those_behind) and relays nothing. Both climb a round per round
    timeout and never share one: in 900 s neither decided height 1 (rounds 107 and 106 at
    the end, gaps 4 and 8; gaps 1 and 2 decided in 3 s and 20 s). hold_gap, which says
    nothing to v0, lets v0 wait; it decides."""
    scenario = gap_scenario4(
        1, Strategy.PULL_AHEAD, {"v0": 1 + gap, "v1": 1}, max_height=2, validators=3
    )
    result = Simulation(scenario, SimOptions(liveness_bound_ms=60_000)).run()
    assert result.violation is None, result.violation
    assert result.liveness_failure is None, result.liveness_failure


def test_n7_a_silent_key_and_a_vote_splitting_key_do_not_halt_five_honest_replicas():
    """n=7, q=5: v5 (pull_ahead) never votes, v6 (split_votes) sends one side of the honest
    replicas its prevote and precommit and the other side conflicting ones, and proposes a
    different block to each side. With one key silent, a quorum is all five honest
    replicas, or four and the splitter. Seed 20,000,005 (honest replicas starting in rounds
    20-32): in round 32 v0, v3 and v4 locked on v0's block, whose POL v6's prevote
    completed; to v1 and v2 v6 had sent four prevotes for other blocks in that round
    first, which filled its slot (VOTES_PER_SLOT_MAX), so they refused its real one, also
    when the locked replicas re-proposed the block with its POL (rounds 34, 35, 38, 39):
    they prevoted nil, the three locked refused every other block, and no block came 60 s
    after GST, nor 600 s after (round 193; stop 52). Now a POL whose verified votes name q
    validators keeps its votes one past the bound (intake._take_pol): decided in round 34."""
    strategy = Combined.parse("pull_ahead+split_votes")
    options = SimOptions(liveness_bound_ms=60_000)
    result = run_strategy(20000005, strategy, 4, options, byzantine=2)
    assert result.violation is None, result.violation
    assert result.liveness_failure is None, result.liveness_failure


def test_decide_times_are_the_last_honest_commit_of_each_height_after_gst():
    """What scripts/sim-sweep reports: per height from the previous decision (or GST) to
    the last honest replica's commit, and from GST to the last height."""
    scenario = gap_scenario4(1, Strategy.HOLD_GAP, {"v0": 3, "v1": 3, "v2": 5}, max_height=3)
    result = Simulation(scenario, SimOptions(liveness_bound_ms=60_000)).run()
    done, per_height = decide_times(result)
    decided = result.stats.decided_ms
    assert sorted(decided) == [1, 2, 3]
    assert decided[1] < decided[2] < decided[3]
    assert done == decided[3] - scenario.network.gst_ms
    assert per_height == [decided[1] - 1, decided[2] - decided[1], decided[3] - decided[2]]
