"""The chaos scenarios of issue 11 on four validators (q = 3): a 2|2 split, then a Byzantine
validator with partitions. A module of its own so that the chaos tier's two xdist workers
run it beside the three-validator scenarios of tests/chaos/test_chaos.py (each worker has
its own namespace fabric, named by its pid); the same lengths and checks."""

from collections.abc import Iterator

import pytest

from tests.chaos import byzantine, scenarios
from tests.chaos.cluster import ChaosNet
from tests.chaos.harness import ChaosRun
from tests.chaos.load import Load
from tests.chaos.scenarios import Record
from tests.chaos.test_chaos import LENGTHS, _running, _steady, check


@pytest.fixture(scope="module")
def net4(chaos: ChaosRun, pytestconfig: pytest.Config) -> Iterator[ChaosNet]:
    """n=4 for the 2|2 split, then for the Byzantine scenario (one network start for both)."""
    yield from _running(chaos, pytestconfig, "n4", 4)


@pytest.fixture(scope="module")
def load4(net4: ChaosNet) -> Iterator[Load]:
    yield from _steady(net4)


def test_split_2_2(net4: ChaosNet, load4: Load, records: list[Record]) -> None:
    groups = [net4.validators[:2], net4.validators[2:]]
    check(scenarios.split(net4, load4, LENGTHS, groups), records)


def test_byzantine_with_partitions(net4: ChaosNet, load4: Load, records: list[Record]) -> None:
    """The last test on net4: its last validator's node is killed for good and the
    Byzantine process takes its key and its address."""
    if not byzantine.available():
        pytest.skip(
            "needs the Byzantine validator process of the hardening issue "
            f"({byzantine.MODULE}, branch wt-adversary), not on this branch yet"
        )
    liar = net4.validators[-1]
    net4.kill(liar)
    net4.names.remove(liar)  # the harness loads and checks only the honest nodes from here
    process = byzantine.ByzantineInNamespace(net4, liar)
    try:
        process.wait_started(byzantine.START_TIMEOUT_S)
        check(byzantine.byzantine_with_partitions(net4, load4, LENGTHS, process), records)
    finally:
        process.close()
