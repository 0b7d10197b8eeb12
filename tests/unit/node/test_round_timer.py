"""The round timer keeps its timeouts when the wall clock steps back while the node runs.

The engine's clock never goes back (consensus/engine.py `_tick_now`: the max of its last
tick and the new one), so after a step back it still stands where it was and asks for
deadlines past it. Scheduled against the wall clock, each such deadline lay as far off as
the clock had stepped back: an hour back, an hour without a round timeout (found by reading
the code behind stop 52's chaos scenario of a clock jumping back an hour)."""

import asyncio

from consensus import Tick
from node.round_timer import RoundTimer
from tests.fakes.manual_clock import NodeClock

HOUR_MS = 3_600_000
STEP_MS = 100


def test_a_timeout_asked_after_the_clock_stepped_back_fires_on_time() -> None:
    async def run() -> list[Tick]:
        clock = NodeClock(10 * HOUR_MS)
        ticks: list[Tick] = []
        timer = RoundTimer(clock, ticks.append)
        engine_now = clock.now_ms()  # the engine's clock, as its last tick set it
        timer.schedule(engine_now + STEP_MS)
        await asyncio.sleep(3 * STEP_MS / 1000)
        assert [t.now_ms for t in ticks] == [engine_now + STEP_MS]
        engine_now = ticks[-1].now_ms
        clock.wall_step_ms -= HOUR_MS  # NTP steps the host's clock an hour back
        timer.schedule(engine_now + STEP_MS)
        await asyncio.sleep(3 * STEP_MS / 1000)
        return ticks

    ticks = asyncio.run(run())
    # The second timeout fired within its 100 ms, at a time the engine takes as due.
    assert len(ticks) == 2, ticks
    assert ticks[1].now_ms >= ticks[0].now_ms + STEP_MS
