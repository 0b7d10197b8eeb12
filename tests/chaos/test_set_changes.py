"""Validator set changes under faults (tests/chaos/set_changes.py), scripts/chaos --full
only: a spare validator joins and leaves between rolling restarts, killed -9 the moment its
join commits, the network split 2|2 while its leave waits in the pools; on a 2-of-3 network
(3 of 4 while the spare is in) and on one where every vote is needed (3 of 3, then 4 of 4).
Checked like every scenario, plus: every node names the same set after each change, the
spare signs after joining and no longer after leaving, the chain commits after the split."""

from collections.abc import Iterator

import pytest

from tests.chaos import set_changes
from tests.chaos.cluster import ChaosNet
from tests.chaos.harness import ChaosRun
from tests.chaos.load import Load
from tests.chaos.scenarios import Record
from tests.chaos.test_chaos import LENGTHS, _running, check

pytestmark = pytest.mark.skipif(
    not LENGTHS.rolling_rounds, reason="set changes under faults: --full only"
)


@pytest.fixture(scope="module")
def net_q2(chaos: ChaosRun, pytestconfig: pytest.Config) -> Iterator[ChaosNet]:
    yield from _running(chaos, pytestconfig, "set2", 3, quorum=2, spares=1)


@pytest.fixture(scope="module")
def net_q3(chaos: ChaosRun, pytestconfig: pytest.Config) -> Iterator[ChaosNet]:
    yield from _running(chaos, pytestconfig, "set3", 3, quorum=3, spares=1)


def _scenario(net: ChaosNet, records: list[Record], joined_quorum: int) -> Record:
    load = Load(net)
    try:
        record = set_changes.join_and_leave(net, load, LENGTHS, joined_quorum=joined_quorum)
    finally:
        load.close()
    check(record, records)
    assert record.notes["spare_first_signed_at"] > record.notes["joined_at"], record.notes
    assert record.notes["left_at"] > record.notes["joined_at"], record.notes
    return record


def test_join_and_leave_q2(net_q2: ChaosNet, records: list[Record]) -> None:
    _scenario(net_q2, records, joined_quorum=3)


def test_join_and_leave_q3(net_q3: ChaosNet, records: list[Record]) -> None:
    _scenario(net_q3, records, joined_quorum=4)
