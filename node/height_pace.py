"""When the height after a decided one starts, and when a chain with work has stalled.

A height starts only when there is work (pending txs or evidence), a message for it from
a peer, or heartbeat_interval_ms of quiet (DESIGN.md §4); a chain with work and no commit
for stall_after_ms is stalled (/readyz), unless it is catching up, and so is an idle one
whose heartbeat height is stall_after_ms overdue. The driver loop
(node/runtime.py) owns this and steps the engine; nothing here does I/O.
"""

from dataclasses import dataclass, field

from consensus import CommitApplied
from node.evidence_pool import EvidencePool
from node.mempool import Mempool
from node.runtime_settings import Clock, RuntimeSettings
from node.sync_state import far_behind


@dataclass(eq=False, kw_only=True)
class HeightPace:
    """The decided height's CommitApplied, held until the next height is due."""

    clock: Clock
    settings: RuntimeSettings
    mempool: Mempool
    evidence_pool: EvidencePool
    held: CommitApplied | None = field(default=None, init=False)
    """The engine's start of the next height, until work, a peer or the heartbeat."""
    last_commit_ms: int = field(init=False)
    """The monotonic clock at the last commit (or catch-up): the quiet is an interval, and on
    the wall clock a step back (NTP) silenced the watchdog and the heartbeat for its length."""

    def __post_init__(self) -> None:
        self.last_commit_ms = self.clock.monotonic_ms()

    def committed(self, held: CommitApplied) -> None:
        """A height was decided and written: hold the next one's start."""
        self.held = held
        self.last_commit_ms = self.clock.monotonic_ms()

    def synced(self, applied: int) -> None:
        """Block sync committed `applied` blocks. A catch-up (far_behind: the one rule of
        node/sync_state.py) starts the quiet since the last commit again, so the node is not
        reported stalled for it; its consensus then has stall_after_ms to commit on its own.
        Fewer is block sync keeping a validator a block or two behind, which a live replica
        does not need for long: still quiet."""
        if far_behind(applied):
            self.last_commit_ms = self.clock.monotonic_ms()

    def take_due(self, *, force: bool) -> CommitApplied | None:
        """The held start, no longer held, when it is due (forced by a peer's message of a
        later height, work waits, or the heartbeat); None otherwise."""
        held = self.held
        if held is None:
            return None
        if force or self._has_work() or self._quiet_ms() >= self.settings.heartbeat_interval_ms:
            self.held = None
            return held
        return None

    def no_progress(self, *, catching_up: bool) -> str | None:
        """Why the chain is not live, or None: work (txs or evidence) and no commit for
        stall_after_ms, or no work and no commit for a heartbeat and stall_after_ms.

        An idle chain commits a heartbeat height every heartbeat_interval_ms (take_due), so
        a longer quiet is a chain that stopped, not one with nothing to do: before, a node
        with an empty mempool answered /readyz 200 through a halt (stop 50's chaos pass: 233
        s of a stopped chain looked healthy from two of its validators). While catching up
        (SyncState.catching_up) none: consensus cannot commit before block sync's catch-up
        ends, and the quiet starts again when it has ended."""
        if catching_up:
            self.last_commit_ms = self.clock.monotonic_ms()
            return None
        quiet_ms = self._quiet_ms()
        if self._has_work():
            if quiet_ms >= self.settings.stall_after_ms:
                return f"no progress: no commit for {quiet_ms // 1000} s with work"
            return None
        heartbeat_ms = self.settings.heartbeat_interval_ms
        if quiet_ms >= heartbeat_ms + self.settings.stall_after_ms:
            return (
                f"no progress: no commit for {quiet_ms // 1000} s, an idle chain's heartbeat "
                f"height is due every {heartbeat_ms / 1000:g} s"
            )
        return None

    def _has_work(self) -> bool:
        return len(self.mempool) > 0 or bool(self.evidence_pool)

    def _quiet_ms(self) -> int:
        return self.clock.monotonic_ms() - self.last_commit_ms
