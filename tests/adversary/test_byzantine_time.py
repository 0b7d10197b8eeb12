"""What a block's time_ms guarantees against a hostile proposer (ADR 0040), live.

A validator checks a proposal's time_ms only against its parent's (it must be greater) and
its own clock (at most max_clock_drift_ms ahead): nothing bounds it from below. On an idle
chain the next height starts at the heartbeat, so a Byzantine round-0 proposer can stamp
its block with the parent's time + 1 ms, a heartbeat in the past, and the honest
validators prevote it. This test measures that bound and pins the documented guarantee:
the committed time is the proposer's claim, and the next honest block carries honest time.

n=3 only (q=2: the Byzantine's own votes and one honest prevote commit its block), with
the nodes' heartbeat at HEARTBEAT_INTERVAL_MS (a deployment's is 60 s). A measurement that
pins a documented weakness, not a bound: outside CI (LANTAN_ADVERSARY_FULL=1, ~50 s).
"""

import os
import time

import pytest

from tests.adversary.conftest import AdversaryNet
from tests.adversary.honest import assert_agree, commit_client_tx
from tests.integration.network import wait_for

pytestmark = [
    pytest.mark.slow,
    pytest.mark.parametrize("adversary", [3], indirect=True, ids=["n3"]),
    pytest.mark.skipif(
        os.environ.get("LANTAN_ADVERSARY_FULL") != "1",
        reason="a measurement outside CI: set LANTAN_ADVERSARY_FULL=1 (~50 s)",
    ),
]
HEARTBEAT_INTERVAL_MS = 10_000
"""Read by the adversary fixture: the honest nodes start an idle height after this."""
IDLE_S = 8.0
"""How long after the head the Byzantine proposes: the block is backdated by at least this."""
ATTACK_TIMEOUT_S = 90.0
HONEST_CLOCK_SLACK_MS = 2_000
"""An honest block's time_ms is its proposer's clock (same host): this near the test's."""


def test_a_proposal_backdated_to_its_parent_commits(adversary: AdversaryNet) -> None:
    """The Byzantine proposes, IDLE_S after the head, a block stamped head + 1 ms: both honest
    validators prevote it, it commits with that time_ms, and the next block (built by an
    honest proposer) is stamped with its proposer's clock again."""
    net, honest = adversary.net, adversary.honest
    answer = adversary.byzantine.ask(
        "propose_backdated",
        answer_timeout_s=ATTACK_TIMEOUT_S + 30,
        timeout_s=ATTACK_TIMEOUT_S,
        idle_s=IDLE_S,
    )
    height, block = int(answer["height"]), answer["block"]
    assert set(answer["honest_prevotes"].values()) == {block}, answer
    wait_for(lambda: all(net.height(name) >= height for name in honest), 30, "the backdated height")
    committed = net.block(honest[0], height)
    assert committed["certificate"]["block_hash"] == block, committed["certificate"]
    time_ms = int(committed["block"]["header"]["time_ms"])
    assert time_ms == int(answer["head_time_ms"]) + 1
    backdated_ms = int(answer["sent_ms"]) - time_ms
    assert backdated_ms >= IDLE_S * 1000, answer
    print(
        f"\nADR 0040 measurement: height {height} committed with a time_ms {backdated_ms} ms "
        f"before it was proposed (heartbeat {HEARTBEAT_INTERVAL_MS} ms)"
    )
    before_ms = time.time_ns() // 1_000_000
    next_height = commit_client_tx(adversary, "after-backdated")
    after_ms = time.time_ns() // 1_000_000
    assert next_height > height
    header = net.block(honest[0], next_height)["block"]["header"]
    assert header["proposer"] != adversary.byzantine.hello["public_key"]
    honest_time_ms = int(header["time_ms"])
    assert before_ms - HONEST_CLOCK_SLACK_MS <= honest_time_ms <= after_ms + HONEST_CLOCK_SLACK_MS
    assert_agree(adversary)
