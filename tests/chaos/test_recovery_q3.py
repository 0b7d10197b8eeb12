"""Stop 49's recovery scenarios on three validators where every vote is needed (genesis
quorum 3 of 3): any one fault halts commits, and the chain must come back by itself once
it is lifted. scripts/chaos --full only; checked like every scenario."""

from collections.abc import Iterator

import pytest

from tests.chaos import recovery
from tests.chaos.cluster import ChaosNet
from tests.chaos.harness import ChaosRun
from tests.chaos.load import Load
from tests.chaos.scenarios import Record
from tests.chaos.test_chaos import LENGTHS, _running, _steady, check
from tests.chaos.test_recovery import DISK_MIB, DISK_VICTIM

pytestmark = pytest.mark.skipif(
    not LENGTHS.long_partition_heights, reason="stop 49's recovery scenarios: --full only"
)


@pytest.fixture(scope="module")
def net(chaos: ChaosRun, pytestconfig: pytest.Config) -> Iterator[ChaosNet]:
    yield from _running(chaos, pytestconfig, "q3", 3, tmpfs_mib={DISK_VICTIM: DISK_MIB}, quorum=3)


@pytest.fixture(scope="module")
def load(net: ChaosNet) -> Iterator[Load]:
    yield from _steady(net)


def test_one_way_cuts_flipping_q3(net: ChaosNet, load: Load, records: list[Record]) -> None:
    if net.fabric.mechanism != "nftables":
        pytest.skip("one-way cuts need nftables (Debian package nftables)")
    assert net.status(net.validators[0])["quorum"] == 3
    record = recovery.flipping_one_way(net, load, LENGTHS)
    check(record, records)
    assert record.notes["advanced_while_flipping"] > 0, record.notes


def test_full_disk_at_restart_q3(net: ChaosNet, load: Load, records: list[Record]) -> None:
    record = recovery.full_disk_at_restart(net, load, LENGTHS, DISK_VICTIM)
    check(record, records)


def test_key_rotation_between_rolling_restarts_q3(
    net: ChaosNet, load: Load, records: list[Record]
) -> None:
    record = recovery.rotation_between_restarts(net, load, LENGTHS)
    check(record, records)
    assert record.notes["new_key_first_signed_at"] > record.notes["rotated_at"], record.notes


def test_rolling_restart_q3(net: ChaosNet, load: Load, records: list[Record]) -> None:
    # Stop 50: a validator restarted without the txs of a block re-proposed in a later round
    # asked for it and was answered with the block's first proposal, stale for it; at q = n
    # no round decided again (intake._answer_block_request).
    record = recovery.rolling_restart(net, load, LENGTHS)
    check(record, records)
    assert min(record.notes["heights_per_round"]) > 0, record.notes
