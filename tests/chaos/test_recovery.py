"""Stop 49's chaos scenarios (tests/chaos/recovery.py), on a network of their own:
scripts/chaos --full only. Checked like every scenario (no acknowledged tx lost or moved,
no divergent height, the audit clean), plus each scenario's own assertions below."""

from collections.abc import Iterator

import pytest

from tests.chaos import recovery
from tests.chaos.cluster import ChaosNet
from tests.chaos.harness import ChaosRun
from tests.chaos.load import Load
from tests.chaos.scenarios import Record
from tests.chaos.test_chaos import LENGTHS, _running, _steady, check

DISK_VICTIM = "xiamen-ptc"
DISK_MIB = 24

pytestmark = pytest.mark.skipif(
    not LENGTHS.long_partition_heights, reason="stop 49's recovery scenarios: --full only"
)


@pytest.fixture(scope="module")
def net(chaos: ChaosRun, pytestconfig: pytest.Config) -> Iterator[ChaosNet]:
    yield from _running(chaos, pytestconfig, "rec", 3, tmpfs_mib={DISK_VICTIM: DISK_MIB})


@pytest.fixture(scope="module")
def load(net: ChaosNet) -> Iterator[Load]:
    yield from _steady(net)


def test_long_partition_then_catch_up(net: ChaosNet, load: Load, records: list[Record]) -> None:
    record = recovery.long_partition(net, load, LENGTHS)
    check(record, records)
    notes = record.notes
    assert notes["caught_up"], notes
    assert notes["others_advanced_during_catch_up"] > 0, notes
    seen = notes["readyz_not_ready_polls"]
    # Stop 50: one word for it after a partition as at start (it said "syncing").
    assert "catching up" in seen and "syncing" not in seen, notes
    # Stop 49: "no progress" beside the catch-up for the whole of it, on /readyz and on the
    # stalled gauge (stop 50). Right after the heal, before its first poll reaches a peer,
    # the node knows of no peer ahead and may still say "no progress" for a poll or two.
    assert "no progress while catching up" not in seen, notes
    behind = notes["stalled_gauge_polls_behind"]
    assert behind.get("no_progress", 0) * 2 < sum(behind.values()), notes
    # Stop 50: `lantan net status` says so too (it showed `running`, then `ready`).
    assert any("catching up" in line for line in notes["net_status_while_behind"]), notes


def test_one_way_cuts_flipping(net: ChaosNet, load: Load, records: list[Record]) -> None:
    if net.fabric.mechanism != "nftables":
        pytest.skip("one-way cuts need nftables (Debian package nftables)")
    record = recovery.flipping_one_way(net, load, LENGTHS)
    check(record, records)
    assert record.notes["advanced_while_flipping"] > 0, record.notes


def test_full_disk_at_restart(net: ChaosNet, load: Load, records: list[Record]) -> None:
    record = recovery.full_disk_at_restart(net, load, LENGTHS, DISK_VICTIM)
    check(record, records)
    assert record.notes["others_advanced_while_full"] > 0, record.notes


def test_kill_sync_server(net: ChaosNet, load: Load, records: list[Record]) -> None:
    record = recovery.kill_sync_server(net, load, LENGTHS)
    check(record, records)
    assert all(r["caught_up"] for r in record.notes["rounds"]), record.notes


def test_rolling_restart(net: ChaosNet, load: Load, records: list[Record]) -> None:
    record = recovery.rolling_restart(net, load, LENGTHS)
    check(record, records)
    assert min(record.notes["heights_per_round"]) > 0, record.notes


def test_key_rotation_between_rolling_restarts(
    net: ChaosNet, load: Load, records: list[Record]
) -> None:
    record = recovery.rotation_between_restarts(net, load, LENGTHS)
    check(record, records)
    assert record.notes["new_key_first_signed_at"] > record.notes["rotated_at"], record.notes
