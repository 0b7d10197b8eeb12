"""Noticing that this node itself stood still: a periodic task that wakes far later than it
asked to (on the monotonic clock) means the whole process was frozen (SIGSTOP, a paused
VM, a laptop lid) or its event loop was blocked. Without a line about it, a node frozen for
20 s resumed silently, and the peers' `unreachable` lines were the only trace.
"""

import logging

log = logging.getLogger("lantan.node")
LOOP_STALL_WARN_S = 10.0
"""A wake-up this much later than asked for is a stall, not load: well beyond the peer
request timeout (5 s) and the propose timeout (3 s by default), so the peers have timed
this node out and moved on meanwhile."""


def warn_if_stalled(
    late_s: float, *, height: int | None, threshold_s: float = LOOP_STALL_WARN_S
) -> bool:
    """Write one warning when a periodic wake-up came late_s seconds late and that is at
    least threshold_s; True if it did. The line's height and round are the consensus
    position the node resumes at (node/logs.py stamps them); height, for a node without one
    (an observer, a validator catching up), is its chain height."""
    if late_s < threshold_s:
        return False
    fields: dict[str, object] = {"stalled_s": round(late_s, 1)}
    if height is not None:
        fields["height"] = height
    log.warning(
        "this node stood still for %.1f s (the process was frozen, e.g. SIGSTOP or a paused "
        "VM, or its event loop was blocked); peers will have moved on without it",
        late_s,
        extra=fields,
    )
    return True
