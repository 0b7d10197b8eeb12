"""At most one running task per peer, each on its own (block sync's status polls and fork
checks, node/sync_polls.py and node/sync_forks.py): a peer that answers slowly (far away,
overloaded, hostile) holds its own task, never a round's; the round waits a bounded time for
them all and goes on.

A task that ends on an error its work does not expect would vanish with it (nobody awaits
it), so its end is reported at once through on_failure: when such work was awaited inside
the sync round, the loop's "sync round failed" said it.
"""

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

Work = Callable[[], Coroutine[Any, Any, None]]


class PeerTasks:
    """Peer URL -> its task of one kind, the latest started."""

    def __init__(self) -> None:
        self._tasks: dict[str, asyncio.Task[None]] = {}

    def __getitem__(self, url: str) -> "asyncio.Task[None]":
        return self._tasks[url]

    def running(self, url: str) -> bool:
        task = self._tasks.get(url)
        return task is not None and not task.done()

    def start(self, url: str, work: Work, on_failure: Callable[[BaseException], None]) -> None:
        """Run work() as url's task, unless url's last one is still running."""
        if self.running(url):
            return
        task = asyncio.create_task(work())
        task.add_done_callback(lambda done: _report(done, on_failure))
        self._tasks[url] = task

    async def wait(self, timeout_s: float) -> None:
        """Until every running task ends, or timeout_s."""
        pending = [task for task in self._tasks.values() if not task.done()]
        if pending:
            await asyncio.wait(pending, timeout=timeout_s)

    def cancel(self) -> None:
        for task in self._tasks.values():
            task.cancel()


def _report(task: "asyncio.Task[None]", on_failure: Callable[[BaseException], None]) -> None:
    error = None if task.cancelled() else task.exception()
    if error is not None:
        on_failure(error)
