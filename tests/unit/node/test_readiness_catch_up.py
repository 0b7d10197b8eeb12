"""Catching up, said the same everywhere (stop 49's chaos pass, stop 50): after a partition
a node far behind said "syncing: N blocks behind" on /readyz, not the "catching up: height N
of M" of the catch-up at start, and lantan_consensus_stalled{reason="no_progress"} read 1 for
the whole catch-up. One rule now (node/sync_state.py SyncState.catching_up) for /readyz, the
watchdog (tests/unit/node/test_runtime_hardening.py) and `lantan net status`
(tests/unit/node/test_net_status_states.py)."""

from types import SimpleNamespace
from typing import Any, cast

from node.readiness import Readiness
from node.sync_state import SYNC_LAG_ALLOWED, CatchingUp, PeerView, SyncState

NO_PROGRESS = "no progress: no commit for 526 s with work"


def service_at(height: int, stalled: str | None = None) -> Any:
    runtime = SimpleNamespace(halted=None, stalled=lambda: stalled, signed_above_chain=lambda: None)
    validators = SimpleNamespace(quorum=2)
    ledger = SimpleNamespace(
        height=height,
        store=SimpleNamespace(damage=None),
        validators_for_next_height=lambda: validators,
    )
    return cast(Any, SimpleNamespace(runtime=runtime, ledger=ledger))


def sync_with_peer_at(height: int, *, caught_up: bool = True) -> SyncState:
    """A peer at `height` whose blocks committed here before (PeerView.credible)."""
    peer = PeerView(url="http://peer", height=height, reachable=True, credible=True)
    return SyncState(peers={peer.url: peer}, caught_up=caught_up)


def test_far_behind_after_a_partition_is_catching_up_as_at_start() -> None:
    # 414 blocks behind after a 520 s partition, its catch-up (one block sync call) running:
    # it said "syncing: 414 blocks behind the highest peer" (and "catching up" only at start).
    after_partition = Readiness(sync_with_peer_at(422), observer=False)
    at_start = Readiness(sync_with_peer_at(422, caught_up=False), observer=False)
    for readiness in (after_partition, at_start):
        assert readiness.problems(service_at(8)) == ["catching up: height 8 of 422"]
        assert readiness.catching_up(service_at(8)) == CatchingUp(height=8, target=422)


def test_at_the_target_it_says_the_catch_up_at_start_still_asks_its_peers() -> None:
    # It said "catching up: height 296 of 296", not ready with nothing left to fetch.
    readiness = Readiness(sync_with_peer_at(296, caught_up=False), observer=False)
    assert readiness.catching_up(service_at(296)) == CatchingUp(height=296, target=296)
    assert readiness.problems(service_at(296)) == [
        "catching up: height 296, as high as any peer seen yet; the catch-up at start is "
        "still asking its peers"
    ]


def test_within_the_lag_is_not_catching_up() -> None:
    readiness = Readiness(sync_with_peer_at(100 + SYNC_LAG_ALLOWED), observer=False)
    assert readiness.catching_up(service_at(100)) is None
    assert readiness.problems(service_at(100)) == []
    # Block sync keeps it a block or two behind: its own consensus is what is not live.
    assert readiness.problems(service_at(100, NO_PROGRESS)) == [NO_PROGRESS]


def test_a_hostile_claim_that_did_not_hold_is_no_catch_up() -> None:
    sync = sync_with_peer_at(1_000_000)
    sync.peers["http://peer"].credible = False
    assert sync.catching_up(8) is None


def test_a_claim_no_round_has_tried_is_no_catch_up() -> None:
    """Stop 54's refused CI run: a validator restarted beside a peer claiming a million blocks
    answered "catching up: height 43 of 1000000" for the moment between the poll that brought
    the claim and the round that found nothing to fetch."""
    new_peer = PeerView(url="http://peer", height=1_000_000, reachable=True)
    sync = SyncState(peers={new_peer.url: new_peer}, caught_up=True)
    assert sync.catching_up(43) is None
    new_peer.credible = True  # a round committed blocks fetched from it
    assert sync.catching_up(43) == CatchingUp(height=43, target=1_000_000)


def test_a_dead_loop_is_reported_even_far_behind() -> None:
    dead = "consensus loop stopped: task ended"
    readiness = Readiness(sync_with_peer_at(500), observer=False)
    problems = readiness.problems(service_at(8, dead))
    assert problems == [dead, "catching up: height 8 of 500"]
