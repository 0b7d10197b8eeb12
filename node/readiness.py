"""What /readyz checks: not halted, consensus live, no fork seen, synced, q-1 peers."""

from node.service import NodeService
from node.sync_state import SYNC_LAG_ALLOWED, PeerView, SyncState


class Readiness:
    def __init__(self, sync: SyncState, observer: bool) -> None:
        self._sync = sync
        self._observer = observer

    def fork_evidence(self) -> dict[str, object] | None:
        return self._sync.fork_evidence

    def peer_views(self) -> list[PeerView]:
        """Each peer's reachability and height at the last poll (for /metrics)."""
        return list(self._sync.peers.values())

    def problems(self, service: NodeService) -> list[str]:
        """Empty when ready; otherwise each reason, worded for an operator."""
        problems = []
        runtime = service.runtime
        if runtime is not None and runtime.halted is not None:
            problems.append(f"halted: {runtime.halted}")
        # A peer's height counts once what it claims held when fetched: one that claims to
        # be far ahead and serves nothing (hostile) keeps no node "syncing" for good.
        highest, height = self._sync.highest_credible_height(), service.ledger.height
        stalled = None if runtime is None else runtime.stalled()
        # Behind by more than SYNC_LAG_ALLOWED, "syncing" says why: its consensus cannot
        # commit before block sync's catch-up ends, one call that can last minutes after a
        # long partition (stop 49: "no progress: no commit for 526..599 s" beside it).
        if stalled is not None and not (
            stalled.startswith("no progress") and highest - height > SYNC_LAG_ALLOWED
        ):
            problems.append(stalled)
        if self._sync.fork is not None:
            problems.append(self._sync.fork)
        if not self._sync.caught_up:
            problems.append(f"catching up: height {height} of {max(highest, height)}")
        elif highest - height > SYNC_LAG_ALLOWED:
            problems.append(f"syncing: {highest - height} blocks behind the highest peer")
        needed = 1 if self._observer else service.ledger.validators_for_next_height().quorum - 1
        reachable = self._sync.reachable_count()
        if reachable < needed:
            problems.append(f"connected to {reachable} peers, needs {needed}")
        return problems
