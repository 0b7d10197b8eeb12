"""When pooled evidence is broadcast again: one schedule for the node and the simulator. Pure.

Evidence is broadcast once when it enters a pool. A lost broadcast used to lose it for good
on the other side of a fork (simulator seed 1021241): both sides halt, so no block ever
records it, and only the side that found it could name the double-signer. Like consensus
retransmission, pooled evidence is therefore broadcast again with a doubling interval
(first_ms, 2 first_ms, ... up to cap_ms), at most sends_max times per item, and never after
it left the pool. node/evidence_gossip.py and tests/simulation/evidence_gossip.py keep the
pools; this module says when.
"""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, kw_only=True)
class RegossipPolicy:
    """The intervals and the count of re-sends of one pooled item."""

    first_ms: int
    """From pooling (and the first broadcast) to the first re-send."""
    cap_ms: int
    """The interval doubles after each re-send up to this."""
    sends_max: int
    """Re-sends per item, not counting the first broadcast."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Resend:
    """One pooled item's next re-send."""

    due_ms: int
    interval_ms: int
    """The interval that led to due_ms."""
    sends_left: int


def first_resend(policy: RegossipPolicy, pooled_ms: int) -> Resend:
    """The schedule of an item pooled (and broadcast) at pooled_ms."""
    return Resend(
        due_ms=pooled_ms + policy.first_ms, interval_ms=policy.first_ms, sends_left=policy.sends_max
    )


def resend_due(resend: Resend, now_ms: int) -> bool:
    """The item is to be broadcast again now."""
    return resend.sends_left > 0 and resend.due_ms <= now_ms


def next_resend(policy: RegossipPolicy, resend: Resend, sent_ms: int) -> Resend:
    """The schedule after a re-send at sent_ms. Requires resend.sends_left > 0.

    With no sends left the item stays pooled but is never due again.
    """
    assert resend.sends_left > 0
    interval_ms = min(resend.interval_ms * 2, policy.cap_ms)
    return Resend(
        due_ms=sent_ms + interval_ms, interval_ms=interval_ms, sends_left=resend.sends_left - 1
    )
