"""What /readyz checks: not halted, no fork seen, synced, and connected to q-1 peers."""

from node.service import NodeService
from node.sync import PeerView, SyncState

SYNC_LAG_ALLOWED = 2


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
        if service.runtime is not None and service.runtime.halted is not None:
            problems.append(f"halted: {service.runtime.halted}")
        if self._sync.fork is not None:
            problems.append(self._sync.fork)
        behind = self._sync.highest_peer_height() - service.ledger.height
        if behind > SYNC_LAG_ALLOWED:
            problems.append(f"syncing: {behind} blocks behind the highest peer")
        needed = 1 if self._observer else service.ledger.validators_for_next_height().quorum - 1
        reachable = self._sync.reachable_count()
        if reachable < needed:
            problems.append(f"connected to {reachable} peers, needs {needed}")
        return problems
