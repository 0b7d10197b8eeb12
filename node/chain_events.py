"""Commit notifications and counters shared by the runtime, the API and /metrics.

The API's `GET /v1/txs/{id}?wait_ms=` waits here instead of polling the store, and the
Prometheus endpoint reads the counters. Touched only from the event loop.
"""

import asyncio
from collections import Counter


class ChainEvents:
    """Wakes waiters on every commit and counts what happened."""

    def __init__(self) -> None:
        self._commit = asyncio.Event()
        self.counters: Counter[str] = Counter()
        self.rounds_per_height: Counter[int] = Counter()
        """How many heights needed 1, 2, ... rounds."""
        self.height = 0
        self.block_interval_ms = 0
        """time_ms of the last committed header minus that of the one before."""
        self.missed_votes: Counter[str] = Counter()
        """Per validator name: committed blocks whose certificate lacks its precommit."""
        self.loop_lag_ms = 0
        """How late the event loop last woke a sleeping task: a stalled loop shows here."""
        self.event_errors: Counter[str] = Counter()
        """Per event or action type: errors contained by the consensus loop."""
        self.evidence_refused: Counter[str] = Counter()
        """Per reason: evidence not pooled (invalid, foreign, recorded, pool full)."""

    def event_failed(self, name: str) -> None:
        self.event_errors[name] += 1

    def refused_evidence(self, reason: str) -> None:
        self.evidence_refused[reason] += 1

    def certified(self, interval_ms: int, missing: list[str]) -> None:
        """A committed block's interval and the validators its certificate lacks."""
        self.block_interval_ms = interval_ms
        for name in missing:
            self.missed_votes[name] += 1

    def committed(self, height: int, round_number: int) -> None:
        self.height = height
        self.counters["commits"] += 1
        self.rounds_per_height[round_number + 1] += 1
        self._commit.set()
        self._commit = asyncio.Event()

    async def wait_commit(self, timeout_s: float) -> bool:
        """Wait for the next commit; False on timeout."""
        event = self._commit
        try:
            await asyncio.wait_for(event.wait(), timeout_s)
        except TimeoutError:
            return False
        return True
