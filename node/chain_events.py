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
