"""The driver loop's one worker thread (node/runtime.py): the ledger's blocking work, in
order, and the engine steps that carry many signatures, so the event loop stays free for the
API and peer traffic. Which steps run there: step_engine.
"""

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from consensus import Action, Event, ReplicaState, signatures_carried, step

T = TypeVar("T")
INLINE_SIGNATURES_MAX = 16
"""An event carrying at most this many signatures (about a millisecond of Ed25519) is
stepped on the event loop; one carrying more (a batch of certificates, a large set's
commit) on the worker thread."""


class RuntimeWorker:
    """The single worker thread: work runs there in the order it was queued."""

    def __init__(self) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lantan-worker")

    async def run(self, function: Callable[..., T], *args: object) -> T:
        """Run blocking work on the worker thread, after queued work."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, function, *args)

    async def step_engine(
        self, replica: ReplicaState, event: Event
    ) -> tuple[ReplicaState, list[Action]]:
        """consensus.step, on the loop for an event of at most INLINE_SIGNATURES_MAX
        signatures, else on the worker thread."""
        if signatures_carried(replica, event) <= INLINE_SIGNATURES_MAX:
            # A step is pure and mostly takes well under a millisecond (a vote's or a
            # proposal's signature check and header hash, a tick's timers). Taken here, it
            # does not wait for a worker trip queued behind a block's execution or an
            # fsync, nor twice for the GIL (to the worker and back): under load each trip
            # cost 1-6 ms, and a height's path has about six steps on it.
            return step(replica, event)
        return await self.run(step, replica, event)

    def shutdown(self) -> None:
        """Wait for the work queued, then end the thread."""
        self._executor.shutdown(wait=True)
