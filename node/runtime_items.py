"""What the driver loop's queue carries besides the engine's events (node/runtime.py).

Internal to the runtime and its tests: the loop's own work, queued so it happens in order
with the peers' messages and the timers' ticks. No I/O here.
"""

from dataclasses import dataclass

from consensus import Action, Event


@dataclass(frozen=True, slots=True)
class StartCheck:
    """Maybe start the held height (work arrived, or the heartbeat is due)."""


@dataclass(frozen=True, slots=True)
class Restart:
    """The ledger moved on by block sync; restart the replica at its head."""


@dataclass(frozen=True, slots=True)
class Deferred:
    """An action performed in the loop like any other: one of start_replica's, or a
    validation that waited for this node's clock (BlockActions._ahead_wait_ms)."""

    action: Action


@dataclass(frozen=True, slots=True)
class PeerReachable:
    """The peer at url answers again (block sync's poll: first contact, or back after it
    did not answer)."""

    url: str


RuntimeItem = Event | StartCheck | Restart | Deferred | PeerReachable
"""One entry of the driver loop's queue."""
