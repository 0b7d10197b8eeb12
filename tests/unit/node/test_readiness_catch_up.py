"""/readyz while a validator catches up after a long partition (stop 49's chaos pass)."""

from types import SimpleNamespace
from typing import Any, cast

from node.readiness import Readiness
from node.sync_state import SYNC_LAG_ALLOWED, PeerView, SyncState

NO_PROGRESS = "no progress: no commit for 526 s with work"


def service_at(height: int, stalled: str | None) -> Any:
    runtime = SimpleNamespace(halted=None, stalled=lambda: stalled)
    validators = SimpleNamespace(quorum=2)
    ledger = SimpleNamespace(height=height, validators_for_next_height=lambda: validators)
    return cast(Any, SimpleNamespace(runtime=runtime, ledger=ledger))


def sync_with_peer_at(height: int) -> SyncState:
    peer = PeerView(url="http://peer", height=height, reachable=True)
    return SyncState(peers={peer.url: peer}, caught_up=True)


def test_a_node_far_behind_is_syncing_not_stalled() -> None:
    # 414 blocks behind after a 520 s partition, its catch-up (one block sync call) running:
    # it said "no progress: no commit for 526..599 s with work" beside "syncing" for 5 min.
    readiness = Readiness(sync_with_peer_at(422), observer=False)
    assert readiness.problems(service_at(8, NO_PROGRESS)) == [
        "syncing: 414 blocks behind the highest peer"
    ]


def test_a_replica_that_does_not_decide_within_the_lag_is_still_stalled() -> None:
    # Block sync keeps it a block or two behind: its own consensus is what is not live.
    readiness = Readiness(sync_with_peer_at(100 + SYNC_LAG_ALLOWED), observer=False)
    assert readiness.problems(service_at(100, NO_PROGRESS)) == [NO_PROGRESS]


def test_a_dead_loop_is_reported_even_far_behind() -> None:
    dead = "consensus loop stopped: task ended"
    readiness = Readiness(sync_with_peer_at(500), observer=False)
    problems = readiness.problems(service_at(8, dead))
    assert problems == [dead, "syncing: 492 blocks behind the highest peer"]
