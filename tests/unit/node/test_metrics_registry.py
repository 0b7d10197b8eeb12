"""node/metrics/registry.py and tx_latency.py: one registry per NodeMetrics, nothing in the
library's global registry, the watchdog's setter API, and first-seen bookkeeping."""

from pathlib import Path

from prometheus_client import REGISTRY, generate_latest

from node.metrics.registry import STALL_REASONS, NodeMetrics
from protocol.hashing import Hash32, sha256


def tx(number: int) -> Hash32:
    return Hash32(sha256(f"tx {number}".encode()))


def test_two_nodes_in_one_process_share_no_series() -> None:
    first, second = NodeMetrics(), NodeMetrics()
    first.txs_submitted.labels(outcome="pending").inc(3)
    assert (
        first.registry.get_sample_value("lantan_txs_submitted_total", {"outcome": "pending"}) == 3
    )
    assert (
        second.registry.get_sample_value("lantan_txs_submitted_total", {"outcome": "pending"})
        is None
    )
    assert b"lantan_" not in generate_latest(REGISTRY)


def test_the_watchdog_setters() -> None:
    metrics = NodeMetrics()
    for reason in STALL_REASONS:  # exported at 0 before the watchdog says anything
        assert (
            metrics.registry.get_sample_value("lantan_consensus_stalled", {"reason": reason}) == 0
        )
    metrics.set_consensus_stalled("no_progress", True)
    metrics.event_error("MessageReceived")
    metrics.event_error("MessageReceived")
    value = metrics.registry.get_sample_value
    assert value("lantan_consensus_stalled", {"reason": "no_progress"}) == 1
    assert value("lantan_event_errors_total", {"event": "MessageReceived"}) == 2
    metrics.set_consensus_stalled("no_progress", False)
    assert value("lantan_consensus_stalled", {"reason": "no_progress"}) == 0


def test_every_committed_tx_is_observed_once_and_the_table_stays_bounded() -> None:
    metrics = NodeMetrics()
    metrics.txs_seen([tx(1), tx(2), tx(3)])
    metrics.txs_expired([tx(3)])
    # tx 4 never reached the mempool nor a validated proposal: it counts as seen now.
    metrics.block_committed(path="sync", tx_ids=[tx(1), tx(2), tx(4)], evidence=1, interval_s=1.5)
    value = metrics.registry.get_sample_value
    assert value("lantan_tx_commit_latency_seconds_count") == 3
    assert value("lantan_blocks_committed_total", {"path": "sync"}) == 1
    assert value("lantan_evidence_committed_total") == 1
    assert value("lantan_block_interval_seconds") == 1.5
    assert len(metrics.first_seen) == 0
    metrics.txs_seen(tx(n) for n in range(150_000))
    assert len(metrics.first_seen) == 100_000


def test_every_metric_of_the_registry_is_in_the_operations_guide() -> None:
    """docs/OPERATIONS.md "Metrics" is what operators read: a metric added without a line
    there is one nobody alerts on."""
    guide = (Path(__file__).parents[3] / "docs" / "OPERATIONS.md").read_text(encoding="utf-8")
    names = set()
    for family in NodeMetrics().registry.collect():
        if family.name.startswith("lantan_"):
            # A counter's family is named without the _total its samples carry.
            names.add(family.name + ("_total" if family.type == "counter" else ""))
    assert len(names) > 20
    assert sorted(name for name in names if f"`{name}" not in guide) == []
