"""The engine's round timeouts on the event loop, held while too few peers answer.

ScheduleTimeout becomes a loop timer that queues a Tick (node/runtime.py takes it in
order with everything else). Timeouts are liveness only: holding one signs nothing and
breaks no rule of safety.
"""

import asyncio
import logging
from collections.abc import Callable

from consensus import Tick
from node.runtime_settings import Clock

log = logging.getLogger("lantan.runtime")


class RoundTimer:
    """Queues a Tick at each deadline the engine asks for, unless q - 1 peers do not
    answer then: that deadline is held until one does (resume)."""

    def __init__(self, clock: Clock, queue_tick: Callable[[Tick], None]) -> None:
        self.clock = clock
        self.queue_tick = queue_tick
        self.quorum_reachable: Callable[[], bool] = lambda: True
        """Whether q - 1 peers answer now (the node sets it from block sync's polls)."""
        self.held_ms: int | None = None
        """A round timeout that came due while too few peers answered, held until they do."""
        self._latest_ms = 0
        """The latest wall-clock reading seen: the clock as the engine keeps it, never back."""

    def _now_ms(self) -> int:
        """The wall clock, never back. The engine's clock does not go back either (the max of
        its ticks, consensus/engine.py): after the host's clock steps back it still stands
        where it was and asks for deadlines past that, and measured against the stepped-back
        clock each lay as far off as the step (an hour back: no round timeout for an hour)."""
        self._latest_ms = max(self._latest_ms, self.clock.now_ms())
        return self._latest_ms

    def schedule(self, deadline_ms: int) -> None:
        """Tick at deadline_ms (on the running loop)."""
        delay_s = max(0, deadline_ms - self._now_ms()) / 1000
        asyncio.get_running_loop().call_later(delay_s, self._fire, deadline_ms)

    def _fire(self, deadline_ms: int) -> None:
        if not self.quorum_reachable():
            # Without q - 1 peers no round can decide, and a round timeout would only move
            # this replica to the next round, alone. A validator that ran alone for a while
            # (a network brought back one node at a time) had counted rounds up to where
            # its peers, starting at round 0, took as long to follow: two of three
            # validators ran ~100 s without a block after 20 s alone (n=3 needs two
            # senders to skip a round, docs/CONSENSUS.md). Held, it stays in its round
            # until a peer answers (resume).
            if self.held_ms is None:
                log.info("round timeouts held: fewer than q - 1 peers answer")
            self.held_ms = deadline_ms
            return
        self.queue_tick(Tick(now_ms=max(deadline_ms, self._now_ms())))

    def resume(self) -> Tick | None:
        """A peer answers again: the held timeout's Tick, now that q - 1 peers answer, for
        the loop to step at once; None when none is held or too few answer still."""
        if self.held_ms is None or not self.quorum_reachable():
            return None
        log.info("round timeouts resumed: q - 1 peers answer")
        due_ms, self.held_ms = self.held_ms, None
        return Tick(now_ms=max(due_ms, self._now_ms()))
