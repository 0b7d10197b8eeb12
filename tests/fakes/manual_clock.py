"""A manual clock for deterministic tests: time moves only when the test moves it.

The simulator keeps one global ManualClock; each replica reads it through a LocalClock
with a fixed skew, so replicas disagree about the time as real machines do.
"""

from dataclasses import dataclass


class ManualClock:
    """Global simulated time in milliseconds."""

    def __init__(self, now_ms: int = 0) -> None:
        self._now_ms = now_ms

    @property
    def now_ms(self) -> int:
        return self._now_ms

    def advance_to(self, now_ms: int) -> None:
        """Move forward to now_ms. Requires now_ms >= now (time never runs backwards)."""
        assert now_ms >= self._now_ms, (now_ms, self._now_ms)
        self._now_ms = now_ms

    def advance(self, delta_ms: int) -> None:
        self.advance_to(self._now_ms + delta_ms)


@dataclass(frozen=True, slots=True)
class LocalClock:
    """One machine's view of the global clock: global time plus a constant skew."""

    clock: ManualClock
    skew_ms: int

    @property
    def now_ms(self) -> int:
        return self.clock.now_ms + self.skew_ms

    def to_global_ms(self, local_ms: int) -> int:
        """The global time at which this clock reads local_ms."""
        return local_ms - self.skew_ms


class NodeClock:
    """A node's Clock port (node/runtime_settings.py) by hand: moving `now` moves both of its
    clocks; wall_step_ms moves the wall clock alone, as NTP or an operator steps a host's
    clock (back when negative) while its monotonic clock runs on."""

    def __init__(self, now_ms: int = 0) -> None:
        self.now = now_ms
        self.wall_step_ms = 0

    def now_ms(self) -> int:
        return self.now + self.wall_step_ms

    def monotonic_ms(self) -> int:
        return self.now
