"""Commit notifications shared by the runtime and the API.

The API's `GET /v1/txs/{id}?wait_ms=` waits here instead of polling the store. Metrics
live in node/metrics/. Touched only from the event loop.
"""

import asyncio
from collections import Counter


class ChainEvents:
    """Wakes waiters on every commit."""

    def __init__(self) -> None:
        self._commit = asyncio.Event()
        self.counters: Counter[str] = Counter()
        """commits: commits decided by this node's consensus (tests wait on it)."""
        self.height = 0

    def committed(self, height: int) -> None:
        self.height = height
        self.counters["commits"] += 1
        self._commit.set()
        self._commit = asyncio.Event()

    async def wait_commit(self, timeout_s: float) -> bool:
        """Wait for the next commit; False on timeout.

        asyncio.timeout, not wait_for: wait_for runs the wait as a task of its own, so a
        waiter resumed only a few loop turns after the commit, behind the commit hooks.
        """
        event = self._commit
        try:
            async with asyncio.timeout(timeout_s):
                await event.wait()
        except TimeoutError:
            return False
        return True
