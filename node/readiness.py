"""What /readyz checks: not halted, store not damaged, consensus live, no fork seen, not
catching up, q-1 peers."""

from node.service import NodeService
from node.sync_state import CatchingUp, PeerView, SyncState


class Readiness:
    def __init__(self, sync: SyncState, observer: bool) -> None:
        self._sync = sync
        self._observer = observer

    def fork_evidence(self) -> dict[str, object] | None:
        return self._sync.fork_evidence

    def peer_views(self) -> list[PeerView]:
        """Each peer's reachability and height at the last poll (for /metrics)."""
        return list(self._sync.peers.values())

    def catching_up(self, service: NodeService) -> CatchingUp | None:
        """SyncState.catching_up at the ledger's height (/readyz's `catching_up`)."""
        return self._sync.catching_up(service.ledger.height)

    def warnings(self, service: NodeService) -> list[str]:
        """What an operator should see though the node is ready (node/clock_watch.py)."""
        runtime = service.runtime
        warning = None if runtime is None else runtime.blocks.clock_watch.warning()
        return [] if warning is None else [warning]

    def problems(self, service: NodeService) -> list[str]:
        """Empty when ready; otherwise each reason, worded for an operator."""
        problems = []
        runtime = service.runtime
        if runtime is not None and runtime.halted is not None:
            problems.append(f"halted: {runtime.halted}")
        # Kept from the first read that met it (node/storage/checked_reads.py): the node
        # serves nothing of a damaged store's damaged part, and nothing repairs it in place.
        damage = service.ledger.store.damage
        if damage is not None:
            problems.append(str(damage))
        height = service.ledger.height
        # Catching up (SyncState.catching_up), consensus cannot commit before block sync's
        # catch-up ends, one call that can last minutes after a long partition: the runtime
        # reports no "no progress" meanwhile (stop 49: "no commit for 526..599 s" beside it).
        stalled = None if runtime is None else runtime.stalled()
        if stalled is not None:
            problems.append(stalled)
        signed_above = None if runtime is None else runtime.signed_above_chain()
        if signed_above is not None:
            problems.append(signed_above)
        if self._sync.fork is not None:
            problems.append(self._sync.fork)
        catching_up = self._sync.catching_up(height)
        if catching_up is not None:
            problems.append(catching_up.text)
        needed = 1 if self._observer else service.ledger.validators_for_next_height().quorum - 1
        reachable = self._sync.reachable_count()
        if reachable < needed:
            problems.append(f"connected to {reachable} peers, needs {needed}")
        return problems
