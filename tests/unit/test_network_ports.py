"""The integration tiers' port allocation: two xdist workers never hand out the same port, and
one worker never hands a port out twice (a collision once made a network's readiness check
meet another network's node, which answered with its own chain id)."""

import itertools

import pytest

from tests.integration import network


@pytest.mark.parametrize("workers", [2, 3, 8])
def test_worker_slices_are_disjoint_and_inside_the_range(
    monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    monkeypatch.delenv(network.PORT_RANGE_ENV, raising=False)
    monkeypatch.setenv("PYTEST_XDIST_WORKER_COUNT", str(workers))
    slices = []
    for index in range(workers):
        monkeypatch.setenv("PYTEST_XDIST_WORKER", f"gw{index}")
        slices.append(network._worker_slice())
    low, high = network.PORT_RANGE
    assert slices[0][0] == low and slices[-1][1] <= high
    for (_, end), (start, _) in itertools.pairwise(slices):
        assert end <= start


def test_outside_xdist_the_whole_range_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    monkeypatch.delenv("PYTEST_XDIST_WORKER_COUNT", raising=False)
    monkeypatch.delenv(network.PORT_RANGE_ENV, raising=False)
    assert network._worker_slice() == network.PORT_RANGE


def test_a_named_range_is_sliced(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(network.PORT_RANGE_ENV, "12000-14000")
    monkeypatch.setenv("PYTEST_XDIST_WORKER_COUNT", "2")
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw1")
    assert network._worker_slice() == (13000, 14000)


@pytest.mark.parametrize("named", ["12000", "14000-12000", "80-90", "a-b", "12000-70000"])
def test_a_malformed_range_is_refused(monkeypatch: pytest.MonkeyPatch, named: str) -> None:
    monkeypatch.setenv(network.PORT_RANGE_ENV, named)
    with pytest.raises(RuntimeError, match="LANTAN_TEST_PORT_RANGE"):
        network._worker_slice()


def test_no_port_is_handed_out_twice(monkeypatch: pytest.MonkeyPatch) -> None:
    cursor = network._PortCursor(next_port=20_000, low=20_000, high=20_100)
    monkeypatch.setattr(network, "_port_cursor", lambda: cursor)
    monkeypatch.setattr(network, "port_free", lambda port: True)
    bases = [network.free_base_port(3) for _ in range(8)]
    ports = [base + offset for base in bases for offset in range(3 + network.PORT_SPARE)]
    assert len(ports) == len(set(ports)), "a port was handed out twice"
    assert all(20_000 <= port < 20_100 for port in ports)


def test_a_busy_port_is_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    cursor = network._PortCursor(next_port=20_000, low=20_000, high=20_100)
    monkeypatch.setattr(network, "_port_cursor", lambda: cursor)
    monkeypatch.setattr(network, "port_free", lambda port: port != 20_001)
    assert network.free_base_port(3) == 20_000 + 3 + network.PORT_SPARE
