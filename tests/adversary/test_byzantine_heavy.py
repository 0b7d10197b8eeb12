"""A Byzantine validator posts large validly signed envelopes without pause (hostile pass of
stop 48): 7 MiB each, useless once opened, from four connections to each honest node.
Measured at n=3 on a 2-core box at load ~20 (found, not fixed; see the lead's notes):
each honest node spent ~0.13 s of CPU per envelope (its Ed25519 check over all its bytes,
copies, decoding and the canonical re-check), 3.9 s against 0.9 s in 15 s, and client txs
committed 2 times in 15 s (latencies 5-14 s) against 10 times (0.2-3.9 s) without the flood.
Taking senders in turn on the thread that opens votes changed nothing measurable (the cost
is CPU, not queue order); a byte budget per authenticated sender before opening would bound
it. Stop 49 added that budget (node/peer_budget.py, 4 MiB/s after 16 MiB;
tests/adversary/test_byzantine_budget.py holds it live). What this test holds: the chain
still commits through it and the nodes agree.

Outside CI (LANTAN_ADVERSARY_FULL=1): ~100 s for the two networks, and it passes on the code
before and after stop 48 alike; it is the attack kept runnable, for the budget's change."""

import os

import pytest

from tests.adversary.conftest import AdversaryNet
from tests.adversary.honest import assert_agree, assert_healthy, commits_during

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        os.environ.get("LANTAN_ADVERSARY_FULL") != "1",
        reason="a measurement outside CI: set LANTAN_ADVERSARY_FULL=1 (~100 s)",
    ),
]
NETWORK_PER_PARAM = True
FLOOD_S = 15.0
THREADS = 4
"""Connections to each honest node."""


def test_large_envelopes_stop_no_commit(adversary: AdversaryNet) -> None:
    answer, committed = commits_during(
        adversary, "heavy", "heavy_flood", seconds=FLOOD_S, threads=THREADS
    )
    assert answer["sent"] > 0, answer
    assert committed, "no client tx committed during the flood"
    assert_healthy(adversary)
    assert_agree(adversary)
