"""A Byzantine validator asks the honest ones for blocks without pause (hostile pass of stop
46): status messages naming each of the last 15 heights in turn, each answered with up to
four commits from there. Before, two honest nodes sent it ~2,500 commits (690 MB) in 10 s,
and when it took them slowly each queued 1,675 of them (87 -> 520 MiB resident). Now each
block goes to it at most once a second (node/block_answers.py) and what waits for it is
bounded in bytes (node/transport.py QUEUE_BYTES_MAX); a client tx commits meanwhile."""

import pytest

from tests.adversary.conftest import AdversaryNet
from tests.adversary.honest import (
    assert_agree,
    assert_healthy,
    during_attack,
    rss_mib,
    wait_more_blocks,
)
from tests.integration.txs import batch_wire, submit_to

pytestmark = pytest.mark.slow
NETWORK_PER_PARAM = True
FLOOD_S = 10.0
FILL_TXS = 1000
"""Txs submitted before the flood, so that the blocks it asks for are not empty."""
BLOCKS_HELD = 16
"""Blocks an honest node answers with: its engine's decisions_kept."""
RSS_GROWTH_MIB_MAX = 150


def _fill_blocks(adversary: AdversaryNet) -> None:
    txs = adversary.builder.attest_stream("xiangshan-county", "asks-fill", FILL_TXS)
    submit_to(adversary.net, adversary.honest, batch_wire(txs))
    wait_more_blocks(adversary, 3)


def test_asks_for_old_blocks_are_answered_at_a_bounded_rate(adversary: AdversaryNet) -> None:
    _fill_blocks(adversary)
    answer = during_attack(adversary, "ask-flood", "ask_flood", seconds=FLOOD_S)
    # One second's worth per block, per honest node, plus the commits around its edges.
    bound = len(adversary.honest) * BLOCKS_HELD * (int(FLOOD_S) + 3)
    assert answer["answers"] <= bound, answer
    assert_healthy(adversary)
    assert_agree(adversary)


def test_answers_taken_slowly_hold_bounded_memory(adversary: AdversaryNet) -> None:
    _fill_blocks(adversary)
    before = {name: rss_mib(adversary, name) for name in adversary.honest}
    during_attack(adversary, "ask-flood-stalled", "ask_flood", seconds=FLOOD_S, stall=True)
    grown = {name: rss_mib(adversary, name) - before[name] for name in adversary.honest}
    assert max(grown.values()) <= RSS_GROWTH_MIB_MAX, grown
    assert_healthy(adversary)
    assert_agree(adversary)
