"""The simulated evidence pools re-send like the node's: doubling, bounded, lost in a crash."""

import pytest

from genesis.example.parties import party_key
from protocol.evidence import DuplicateVoteEvidence
from protocol.hashing import Hash32
from tests.fakes.evidence import duplicate_prevotes
from tests.simulation.evidence_gossip import RESEND, EvidencePools
from tests.simulation.sim_config import CHAIN_ID

pytestmark = pytest.mark.simulation


def _evidence() -> DuplicateVoteEvidence:
    blocks = (Hash32(bytes([1]) * 32), Hash32(bytes([2]) * 32))
    return duplicate_prevotes(party_key("xiamen-ptc"), CHAIN_ID, blocks)


def test_pooled_evidence_is_resent_with_a_doubling_interval_a_bounded_number_of_times():
    pools, evidence = EvidencePools(), _evidence()
    assert pools.add("v0", evidence, 0) and not pools.add("v0", evidence, 0)
    times: list[int] = []
    now = 0
    while (later := pools.next_ms()) is not None:
        now = later
        times.extend(now for _ in pools.due(now))
    assert times[:4] == [400, 1200, 2800, 6000]  # 400, 800, 1,600, 3,200 ms apart
    assert len(times) == RESEND.sends_max


def test_a_crash_forgets_the_pool():
    pools = EvidencePools()
    pools.add("v0", _evidence(), 0)
    pools.forget("v0")
    assert pools.due(10_000) == []
