"""Whether this node's clock lags the other validators': how far ahead of it their recent
proposals were. Read by /readyz as a warning, not a problem.

A validator whose clock is minutes behind refuses every other validator's proposal as
ahead (ADR 0040; more than 60 s past its drift bound, as invalid), so the chain commits only
with the others' votes and has lost its fault margin, while the node itself is synced,
connected and not halted: ready by every rule of /readyz (stop 56's chaos pass: five
minutes behind, `ready` everywhere, and with one more validator frozen the chain went from
two heights a second to one in six). Not a readiness problem: the node serves its reads
well, and a load balancer taking it out would not help the chain.
"""

from collections import deque
from dataclasses import dataclass, field
from typing import Final

PROPOSALS_WATCHED: Final = 5
"""A warning needs this many proposals in a row ahead: one proposer's fast clock is that
proposer's problem, every proposer's is this node's."""


@dataclass(eq=False, kw_only=True)
class ClockWatch:
    """The last PROPOSALS_WATCHED first validations of other validators' proposals, each
    how far its time_ms was ahead of this node's clock past the drift bound (ms), or 0."""

    drift_ms: int
    _ahead_ms: deque[int] = field(default_factory=lambda: deque(maxlen=PROPOSALS_WATCHED))

    def saw(self, ahead_ms: int) -> None:
        """A proposal validated here for the first time was ahead_ms past the drift bound
        (0: not ahead)."""
        self._ahead_ms.append(max(ahead_ms, 0))

    def warning(self) -> str | None:
        """The operator's words when every watched proposal was ahead, else None."""
        if len(self._ahead_ms) < PROPOSALS_WATCHED or not all(self._ahead_ms):
            return None
        typical_s = sorted(self._ahead_ms)[PROPOSALS_WATCHED // 2] / 1000
        shown = f"{typical_s:.1f}" if typical_s < 10 else f"{typical_s:,.0f}"
        return (
            f"clock: the last {PROPOSALS_WATCHED} proposals of other validators were "
            f"~{shown} s further ahead of this node's clock than max_clock_drift_ms "
            f"({self.drift_ms} ms) allows: this node's clock is behind; check its time sync "
            "(docs/RELIABILITY.md)"
        )
