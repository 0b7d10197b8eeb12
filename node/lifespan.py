"""The node's background tasks, from start to stop (lifespan_of): catch up with the peers,
then consensus and the block sync loop; an observer's checkpoint rounds; the event loop's
lag watch. Shutdown stops them in reverse and closes the store.
"""

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator

from node.checkpoint_follow import CheckpointFollower
from node.commit_hooks import refresh_peers
from node.loop_stall import LOOP_STALL_WARN_S, warn_if_stalled
from node.node_parts import Node, consensus_position
from node.storage.errors import StoreDamagedError
from node.sync import BlockSync
from node.sync_fetch import STATUS_DEADLINE_S
from node.sync_log import SyncProgressLog, blocks_text
from node.sync_pace import (
    OBSERVER_POLL_MAX_S,
    POLL_FAST_S,
    POLL_SLOW_MAX_S,
    Pace,
    Seen,
    decide,
    lag_allowed_now,
    seen,
)
from node.tx_relay import HAND_OVER_WAIT_S, TxRelay

log = logging.getLogger("lantan.node")


CHECKPOINT_FOLLOW_INTERVAL_S = 0.5
"""How often an observer asks for a checkpoint it lacks (a local net commits every 1 s)."""


async def _sync_loop(node: Node) -> None:
    lag_default = 0 if node.runtime is None else 1
    slow_max_s = OBSERVER_POLL_MAX_S if node.runtime is None else POLL_SLOW_MAX_S
    pace = Pace()
    progress = SyncProgressLog()
    behind: tuple[float, int] | None = None
    while True:
        damage = node.ledger.store.damage
        if damage is not None:
            raise damage  # met by another reader: _catch_up_then_run stops block sync
        now = time.monotonic()
        highest = node.sync.state.highest_peer_height()
        lag_allowed, behind = lag_allowed_now(lag_default, node.ledger.height, highest, behind, now)
        due, pace = decide(pace, _seen(node, lag_allowed), now, slow_max_s=slow_max_s)
        if not due:
            await asyncio.sleep(POLL_FAST_S)
            continue
        try:
            await node.sync.poll_peers()
            if node.runtime is not None:
                node.runtime.forget_heard()
            applied = await node.sync.catch_up(lag_allowed)
            if applied:
                progress.applied(applied, height=node.ledger.height, now_s=time.monotonic())
                node.service.after_commit()
                if node.checkpoint_follower is not None:
                    node.checkpoint_follower.synced.set()
                if node.runtime is not None:
                    await refresh_peers(node)
                    node.runtime.ledger_advanced(applied)
            await node.sync.check_fork()
            if node.sync.state.fork is not None and node.runtime is not None:
                node.runtime.halted = node.sync.state.fork
        except StoreDamagedError:
            raise
        except Exception:
            log.exception("sync round failed")
        await asyncio.sleep(POLL_FAST_S)


def _seen(node: Node, lag_allowed: int) -> Seen:
    """What the sync loop's pace decides on (node/sync_pace.py)."""
    return seen(
        height=node.ledger.height,
        peers=[(view.reachable, view.height) for view in node.sync.state.peers.values()],
        heard_height=-1 if node.runtime is None else node.runtime.heard_height,
        lag_allowed=lag_allowed,
    )


async def _follow_checkpoints(follower: CheckpointFollower, sync: BlockSync) -> None:
    """An observer's checkpoint rounds, once its catch-up at start is over (before, the
    peers' notes are of sizes it has not synced yet)."""
    while True:
        # Woken at once when block sync applied blocks: the validators signed the new
        # head's note before this node could see the head, so it is likely there now.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(follower.synced.wait(), CHECKPOINT_FOLLOW_INTERVAL_S)
        follower.synced.clear()
        if not sync.state.caught_up:
            continue
        try:
            await follower.follow()
        except Exception:  # one failed round must not stop the next ones
            log.exception("checkpoint round failed")


async def watch_loop_lag(
    node: Node, interval_s: float = 0.5, stall_s: float = LOOP_STALL_WARN_S
) -> None:
    """Measure how late the loop wakes a sleeper (CPU work left on the loop shows here),
    warn once for a wake-up stall_s late (the process stood still: node/loop_stall.py), and
    refresh the liveness watchdog's metric."""
    loop = asyncio.get_running_loop()
    while True:
        started = loop.time()
        await asyncio.sleep(interval_s)
        late_s = loop.time() - started - interval_s
        node.service.metrics.event_loop_lag.set(late_s)
        own_height = None if consensus_position(node) is not None else node.ledger.height
        warn_if_stalled(late_s, height=own_height, threshold_s=stall_s)
        if node.runtime is not None:
            node.runtime.stalled()  # the watchdog's metric follows even when nobody asks /readyz


async def _catch_up_then_run(node: Node) -> None:
    """Catch up with the peers, then start consensus and the sync loop.

    Runs beside the HTTP server, so /healthz, /metrics and /readyz ("catching up: height
    N of M") answer during a long catch-up instead of after it. Ends when the store is
    found damaged: no block is fetched or applied on it any more (/readyz says so).
    """
    try:
        await _catch_up(node)
        if node.runtime is not None:
            highest = node.sync.state.highest_peer_height()
            await node.runtime.start(highest_reported_height=max(highest, 0))
        await _sync_loop(node)
    except StoreDamagedError as error:
        log.critical("block sync stopped: %s", error)


async def _catch_up(node: Node) -> None:
    """The catch-up at start: until the node holds the highest height its peers claim."""
    sync = node.sync
    started, began = node.ledger.height, time.monotonic()
    # The first poll waits for every answer that ends in time (a slow one is cut at its
    # deadline), so that a restarted node knows how far behind it is before it votes.
    await sync.poll_peers(wait_s=STATUS_DEADLINE_S)
    target = sync.state.highest_peer_height()
    if target > started:
        log.info(
            "catch-up started at height %d; highest peer at %d",
            started,
            target,
            extra={"height": started},
        )
    applied = await sync.catch_up(0)
    sync.state.caught_up = True
    if applied:
        log.info(
            "catch-up finished: %s, height %d -> %d in %.1f s",
            blocks_text(applied),
            started,
            node.ledger.height,
            time.monotonic() - began,
            extra={"height": node.ledger.height},
        )
        node.service.after_commit()


def _said_if_failed(node: Node, task: "asyncio.Task[None]") -> None:
    """The catch-up-then-consensus task's end, when it failed: one critical line, and the
    runtime halted with the reason (/readyz fails, lantan_halted 1). Its exception was
    collected at the stop only, never written: a node whose consensus could not start
    served and said ready and voting with nothing in its log (stop 56's chaos pass)."""
    if task.cancelled():
        return
    error = task.exception()
    if error is None:
        return
    reason = f"catch-up and consensus ended: {type(error).__name__}: {error}"
    if node.runtime is not None and node.runtime.halted is None:
        node.runtime.halted = reason
    log.critical(
        "%s; the node serves its reads but neither votes nor follows the chain: restart it",
        reason,
    )


async def _hand_over(node: Node, relay: TxRelay) -> None:
    """A stopping validator's last client txs to its peers (TxRelay.hand_over): uvicorn has
    closed the listener and finished the requests in flight by now, so none comes after."""
    try:
        handed = await relay.hand_over()
        if handed and node.transport is not None:
            posted = await node.transport.drain(HAND_OVER_WAIT_S)
            log.info(
                "handed %d pending tx(s) to the peers before stopping%s",
                handed,
                "" if posted else f" (not every post was done within {HAND_OVER_WAIT_S:g} s)",
            )
    except Exception as error:
        # A stop goes on whatever fails here: the store must still be closed.
        log.warning("pending txs not handed over before stopping: %s", error)


@contextlib.asynccontextmanager
async def lifespan_of(node: Node) -> AsyncIterator[None]:
    if node.transport is not None:
        node.transport.start()
    if node.service.relay is not None:
        node.service.relay.start()
    run_task = asyncio.create_task(_catch_up_then_run(node))
    run_task.add_done_callback(lambda task: _said_if_failed(node, task))
    lag_task = asyncio.create_task(watch_loop_lag(node))
    tasks = [run_task, lag_task]
    if node.checkpoint_follower is not None:
        tasks.append(asyncio.create_task(_follow_checkpoints(node.checkpoint_follower, node.sync)))
    log.info(
        "node %s serving at %s, height %d", node.config.name, node.config.url, node.ledger.height
    )
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await node.checkpoint_signing.stop()
        if node.service.relay is not None:
            await _hand_over(node, node.service.relay)
            await node.service.relay.stop()
        if node.runtime is not None:
            await node.runtime.stop()
        if node.transport is not None:
            await node.transport.stop()
        await node.sync.close()
        height = node.ledger.height
        node.store.close()
        # The last line of a stop by SIGTERM or SIGINT, so an operator tells it from a crash
        # (whose log just ends). Here, not after uvicorn.run: uvicorn raises the signal
        # again once it has shut down, and the process ends with it.
        log.info("node %s stopped at height %d", node.config.name, height)
