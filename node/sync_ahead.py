"""Block sync's tx signatures verified ahead of execution in a worker process of the node.

Why a process and not the thread beside the worker it replaces: PyNaCl releases the GIL
inside each verification, but a verifying thread needs it back after every signature, and
beside the executing worker, which holds it nearly all the time during a catch-up, it got
it only at the interpreter's forced switches or the worker's LevelDB reads. A wiped
validator's worker waited 3.8 of 37.7 s for it at 10^5 txs, and the node spent ~8 CPU s
more with the thread than with this process (the switching itself); `lantan audit`
measured the same convoy (client/cli/audit_ahead.py). A process needs the GIL of neither:
the node pickles a block's (key, message, signature) triples and takes back the cache
entries of the ones verify_signature holds (protocol/signature_cache.py verified_entries),
which it keeps with SignatureCache.remember; execution then finds exactly those there.

Only a block the worker has parsed and found certified and whose txs are its tx_root's
is handed over (node/sync_blocks.py parse_if_certified), as with the thread. A job that fails
(the process died, or could not start) is answered by the thread ahead as before, and no
later block is handed over.

The worker is spawned when a catch-up far behind starts (warm) and stopped when it ends,
never forked: the node runs threads whose locks a fork would copy. It ignores SIGINT
(Ctrl-C reaches the whole group; the node shuts it down) and ends when the node is gone,
even killed with SIGKILL, so no process is left behind.
"""

import asyncio
import logging
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import BrokenExecutor, Executor, Future, ProcessPoolExecutor
from typing import Final

from protocol.signature_cache import verified_entries
from protocol.signature_prefetch import SignedTriple

log = logging.getLogger("lantan.sync")

Remember = Callable[[Iterable[bytes]], None]
"""Where the entries of triples found valid go (SignatureCache.remember of the ledger's)."""

PARENT_POLL_S: Final = 0.5
"""How often the worker looks whether the node that spawned it is still its parent."""


TRACKER_LEAK_WARNING: Final = "ignore:resource_tracker:UserWarning"
"""A -W option for the processes multiprocessing starts: the resource tracker's warning
that it unlinks semaphores leaked at shutdown. A node killed (SIGKILL) while this worker
ran leaves its pool's queue semaphores, and the tracker, another process writing to the
node's stderr (node.log), said so in two plain-text lines after the JSON ones; it removes
them itself, and the node is gone, so nothing in them is for its log."""


def spawned_pool() -> ProcessPoolExecutor:
    """One spawned worker process; it starts with the first job. The resource tracker
    multiprocessing starts with it is given TRACKER_LEAK_WARNING (its interpreter takes
    the -W options of this one's sys.warnoptions)."""
    if TRACKER_LEAK_WARNING not in sys.warnoptions:
        sys.warnoptions.append(TRACKER_LEAK_WARNING)
    return ProcessPoolExecutor(
        max_workers=1,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_worker_started,
        initargs=(os.getpid(),),
    )


def _worker_started(node_pid: int) -> None:
    # Ctrl-C reaches the whole process group: the node stops and ends the worker.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_without, args=(node_pid,), daemon=True).start()


def _exit_without(node_pid: int) -> None:
    """A worker whose node is gone is reparented: it ends. Its job queue does not tell it
    (it waits on it for good when the node is killed, or exits without joining it:
    tests/integration/test_catch_up_and_logs.py fails without this). It pauses on an Event,
    not time.sleep: under libfaketime (whose LD_PRELOAD a node of the chaos tier's clock
    skew passes on to this worker) time.sleep fails with EINVAL, and the watch ended at its
    first pause, leaving the worker behind its node."""
    pause = threading.Event()
    while os.getppid() == node_pid:
        pause.wait(PARENT_POLL_S)
    os._exit(0)


class SignaturesAhead:
    """The node's verifying worker (made by make_pool when warmed) and where its answers
    go."""

    def __init__(self, remember: Remember, make_pool: Callable[[], Executor] = spawned_pool):
        self._remember = remember
        self._make_pool = make_pool
        self._pool: Executor | None = None
        self._started: Future[list[bytes]] | None = None
        """The warm-up job: done once the worker runs."""
        self.broken = False
        """Set when a job failed: the thread ahead verifies every block from then on."""

    def warm(self) -> None:
        """Start the worker now; verify hands it blocks once it has started."""
        if self.broken or self._pool is not None:
            return
        self._pool = self._make_pool()
        try:
            self._started = self._pool.submit(verified_entries, [])
        except (BrokenExecutor, RuntimeError) as error:
            self._broke(error)

    async def verify(self, triples: list[SignedTriple]) -> bool:
        """Verify the triples in the worker and remember the valid ones; False when there
        is no worker (not warmed, not started yet, closed or failed), and the caller
        verifies them itself. A spawned interpreter imports the node's main module (1-2 s
        of wall time): the first blocks of a catch-up do not wait for it."""
        pool, started = self._pool, self._started
        if pool is None or started is None or self.broken or not started.done():
            return False
        try:
            started.result()
        except (BrokenExecutor, RuntimeError) as error:
            self._broke(error)
            return False
        try:
            entries = await asyncio.wrap_future(pool.submit(verified_entries, triples))
        except (BrokenExecutor, RuntimeError) as error:
            self._broke(error)
            return False
        self._remember(entries)
        return True

    def _broke(self, error: Exception) -> None:
        if not self.broken:
            log.warning("block sync's verifying process failed, verifying on a thread: %s", error)
        self.broken = True

    def close(self, *, wait: bool = True) -> None:
        """Stop the worker (the next warm or verify starts another): a job it is running (at
        most one block's signatures) ends first. wait: until the process has ended (at the
        node's shutdown; not at the end of a catch-up, on the event loop)."""
        if self._pool is not None:
            self._pool.shutdown(wait=wait, cancel_futures=True)
            self._pool, self._started = None, None
