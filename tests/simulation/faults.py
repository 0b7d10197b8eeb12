"""The fault timeline of a run: crashes, restarts, link changes, GST, and the lock trap."""

import heapq
from collections.abc import Callable

from protocol.signing import PublicKey
from protocol.validators import ValidatorSet
from protocol.votes import SignedVote, VoteType
from tests.simulation.scenario import Crash, Scenario

Timeline = list[tuple[int, int, str, object]]
"""A heap of (time_ms, tie-break, kind, detail); kind is crash, restart, links or gst."""

__all__ = ["Crash", "Timeline", "add_lock_trap", "fault_timeline"]


def fault_timeline(scenario: Scenario) -> Timeline:
    timeline: Timeline = []
    for crash in scenario.crashes:
        timeline.append((crash.at_ms, len(timeline), "crash", crash))
        timeline.append((crash.restart_ms, len(timeline), "restart", crash))
    for epoch in scenario.epochs:
        timeline.append((epoch.at_ms, len(timeline), "links", epoch.blocked))
    timeline.append((scenario.network.gst_ms, len(timeline), "gst", None))
    heapq.heapify(timeline)
    return timeline


def add_lock_trap(
    timeline: Timeline,
    scenario: Scenario,
    validators: ValidatorSet,
    public_keys: dict[int, PublicKey],
) -> Callable[[str, str, object], bool]:
    """Height 1, n=3. B = proposer(1, 0) commits X in round 0 with A, whose precommit
    reaches B while B's never reaches A; C hears nothing. Then B is cut off and A crashes
    and restarts. C = proposer(1, 1) proposes a fresh Y in round 1: only A's lock on X,
    kept across the crash by its signer state, stops a fork. Returns the network filter
    that drops B's precommits to A."""
    name_of = {public_keys[i]: n for n, i in scenario.key_of.items()}
    b = name_of[validators.proposer(1, 0).public_key]
    c = name_of[validators.proposer(1, 1).public_key]
    (a,) = set(scenario.nodes) - {b, c}
    at = scenario.trap_ms
    crash = Crash(a, at - 3, at + 3, False)
    entries: list[tuple[int, str, object]] = [
        (0, "links", frozenset({(c, a), (c, b)})),
        (crash.at_ms, "crash", crash),
        (at, "links", frozenset({(b, a), (b, c)})),
        (crash.restart_ms, "restart", crash),
    ]
    for time_ms, kind, detail in entries:
        heapq.heappush(timeline, (time_ms, -len(timeline), kind, detail))

    def drop_precommit_from_b_to_a(sender: str, destination: str, payload: object) -> bool:
        assert isinstance(payload, tuple)
        message = payload[1]
        return (
            (sender, destination) == (b, a)
            and isinstance(message, SignedVote)
            and message.vote.type is VoteType.PRECOMMIT
            and message.vote.height == 1
        )

    return drop_precommit_from_b_to_a
