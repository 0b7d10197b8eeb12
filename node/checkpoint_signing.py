"""This node's checkpoint signatures, made once the next height is under way.

Signing the checkpoint of a new head takes a durable record in the signer-state file (an
fsync, so a key never signs two roots for one size, DESIGN.md §4) and an Ed25519
signature. Made inside the commit's hooks, that held the next height back: under `lantan
bench` the hooks were ~23-25 ms of every height's critical path, most of it this fsync
(docs/PERFORMANCE.md, stop 38). Nothing in the next height waits for a checkpoint line, so
the signing runs beside it, one head after another in commit order: the signer file
refuses a size older than the last it recorded, so two heads must never race.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger("lantan.checkpoints")


class CheckpointSigning:
    """Runs one signing job per committed head, each after the one before it has ended."""

    def __init__(self) -> None:
        self._pending: set[asyncio.Task[None]] = set()
        self._latest: asyncio.Task[None] | None = None

    def submit(self, size: int, job: Callable[[], Awaitable[None]]) -> None:
        """Run job (the signing of checkpoint size) after every job submitted before it."""
        task = asyncio.create_task(self._after(self._latest, size, job))
        self._latest = task
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _after(
        self, previous: "asyncio.Task[None] | None", size: int, job: Callable[[], Awaitable[None]]
    ) -> None:
        if previous is not None:
            await asyncio.wait([previous])  # its failure was logged by its own task
        try:
            await job()
        except Exception:  # one failed head must not stop the next ones
            log.exception("signing the checkpoint of size %d failed", size)

    async def idle(self) -> None:
        """Wait until every job submitted so far has ended (tests, shutdown)."""
        if self._pending:
            await asyncio.wait(list(self._pending))

    async def stop(self) -> None:
        """Cancel the jobs not yet ended."""
        for task in list(self._pending):
            task.cancel()
        await asyncio.gather(*self._pending, return_exceptions=True)
