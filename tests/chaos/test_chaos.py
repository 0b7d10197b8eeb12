"""The chaos scenarios of issue 11 on validators in their own network namespaces.

Lengths are QUICK by default (scripts/chaos --quick: scaled to fit 4 minutes on a shared
2-core box) and FULL (the issue's 30 s, 20 s, 20 kills) with LANTAN_CHAOS_FULL=1. Every
test asserts the same after its fault: no acknowledged tx lost or moved, no divergent
height, `lantan audit --replay` from the observer clean.
"""

import os
from collections.abc import Iterator, Mapping

import pytest

from tests.chaos import churn, delay_loss, scenarios
from tests.chaos.cluster import ChaosNet, faketime_library
from tests.chaos.harness import ChaosRun
from tests.chaos.load import Load
from tests.chaos.scenarios import FULL, QUICK, Record
from tests.integration.failure_logs import watch_net

LENGTHS = FULL if os.environ.get("LANTAN_CHAOS_FULL") == "1" else QUICK
RELAY_IN_QUICK = os.environ.get("LANTAN_CHAOS_RELAY") == "1"
DISK_VICTIM = "xiamen-ptc"
DISK_MIB = 24
NODE_DISK_VICTIM = "ningbo-ptc"
NODE_DISK_MIB = 64
"""--full only: ningbo-ptc's whole node directory (signer state too) on its own tmpfs."""


def _running(
    chaos: ChaosRun,
    config: pytest.Config,
    label: str,
    validators: int,
    *,
    tmpfs_mib: Mapping[str, int] | None = None,
    node_tmpfs_mib: Mapping[str, int] | None = None,
    quorum: int | None = None,
    spares: int = 0,
) -> Iterator[ChaosNet]:
    """A chaos network up for a module's tests, its logs shown when one of them fails."""
    net = chaos.network(
        label, validators=validators, tmpfs_mib=tmpfs_mib, quorum=quorum, spares=spares
    )
    for name, size in (node_tmpfs_mib or {}).items():
        net.mount_node_tmpfs(name, size)
    try:
        with watch_net(config, net):
            net.up()
            yield net
    finally:
        net.close()


def _steady(net: ChaosNet) -> Iterator[Load]:
    load = Load(net)
    yield load
    load.close()


@pytest.fixture(scope="module")
def net3(chaos: ChaosRun, pytestconfig: pytest.Config) -> Iterator[ChaosNet]:
    whole = {NODE_DISK_VICTIM: NODE_DISK_MIB} if LENGTHS is FULL else {}
    yield from _running(
        chaos, pytestconfig, "n3", 3, tmpfs_mib={DISK_VICTIM: DISK_MIB}, node_tmpfs_mib=whole
    )


@pytest.fixture(scope="module")
def load3(net3: ChaosNet) -> Iterator[Load]:
    yield from _steady(net3)


def check(record: Record, records: list[Record]) -> None:
    records.append(record)
    print(record.to_json())
    assert record.lost == 0, record.to_json()
    assert record.divergent == 0, record.to_json()
    assert record.audit_exit == 0, record.to_json()
    assert record.acknowledged > 0, record.to_json()


def test_isolate_proposer(net3: ChaosNet, load3: Load, records: list[Record]) -> None:
    record = scenarios.isolate_proposer(net3, load3, LENGTHS)
    check(record, records)
    assert record.notes["others_advanced"] > 0, "the two others stopped without the proposer"


def test_split_1_2(net3: ChaosNet, load3: Load, records: list[Record]) -> None:
    groups = [net3.validators[:1], net3.validators[1:]]
    record = scenarios.split(net3, load3, LENGTHS, groups)
    check(record, records)
    assert record.notes["advanced_per_side"]["+".join(groups[1])] > 0


def test_sigstop(net3: ChaosNet, load3: Load, records: list[Record]) -> None:
    check(scenarios.sigstop(net3, load3, LENGTHS), records)


def test_clock_skew(net3: ChaosNet, load3: Load, records: list[Record]) -> None:
    if faketime_library() is None:
        pytest.skip("clock skew needs libfaketime: apt-get install faketime (scripts/system-deps)")
    check(scenarios.clock_skew(net3, load3, LENGTHS, LENGTHS.skew_offsets_s), records)


def test_full_disk(net3: ChaosNet, load3: Load, records: list[Record]) -> None:
    record = scenarios.full_disk(net3, load3, LENGTHS, DISK_VICTIM)
    check(record, records)
    assert record.notes["others_advanced_while_full"] > 0


def test_full_disk_under_the_whole_node(net3: ChaosNet, load3: Load, records: list[Record]) -> None:
    """The signer state's disk full too (stop 48: its refused write halts the node, exit 4)."""
    if LENGTHS is not FULL:
        pytest.skip("the whole node directory on a full disk: scripts/chaos --full only")
    record = scenarios.full_disk(net3, load3, LENGTHS, NODE_DISK_VICTIM, whole_node=True)
    check(record, records)
    assert record.notes["others_advanced_while_full"] > 0
    assert not record.notes["alive_while_full"], "the victim kept running on a full disk"


def test_kill_mid_commit(net3: ChaosNet, load3: Load, records: list[Record]) -> None:
    check(scenarios.kill_mid_commit(net3, load3, LENGTHS), records)


def test_kill_every_validator(net3: ChaosNet, load3: Load, records: list[Record]) -> None:
    if not LENGTHS.kill_all_rounds:
        pytest.skip("every validator killed at once: scripts/chaos --full only (restarts)")
    record = churn.kill_all(net3, load3, LENGTHS)
    check(record, records)


def test_flapping_partitions(net3: ChaosNet, load3: Load, records: list[Record]) -> None:
    if not LENGTHS.flap_s:
        pytest.skip("partitions flapping: scripts/chaos --full only")
    if net3.fabric.mechanism != "nftables":
        pytest.skip("one-way cuts need nftables (Debian package nftables)")
    record = churn.flapping_partitions(net3, load3, LENGTHS)
    check(record, records)
    assert record.notes["advanced_while_flapping"] > 0, "q = 2 of 3 stopped while flapping"


def test_clock_jumps_back_while_running(net3: ChaosNet, load3: Load, records: list[Record]) -> None:
    if not LENGTHS.clock_jump_s:
        pytest.skip("a clock jumping back an hour while the node runs: scripts/chaos --full only")
    if faketime_library() is None:
        pytest.skip(
            "a clock jump needs libfaketime: apt-get install faketime (scripts/system-deps)"
        )
    record = churn.clock_jump(net3, load3, LENGTHS)
    check(record, records)
    assert record.notes["advanced_while_back"] > 0, "q = 2 of 3 stopped while one clock was back"


def test_delay_and_loss(
    chaos: ChaosRun, records: list[Record], pytestconfig: pytest.Config
) -> None:
    if LENGTHS is QUICK and not RELAY_IN_QUICK:
        pytest.skip(
            "delay/loss through the userspace relay runs in scripts/chaos --full (its own "
            "network does not fit the quick run's 4 minutes; LANTAN_CHAOS_RELAY=1 adds it)"
        )
    net = chaos.network("relay", validators=3, relay=True)
    load = Load(net)
    try:
        with watch_net(pytestconfig, net):
            net.up()
            record = delay_loss.delay_and_loss(net, load, LENGTHS)
            check(record, records)
            stages = record.notes["stages"]
            for label, stage in stages.items():
                assert stage["heights"] > 0, f"the chain stopped in stage {label}: {stage}"
                assert stage["acknowledged"] > 0, f"no tx committed in stage {label}: {stage}"
            for side in ("lossy_links", "other_links"):
                for label, low, high in (("wan_50ms", 40, 60), ("fault", 150, 250)):
                    seen = stages[label][side]
                    assert all(n > 0 for n in seen["delayed_chunks_per_link"].values()), seen
                    assert low <= seen["mean_delay_ms"] <= high, seen
                assert stages["baseline"][side]["delayed_chunks"] == 0, stages["baseline"]
            fault = stages["fault"]
            assert fault["lossy_links"]["resets"] + fault["lossy_links"]["stalls"] > 0, fault
            assert fault["other_links"]["resets"] + fault["other_links"]["stalls"] == 0, fault
    finally:
        load.close()
        net.close()
