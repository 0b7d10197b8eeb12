"""node/sync_pace.py: block sync polls at the fast rate while behind, a peer is unreachable
or before its first poll, backs off (doubling, capped) while in step, and is fast again at
the first wake-up that brings evidence of being behind. The clock is injected."""

import itertools

from node.sync_pace import (
    ONE_HEIGHT_GRACE_S,
    POLL_FAST_S,
    POLL_SLOW_MAX_S,
    Pace,
    Seen,
    decide,
    in_step,
    lag_allowed_now,
    seen,
)

IN_STEP = seen(height=10, peers=[(True, 10), (True, 11)], heard_height=12, lag_allowed=1)


def polls_over(now: Seen, seconds: float) -> list[float]:
    """The times a loop waking every POLL_FAST_S polls at, over seconds, seeing now."""
    pace, times, t = Pace(), [], 0.0
    while t <= seconds:
        due, pace = decide(pace, now, t)
        if due:
            times.append(t)
        t += POLL_FAST_S
    return times


def test_in_step_backs_off_doubling_up_to_the_cap() -> None:
    times = polls_over(IN_STEP, 30)
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert gaps[:4] == [0.5, 1.0, 2.0, 4.0]
    assert set(gaps[3:]) == {POLL_SLOW_MAX_S}
    assert len(times) <= 30 / POLL_SLOW_MAX_S + 4  # 60 polls at the fixed pace


def test_behind_polls_at_every_wake_up() -> None:
    for behind in (
        seen(height=10, peers=[(True, 12)], lag_allowed=1),  # the last poll saw a peer ahead
        seen(height=10, peers=[(True, 10)], heard_height=13, lag_allowed=1),  # a peer said so
        seen(height=10, peers=[(True, 11)], lag_allowed=0),  # an observer one block behind
        seen(height=10, peers=[(True, 10), (False, -1)], lag_allowed=1),  # a peer unreachable
    ):
        assert not in_step(behind)
        assert polls_over(behind, 10) == [i * POLL_FAST_S for i in range(21)]


def test_evidence_of_being_behind_polls_at_the_next_wake_up() -> None:
    pace = Pace()
    for t in (0.0, 0.5, 1.5, 3.5, 7.5):
        due, pace = decide(pace, IN_STEP, t)
        assert due
    assert pace.wait_s == POLL_SLOW_MAX_S
    due, _ = decide(pace, IN_STEP, 8.0)
    assert not due
    behind = seen(height=10, peers=[(True, 10), (True, 11)], heard_height=13, lag_allowed=1)
    due, pace = decide(pace, behind, 8.0)
    assert due and pace == Pace(wait_s=POLL_FAST_S, polled_at_s=8.0)
    # Caught up again: the back-off starts over from the fast rate.
    due, pace = decide(pace, IN_STEP, 8.5)
    assert due and pace.wait_s == 2 * POLL_FAST_S


def test_the_first_wake_up_polls() -> None:
    due, pace = decide(Pace(), IN_STEP, 100.0)
    assert due and pace.polled_at_s == 100.0


def test_one_height_ahead_is_in_step_for_a_validator() -> None:
    # A peer that committed the height we are deciding (its messages are for the next one)
    # is normal at every block boundary: consensus pushes that commit, block sync need not.
    assert in_step(seen(height=10, peers=[(True, 11)], heard_height=12, lag_allowed=1))
    assert not in_step(seen(height=10, peers=[(True, 11)], heard_height=12, lag_allowed=0))
    assert in_step(seen(height=10, peers=[(True, 10)], heard_height=11, lag_allowed=0))
    assert in_step(seen(height=0, peers=[]))


def test_a_peer_one_height_ahead_is_left_to_consensus_until_the_grace_runs_out() -> None:
    # A validator (lag 1) at height 3, a peer at 4: consensus catch-up's job at first.
    lag, behind = lag_allowed_now(1, 3, 4, None, 100.0)
    assert (lag, behind) == (1, (100.0, 3))
    lag, behind = lag_allowed_now(1, 3, 4, behind, 100.0 + ONE_HEIGHT_GRACE_S - 0.1)
    assert lag == 1
    # Still at 3 after the grace: block sync fetches it (stop 41: the push never came).
    lag, behind = lag_allowed_now(1, 3, 4, behind, 100.0 + ONE_HEIGHT_GRACE_S)
    assert lag == 0 and behind == (100.0, 3)


def test_progress_restarts_the_grace_and_being_in_step_clears_it() -> None:
    lag, behind = lag_allowed_now(1, 3, 4, (0.0, 3), 50.0)
    assert lag == 0
    # A block committed here (height 4), a peer at 5 already: under load, not stuck.
    lag, behind = lag_allowed_now(1, 4, 5, behind, 51.0)
    assert (lag, behind) == (1, (51.0, 4))
    lag, behind = lag_allowed_now(1, 5, 5, behind, 52.0)
    assert (lag, behind) == (1, None)
    # An observer (lag 0) stays at 0.
    assert lag_allowed_now(0, 5, 6, None, 53.0)[0] == 0
