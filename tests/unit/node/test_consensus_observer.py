"""node/metrics/consensus_observer.py: a round that ends without a decision is counted and
logged once, naming the proposer of the round that ended (the integration test
test_catch_up_and_logs finds this line in a real validator's node.log)."""

import logging
from dataclasses import replace

import pytest

from node.metrics.consensus_observer import ConsensusObserver
from node.metrics.registry import NodeMetrics
from tests.unit.consensus.harness import Harness


def test_a_round_ended_without_a_decision_is_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="lantan.metrics")
    h = Harness()
    state, _ = h.start(h.non_proposer(1, 0))
    observer = ConsensusObserver(NodeMetrics())
    observer.stepped(state, [])
    observer.stepped(state, [])  # the same round again: nothing to say
    assert not caplog.records
    next_round = replace(state, round=state.round + 1)
    observer.stepped(next_round, [])
    observer.stepped(next_round, [])
    lines = [r.getMessage() for r in caplog.records]
    proposer = state.validators.proposer(state.height, state.round).name
    assert lines == [
        f"height {state.height}: round {state.round} ended without a decision "
        f"(proposer {proposer}); now round {state.round + 1}"
    ]
    observer.stepped(replace(next_round, height=state.height + 1, round=0), [])
    assert len(caplog.records) == 1  # a new height is no round change
