"""node/height_pace.py's watchdog rule: a chain with work and no commit for stall_after_ms is
stalled, and so is an idle one whose heartbeat height is stall_after_ms overdue (before, a
node with an empty mempool said nothing of a stopped chain). The clock is injected."""

from typing import cast

from consensus import CommitApplied
from node.evidence_pool import EvidencePool
from node.height_pace import HeightPace
from node.mempool import Mempool
from node.runtime_settings import RuntimeSettings
from tests.fakes.manual_clock import NodeClock
from tests.unit.node.chain_kit import account_open

SETTINGS = RuntimeSettings(heartbeat_interval_ms=60_000, stall_after_ms=30_000)


def pace(clock: NodeClock, mempool: Mempool | None = None) -> HeightPace:
    no_evidence = cast(EvidencePool, [])  # only its truth is read: no pending evidence
    return HeightPace(
        clock=clock, settings=SETTINGS, mempool=mempool or Mempool(), evidence_pool=no_evidence
    )


def test_an_idle_chain_is_live_until_its_heartbeat_height_is_overdue() -> None:
    clock = NodeClock(1_000_000)
    watched = pace(clock)
    clock.now += 89_999  # a heartbeat (60 s) and stall_after_ms (30 s), less 1 ms
    assert watched.no_progress(catching_up=False) is None
    clock.now += 1
    reason = watched.no_progress(catching_up=False)
    assert reason is not None and "no commit for 90 s" in reason and "every 60 s" in reason
    watched.committed(cast(CommitApplied, object()))  # a heartbeat height committed
    assert watched.no_progress(catching_up=False) is None


def test_work_is_stalled_after_stall_after_ms_and_a_catch_up_never() -> None:
    clock, mempool = NodeClock(1_000_000), Mempool()
    tx = account_open(1)
    mempool.add(tx, tx.tx_id, 100)
    watched = pace(clock, mempool)
    clock.now += 30_000
    assert watched.no_progress(catching_up=False) == "no progress: no commit for 30 s with work"
    clock.now += 200_000
    assert watched.no_progress(catching_up=True) is None
    clock.now += 29_999  # the quiet started again when the catch-up ended
    assert watched.no_progress(catching_up=False) is None


HOUR_MS = 3_600_000


def test_the_watch_and_the_heartbeat_keep_time_when_the_wall_clock_steps_back() -> None:
    """The quiet since the last commit is measured on the monotonic clock: after the host's
    wall clock stepped an hour back, a chain with work is reported stalled after
    stall_after_ms, and an idle one's height starts after a heartbeat. Before, both waited
    an hour more, until the wall clock had passed the step again."""
    clock, mempool = NodeClock(1_000_000), Mempool()
    tx = account_open(1)
    mempool.add(tx, tx.tx_id, 100)
    watched, idle = pace(clock, mempool), pace(clock)
    held = cast(CommitApplied, object())
    idle.committed(held)
    clock.wall_step_ms -= HOUR_MS
    clock.now += 30_000
    assert watched.no_progress(catching_up=False) == "no progress: no commit for 30 s with work"
    assert idle.take_due(force=False) is None
    clock.now += 30_000  # a heartbeat (60 s) since the commit
    assert idle.take_due(force=False) is held
