"""node/height_pace.py's watchdog rule: a chain with work and no commit for stall_after_ms is
stalled, and so is an idle one whose heartbeat height is stall_after_ms overdue (before, a
node with an empty mempool said nothing of a stopped chain). The clock is injected."""

from dataclasses import dataclass
from typing import cast

from consensus import CommitApplied
from node.evidence_pool import EvidencePool
from node.height_pace import HeightPace
from node.mempool import Mempool
from node.runtime_settings import RuntimeSettings
from tests.unit.node.chain_kit import account_open

SETTINGS = RuntimeSettings(heartbeat_interval_ms=60_000, stall_after_ms=30_000)


@dataclass
class FakeClock:
    now: int = 1_000_000

    def now_ms(self) -> int:
        return self.now


def pace(clock: FakeClock, mempool: Mempool | None = None) -> HeightPace:
    no_evidence = cast(EvidencePool, [])  # only its truth is read: no pending evidence
    return HeightPace(
        clock=clock, settings=SETTINGS, mempool=mempool or Mempool(), evidence_pool=no_evidence
    )


def test_an_idle_chain_is_live_until_its_heartbeat_height_is_overdue() -> None:
    clock = FakeClock()
    watched = pace(clock)
    clock.now += 89_999  # a heartbeat (60 s) and stall_after_ms (30 s), less 1 ms
    assert watched.no_progress(catching_up=False) is None
    clock.now += 1
    reason = watched.no_progress(catching_up=False)
    assert reason is not None and "no commit for 90 s" in reason and "every 60 s" in reason
    watched.committed(cast(CommitApplied, object()))  # a heartbeat height committed
    assert watched.no_progress(catching_up=False) is None


def test_work_is_stalled_after_stall_after_ms_and_a_catch_up_never() -> None:
    clock, mempool = FakeClock(), Mempool()
    tx = account_open(1)
    mempool.add(tx, tx.tx_id, 100)
    watched = pace(clock, mempool)
    clock.now += 30_000
    assert watched.no_progress(catching_up=False) == "no progress: no commit for 30 s with work"
    clock.now += 200_000
    assert watched.no_progress(catching_up=True) is None
    clock.now += 29_999  # the quiet started again when the catch-up ended
    assert watched.no_progress(catching_up=False) is None
