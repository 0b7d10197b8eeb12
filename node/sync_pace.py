"""When the block-sync loop polls its peers: fast while behind, backing off while in step.

The sync loop (node/lifespan.py) wakes every POLL_FAST_S and asks `decide` whether to poll.
It polls at that fast rate while a peer is known to be ahead of this node (by the last poll,
or by the height of a consensus message a peer sent), while a peer did not answer the last
poll, or before the first poll. Otherwise the node is in step: its own consensus moves it
on, and each poll that finds it still in step doubles the wait, up to POLL_SLOW_MAX_S. New
evidence of being behind makes the very next wake-up poll, at the fast rate again.

Pure: the clock is the caller's (now_s, any monotonic seconds).
"""

from collections.abc import Iterable
from dataclasses import dataclass

POLL_FAST_S = 0.5
"""The wake-up interval, and the interval between polls while behind (the old fixed pace)."""
POLL_SLOW_MAX_S = 4.0
"""The longest wait between polls while in step: the bound on how late this node notices
a peer ahead that has not told it so (a partition that healed)."""
OBSERVER_POLL_MAX_S = 1.0
"""The same for an observer, which learns of every block by polling: no peer sends it
consensus messages. At 4 s an observer of a network with a 1 s heartbeat trailed the
validators by 0-4 blocks (1.65 on average, 40 samples), so its API answered an auditor
with a head seconds old; at 1 s, by 0-1 (0.3). A poll is one `/v1/status` GET per peer."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Seen:
    """What this node knows at a wake-up."""

    height: int
    """This node's committed height."""
    polled_heights: tuple[int, ...]
    """Each reachable peer's height at the last poll."""
    unreachable: int = 0
    """Peers that did not answer the last poll."""
    heard_height: int = -1
    """The highest height of a consensus message a peer sent (a peer working on height m
    has committed m - 1)."""
    lag_allowed: int = 0
    """Blocks a peer may be ahead before block sync fetches (1 for a validator, whose
    consensus catches up one height by itself; 0 for an observer)."""


def seen(
    *,
    height: int,
    peers: Iterable[tuple[bool, int]],
    heard_height: int = -1,
    lag_allowed: int = 0,
) -> Seen:
    """A Seen from (reachable, height at the last poll) per peer."""
    views = list(peers)
    return Seen(
        height=height,
        polled_heights=tuple(h for reachable, h in views if reachable),
        unreachable=sum(1 for reachable, _ in views if not reachable),
        heard_height=heard_height,
        lag_allowed=lag_allowed,
    )


def in_step(now: Seen) -> bool:
    """No peer is known to be further ahead than lag_allowed, and every peer answered."""
    if now.unreachable:
        return False
    limit = now.height + now.lag_allowed
    highest_polled = max(now.polled_heights, default=-1)
    return highest_polled <= limit and now.heard_height - 1 <= limit


ONE_HEIGHT_GRACE_S = 10.0
"""How long a validator leaves a peer one height ahead to its own consensus before block sync
fetches the block anyway. Consensus catch-up brings that height in well under a second when
a peer holds the decision; a peer whose process lost it (a restart) does not push it, and
the validator, one height behind, then waited for ever (stop 41)."""


def lag_allowed_now(
    lag_allowed: int,
    height: int,
    highest_peer: int,
    behind: tuple[float, int] | None,
    now_s: float,
) -> tuple[int, tuple[float, int] | None]:
    """The lag block sync allows at now_s, and (since when, at which height of ours) a peer
    has been ahead while this node made no progress.

    The clock starts when a peer is ahead and restarts whenever this node's height moves (a
    validator a block behind under load is progressing, and its consensus is the faster
    path); once ONE_HEIGHT_GRACE_S has passed at one height with a peer still ahead, no lag
    is allowed: block sync fetches the missing height itself.
    """
    if highest_peer <= height:
        return lag_allowed, None
    if behind is None or behind[1] != height:
        return lag_allowed, (now_s, height)
    stuck = now_s - behind[0] >= ONE_HEIGHT_GRACE_S
    return (0 if stuck else lag_allowed), behind


@dataclass(frozen=True, slots=True)
class Pace:
    """The loop's pacing state between wake-ups."""

    wait_s: float = POLL_FAST_S
    """The wait after the last poll before the next one while in step."""
    polled_at_s: float | None = None
    """When the last poll started; None before the first."""


def decide(
    pace: Pace,
    now: Seen,
    now_s: float,
    *,
    fast_s: float = POLL_FAST_S,
    slow_max_s: float = POLL_SLOW_MAX_S,
) -> tuple[bool, Pace]:
    """Whether to poll at this wake-up, and the pace after it.

    Behind, or a peer unreachable, or never polled: poll now, and the wait is fast_s. In
    step: poll once wait_s has passed since the last poll, then wait twice as long next
    time (at most slow_max_s).
    """
    if pace.polled_at_s is None or not in_step(now):
        return True, Pace(wait_s=fast_s, polled_at_s=now_s)
    if now_s - pace.polled_at_s < pace.wait_s:
        return False, pace
    return True, Pace(wait_s=min(pace.wait_s * 2, slow_max_s), polled_at_s=now_s)
