"""node/metrics/consensus_observer.py: a round that ends without a decision is counted and
logged once, naming the proposer of the round that ended (the integration test
test_catch_up_and_logs finds this line in a real validator's node.log); a decided height
counts the rounds this node ran at it."""

import logging
from dataclasses import replace

import pytest

from consensus import CommitBlock, ReplicaState
from node.metrics.consensus_observer import ConsensusObserver
from node.metrics.registry import NodeMetrics
from protocol.hashing import Hash32
from protocol.votes import CommitCertificate
from tests.unit.consensus.harness import Harness


def watching(caplog: pytest.LogCaptureFixture) -> tuple[ReplicaState, ConsensusObserver]:
    """A replica at height 1, round 0, and an observer that has seen it there."""
    caplog.set_level(logging.WARNING, logger="lantan.metrics")
    h = Harness()
    state, _ = h.start(h.non_proposer(1, 0))
    observer = ConsensusObserver(NodeMetrics())
    observer.stepped(state, [])
    return state, observer


def test_a_round_ended_without_a_decision_is_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    state, observer = watching(caplog)
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


def test_a_round_skip_is_logged_as_one(caplog: pytest.LogCaptureFixture) -> None:
    # A restarted validator's first line was "round 0 ended without a decision" for a round
    # 0 that lasted milliseconds before it joined the others' round.
    state, observer = watching(caplog)
    observer.stepped(replace(state, round=state.round + 5), [])
    proposer = state.validators.proposer(state.height, state.round).name
    assert [r.getMessage() for r in caplog.records] == [
        f"height {state.height}: left round {state.round} for round {state.round + 5}, where "
        f"other validators are (a round skip; proposer of round {state.round}: {proposer})"
    ]
    assert caplog.records[0].__dict__["round"] == state.round + 5


def decided_at(height: int, round_number: int) -> CommitBlock:
    """The CommitBlock of a height decided in round_number (no signatures: the observer
    reads the round, the height and who signed)."""
    block = Hash32(bytes(32))
    certificate = CommitCertificate(
        height=height, round=round_number, block_hash=block, signatures=()
    )
    return CommitBlock(height=height, block_hash=block, payload=b"", certificate=certificate)


def test_height_rounds_counts_the_rounds_run_not_the_round_reached() -> None:
    # Stop 50 noticed: catch_up took a replica from round 0 to round 2^20 in one step, and
    # the height decided there put 2^20 + 1 into lantan_consensus_height_rounds' sum.
    h = Harness()
    state, _ = h.start(h.non_proposer(1, 0))
    metrics = NodeMetrics()
    observer = ConsensusObserver(metrics)
    observer.stepped(state, [])
    jumped = replace(state, round=2**20)
    observer.stepped(jumped, [])
    observer.stepped(jumped, [decided_at(state.height, 2**20)])
    sample = metrics.registry.get_sample_value
    assert sample("lantan_consensus_height_rounds_sum") == 2  # round 0, then 2^20
    assert sample("lantan_consensus_height_rounds_bucket", {"le": "2.0"}) == 1
    following = replace(state, height=state.height + 1, round=0)
    observer.stepped(following, [])
    observer.stepped(replace(following, round=1), [])
    observer.stepped(replace(following, round=1), [decided_at(following.height, 1)])
    assert sample("lantan_consensus_height_rounds_sum") == 2 + 2
    assert sample("lantan_consensus_height_rounds_count") == 2
