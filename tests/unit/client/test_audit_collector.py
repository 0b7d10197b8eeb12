"""`lantan audit` runs under its collector policy (client/cli/audit_collector.py): start-up
heap frozen, young threshold raised, both undone after."""

import argparse
import gc

import pytest

import client.cli.audit as audit_cli
from client.cli.audit_collector import YOUNG_THRESHOLD, audit_collector
from client.genesis_file import read_genesis_file
from tests.unit.client.conftest import Network


def _tracked(thing: object) -> bool:
    """Whether the collector walks thing (gc.get_objects() leaves the frozen heap out)."""
    return any(candidate is thing for candidate in gc.get_objects())


def test_the_start_up_heap_is_frozen_and_the_young_threshold_raised_then_restored() -> None:
    assert gc.get_freeze_count() == 0
    thresholds = gc.get_threshold()
    start_up = [object()]
    with audit_collector():
        assert gc.get_threshold() == (YOUNG_THRESHOLD, *thresholds[1:])
        assert gc.get_freeze_count() > 0
        assert not _tracked(start_up)
        during = [object()]
        assert _tracked(during)
    assert gc.get_threshold() == thresholds
    assert gc.get_freeze_count() == 0
    assert _tracked(start_up)


def test_a_heap_frozen_by_someone_else_stays_frozen() -> None:
    thresholds = gc.get_threshold()
    theirs = [object()]
    gc.freeze()
    try:
        with audit_collector():
            pass
        assert gc.get_freeze_count() > 0
        assert not _tracked(theirs)
        assert gc.get_threshold() == thresholds
    finally:
        gc.unfreeze()


def test_run_audit_checks_blocks_under_the_policy(
    network: Network, node_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[int, int]] = []

    def audit_blocks(*args: object, **kwargs: object) -> dict[str, object]:
        seen.append((gc.get_threshold()[0], gc.get_freeze_count()))
        return {}  # no node stopped answering

    monkeypatch.setattr(audit_cli, "_audit_blocks", audit_blocks)
    args = argparse.Namespace(
        nodes=node_url,
        genesis=read_genesis_file(network.genesis_path),
        replay=True,
        state=None,
        json=True,
    )
    audit_cli.run_audit(args)
    assert len(seen) == 1
    threshold, frozen = seen[0]
    assert threshold == YOUNG_THRESHOLD
    assert frozen > 0
    assert gc.get_threshold()[0] != YOUNG_THRESHOLD
    assert gc.get_freeze_count() == 0
