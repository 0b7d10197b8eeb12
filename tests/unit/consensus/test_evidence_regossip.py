"""The evidence re-gossip schedule (consensus/evidence_regossip.py): doubling, capped, counted."""

import pytest

from consensus.evidence_regossip import RegossipPolicy, first_resend, next_resend, resend_due

POLICY = RegossipPolicy(first_ms=2_000, cap_ms=10_000, sends_max=5)


def test_the_interval_doubles_up_to_the_cap_and_the_sends_are_counted() -> None:
    resend, sent = first_resend(POLICY, 1_000), []
    for now in range(0, 200_000, 500):
        if resend_due(resend, now):
            sent.append(now)
            resend = next_resend(POLICY, resend, now)
    assert sent == [3_000, 7_000, 15_000, 25_000, 35_000]  # 4, 8, 10, 10 s apart
    assert resend.sends_left == 0 and not resend_due(resend, 10**9)


def test_nothing_is_due_before_its_time_or_sent_past_the_count() -> None:
    resend = first_resend(POLICY, 0)
    assert not resend_due(resend, 1_999) and resend_due(resend, 2_000)
    spent = first_resend(RegossipPolicy(first_ms=1, cap_ms=1, sends_max=0), 0)
    assert not resend_due(spent, 5)
    with pytest.raises(AssertionError):
        next_resend(POLICY, spent, 5)
