"""The load's reason for a tx some validator took and nobody acknowledged (no network)."""

from tests.chaos.load import (
    DROPPED,
    EXPIRED,
    NONCE_USED,
    OUTSIDE_SET,
    PENDING,
    RESTARTED,
    Sent,
    why_unacknowledged,
)

A, B, C, SPARE = "a", "b", "c", "spare"


def _sent(nonce: int, *takers: str) -> Sent:
    return Sent(sender=A, nonce=nonce, tx_id="00" * 32, accepted_by=takers, at=0.0)


def _why(
    tx: Sent,
    seen: dict[str, str],
    *,
    committed: int | None = 4,
    outside: frozenset[str] = frozenset({SPARE}),
    restarted: frozenset[str] = frozenset(),
) -> str:
    return why_unacknowledged(
        tx, seen, committed_nonce=committed, outside_set=set(outside), restarted=set(restarted)
    )


def test_each_reason_from_what_the_nodes_say() -> None:
    unknown = {A: "unknown", B: "unknown", C: "unknown", SPARE: "unknown"}
    assert _why(_sent(5, A, B), unknown, committed=5) == NONCE_USED
    assert _why(_sent(5, A, B), unknown | {C: "expired"}) == EXPIRED
    assert _why(_sent(5, A, B), unknown | {B: "pending"}) == PENDING
    assert _why(_sent(5, SPARE), unknown | {SPARE: "pending"}) == OUTSIDE_SET
    assert _why(_sent(5, A, B), unknown, restarted=frozenset({A, B})) == RESTARTED
    assert _why(_sent(5, A, SPARE), unknown, restarted=frozenset({A})) == RESTARTED


def test_a_taker_that_kept_running_and_forgot_it_is_unexplained() -> None:
    unknown = {A: "unknown", B: "unknown", C: "pending", SPARE: "unknown"}
    # C holds it but never took it from the load (gossip): the takers' word counts.
    assert _why(_sent(5, A, B), unknown, restarted=frozenset({A})) == DROPPED
    assert _why(_sent(5, A, B), unknown, committed=None) == DROPPED
