"""The driver loop's liveness watchdog: why consensus is not live, by reason (/readyz, and
lantan_consensus_stalled{reason}, node/runtime.py NodeRuntime.stalled). No I/O.
"""

import asyncio
from collections.abc import Callable


def stall_of(
    loop_task: "asyncio.Task[None] | None",
    loop_error: str | None,
    halted: str | None,
    no_progress: Callable[[], str | None],
) -> tuple[str | None, str | None]:
    """(reason, detail) of a stall, or (None, None): the loop ended (loop_dead), or
    no_progress() says why a chain with work is not live (HeightPace.no_progress)."""
    if loop_task is None:
        return None, None  # not started yet: catching up (readiness says so)
    if loop_error is not None or loop_task.done():
        return "loop_dead", f"consensus loop stopped: {loop_error or 'task ended'}"
    if halted is not None:
        return None, None  # reported as halted
    detail = no_progress()
    return ("no_progress" if detail else None), detail
