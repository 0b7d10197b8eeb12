"""n=3, q=2, one validator silent, the two live ones rounds apart (docs/CONSENSUS.md,
"Round skipping"). Production timeouts: rounds past 18 all last 60 s (cap_ms), so before
rounds.catch_up a gap there never closed (20 vs 23, 20 vs 21: no block in 600 s) and one
below the cap took minutes (0 vs 3: 69-99 s; 78 of 100 phases of it no block in 600 s)."""

import pytest

from tests.simulation.round_gap import run_gap

pytestmark = pytest.mark.simulation

AFTER_BOTH_UP_MS = 150_000
"""Two and a half capped round timeouts: the worst of the sweep below was 120 s."""


@pytest.mark.parametrize(
    ("behind", "ahead"),
    [(0, 1), (0, 3), (7, 10), (10, 13), (20, 21), (20, 23)],
    ids=lambda r: f"r{r}",
)
def test_two_live_validators_rounds_apart_decide(behind, ahead):
    for seed, skew_ms in ((1, 0), (2, 137), (3, -250)):
        run = run_gap({"v0": behind, "v1": ahead}, seed=seed, skew_ms=skew_ms)
        assert run.decided_ms is not None, f"no block in 600 s, rounds {run.rounds}"
        assert run.decided_ms <= AFTER_BOTH_UP_MS


@pytest.mark.parametrize("down_ms", [21_000, 60_000, 150_000])
def test_a_validator_back_after_its_peer_timed_rounds_alone_decides(down_ms):
    """The hostile-validator test's shape: v1 times rounds alone while v0 is down."""
    run = run_gap({}, down_ms=down_ms)
    assert run.decided_ms is not None, f"no block in 600 s, rounds {run.rounds}"
    assert run.decided_ms - down_ms <= AFTER_BOTH_UP_MS


@pytest.mark.parametrize(("behind", "ahead"), [(20, 23), (23, 20), (0, 3)], ids=str)
def test_every_phase_of_a_gap_decides(behind, ahead):
    """v0 comes back at every 2.6 s of two capped rounds, so the pair meets at every phase."""
    for i, down_ms in enumerate(range(0, 120_000, 2_600)):
        run = run_gap({"v0": behind, "v1": ahead}, seed=100 + i, down_ms=down_ms)
        assert run.decided_ms is not None, f"down {down_ms} ms: no block, rounds {run.rounds}"
        assert run.decided_ms - down_ms <= AFTER_BOTH_UP_MS, down_ms
