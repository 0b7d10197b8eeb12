"""The block-sync loop's progress lines: quiet in steady state, loud on a catch-up.

An observer applies every block through sync, a few every few seconds, forever; one info
line per sync round was ~15 lines a minute saying nothing new. Each round is a debug line;
at info, one line per SYNC_PROGRESS_INTERVAL_S sums the blocks since the last one, and a
round that applies FAR_BEHIND_BLOCKS or more (the node had fallen far behind) is told at
once. Faults (unreachable peers, refused blocks, failed rounds) have lines of their own.

Each line's `height` field is the chain height the sync reached, the one its message names:
the consensus position of a validator that has just synced is still the height it was
deciding before (node/logs.py stamps no round on a line that names another height).
"""

import logging
from dataclasses import dataclass

from node.sync_catch_up import FAR_BEHIND_BLOCKS

log = logging.getLogger("lantan.node")
SYNC_PROGRESS_INTERVAL_S = 300.0
"""At most one steady-state progress line at info per this many seconds."""


def blocks_text(count: int) -> str:
    """`1 block`, `2 blocks`."""
    return f"{count} block" if count == 1 else f"{count} blocks"


@dataclass(slots=True)
class SyncProgressLog:
    """Writes the sync loop's progress lines; the clock is the caller's (monotonic s)."""

    interval_s: float = SYNC_PROGRESS_INTERVAL_S
    _last_info_s: float | None = None
    """When the last info line was written; None before the first."""
    _unreported: int = 0
    """Blocks applied since the last info line."""

    def applied(self, count: int, *, height: int, now_s: float) -> None:
        """count blocks were applied by one sync round; the chain is at height now."""
        self._unreported += count
        since = None if self._last_info_s is None else now_s - self._last_info_s
        due = since is None or since >= self.interval_s or count >= FAR_BEHIND_BLOCKS
        if not due:
            log.debug("synced %s; height %d", blocks_text(count), height, extra={"height": height})
            return
        window = "" if since is None else f" in {since:.0f} s"
        log.info(
            "synced %s%s; height %d",
            blocks_text(self._unreported),
            window,
            height,
            extra={"height": height},
        )
        self._last_info_s, self._unreported = now_s, 0
