"""Metrics read at scrape time from what the node already holds: chain head, pools, peers,
consensus position, disk. Counters kept by other objects (the peer inbox's) are exported as
counters here, so those objects need no metrics code. Runs on the event loop (the /metrics
handler is async), the only thread that mutates the pools it reads.
"""

import os
from collections.abc import Iterator
from pathlib import Path

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

from node.logs import LOG_RATE_LIMIT
from node.peering import FAR_AHEAD_HEIGHTS, PeerInbox
from node.readiness import Readiness
from node.service import NodeService
from node.transport import PeerTransport
from protocol.signature_cache import SignatureCache


def vouched_height(claimed: int, own: int) -> int:
    """A peer's claimed height as lantan_peer_height exports it: at most FAR_AHEAD_HEIGHTS
    above ours, the heights whose votes this node still takes from a peer (node/peering.py).
    A claim is a number in the peer's /v1/status, checked by nothing: one validator
    answering 9e15 flattened every height on the dashboard's shared panel to a line at 0
    (hostile pass h56). The claim itself is lantan_peer_height_claimed."""
    return min(claimed, own + FAR_AHEAD_HEIGHTS)


class NodeStateCollector(Collector):
    """lantan_ gauges and counters computed from the node's live objects."""

    def __init__(
        self,
        service: NodeService,
        inbox: PeerInbox,
        transport: PeerTransport | None,
        readiness: Readiness,
    ) -> None:
        self._service = service
        self._inbox = inbox
        self._transport = transport
        self._readiness = readiness

    def collect(self) -> Iterator[Metric]:
        yield from self._chain()
        yield from self._consensus()
        yield from self._pools()
        yield from self._peers()
        yield from self._storage()
        yield from self._work_avoided()

    def _work_avoided(self) -> Iterator[Metric]:
        """Signature checks done (cache misses) and log lines the rate limit held back."""
        verifier = getattr(self._service.ledger.verify, "__self__", None)
        if isinstance(verifier, SignatureCache):
            yield CounterMetricFamily(
                "lantan_tx_signature_verifications",
                "Ed25519 verifications of tx and evidence signatures (signature cache misses).",
                value=verifier.misses,
            )
        yield CounterMetricFamily(
            "lantan_log_lines_suppressed",
            "Repeated log lines dropped by the rate limit.",
            value=LOG_RATE_LIMIT.suppressed_total,
        )

    def _chain(self) -> Iterator[Metric]:
        ledger = self._service.ledger
        head = ledger.head()
        yield _gauge("lantan_height", "Last committed height.", head.height)
        yield _gauge(
            "lantan_head_block_timestamp_seconds",
            "time_ms of the last committed block, as Unix seconds.",
            head.time_ms / 1000,
        )
        validators = ledger.validators_for_next_height()
        yield _gauge("lantan_validators", "Validators certifying the next height.", validators.size)
        yield _gauge(
            "lantan_quorum", "Precommits a block of the next height needs.", validators.quorum
        )
        yield _gauge(
            "lantan_ready",
            "1 when /readyz answers 200.",
            not self._readiness.problems(self._service),
        )
        yield _gauge(
            "lantan_fork_detected",
            "1 after a peer showed a second certified block at a committed height.",
            self._readiness.fork_evidence() is not None,
        )

    def _consensus(self) -> Iterator[Metric]:
        runtime = self._service.runtime
        replica = None if runtime is None else runtime.replica
        if runtime is not None:
            yield _gauge(
                "lantan_halted",
                "1 when consensus stopped on a safety violation (see /readyz and the log).",
                runtime.halted is not None,
            )
        if replica is not None:
            yield _gauge("lantan_consensus_height", "Height consensus is deciding.", replica.height)
            yield _gauge("lantan_consensus_round", "Round of that height.", replica.round)

    def _pools(self) -> Iterator[Metric]:
        mempool = self._service.mempool
        yield _gauge("lantan_mempool_txs", "Txs waiting in the mempool.", len(mempool))
        yield _gauge("lantan_mempool_bytes", "Bytes of those txs.", mempool.size_bytes)
        yield _gauge("lantan_mempool_limit_txs", "Txs the mempool holds at most.", mempool.txs_max)
        yield _gauge(
            "lantan_mempool_limit_bytes", "Bytes the mempool holds at most.", mempool.bytes_max
        )
        runtime = self._service.runtime
        pending = 0 if runtime is None else len(runtime.evidence_pool)
        yield _gauge(
            "lantan_evidence_pending", "Evidence waiting to be included in a block.", pending
        )
        relay = self._service.relay
        if relay is not None:
            stats = relay.wants.stats
            counts = {
                "announced": stats.announced,
                "refused_over_quota": stats.refused_over_quota,
                "asked": stats.asked,
                "timed_out": stats.timed_out,
                "forgotten": stats.forgotten,
                "served": relay.served,
            }
            yield _counters(
                "lantan_tx_relay",
                "Announced tx ids (node/tx_relay.py): tracked, refused over a peer's quota, "
                "asked for, not answered in time, given up; txs served to peers asking.",
                "event",
                counts,
            )
            yield _gauge("lantan_tx_wants", "Announced tx ids missing here.", len(relay.wants))

    def _peers(self) -> Iterator[Metric]:
        names = self._service.metrics.peer_names
        views = self._readiness.peer_views()
        yield _gauge(
            "lantan_peers_reachable",
            "Peers whose /v1/status answered the last poll.",
            sum(1 for v in views if v.reachable),
        )
        up = GaugeMetricFamily(
            "lantan_peer_up",
            "1 when the peer's /v1/status answered the last poll.",
            labels=["peer"],
        )
        height = GaugeMetricFamily(
            "lantan_peer_height",
            "The peer's height at the last answered poll, at most "
            f"{FAR_AHEAD_HEIGHTS} above ours (vouched_height).",
            labels=["peer"],
        )
        claimed = GaugeMetricFamily(
            "lantan_peer_height_claimed",
            "The height the peer claimed at the last answered poll, unverified.",
            labels=["peer"],
        )
        own = self._service.ledger.height
        for view in views:
            peer = names.get(view.url, view.url)
            up.add_metric([peer], 1 if view.reachable else 0)
            if view.height >= 0:
                height.add_metric([peer], vouched_height(view.height, own))
                claimed.add_metric([peer], view.height)
        yield up
        yield height
        yield claimed
        yield _counters(
            "lantan_peer_messages_received",
            "Peer messages accepted, by kind.",
            "kind",
            self._inbox.received,
        )
        yield _counters(
            "lantan_peer_messages_dropped",
            "Peer messages refused, by reason.",
            "reason",
            self._inbox.dropped,
        )
        yield _counters(
            "lantan_old_precommits",
            "Precommits of heights decided before the last one, checked against the stored "
            "certificate of their height (node/old_precommits.py), by outcome: "
            "certificate_read (from the store), evidence (a conflicting one named its "
            "validator), bad_signature.",
            "outcome",
            self._inbox.old_precommits.outcomes,
        )
        yield _counters(
            "lantan_compact_proposals",
            "Compact proposals received, by outcome: rebuilt from held txs, held (the "
            "engine holds the block's payload already), missing txs (the whole block "
            "asked for), or late.",
            "outcome",
            self._inbox.compact,
        )
        if self._transport is not None:
            queued = GaugeMetricFamily(
                "lantan_peer_send_queue_messages",
                "Messages queued for a peer, not yet posted.",
                labels=["peer"],
            )
            for peer, depth in sorted(self._transport.queue_depths().items()):
                queued.add_metric([peer], depth)
            yield queued

    def _storage(self) -> Iterator[Metric]:
        directory = self._service.ledger.store.directory
        try:
            usage = os.statvfs(directory)
            size = _directory_bytes(directory)
        except OSError:
            return
        yield _gauge(
            "lantan_storage_free_bytes",
            "Bytes free for unprivileged users on the data directory's filesystem.",
            usage.f_bavail * usage.f_frsize,
        )
        yield _gauge(
            "lantan_storage_capacity_bytes",
            "Size of the data directory's filesystem.",
            usage.f_blocks * usage.f_frsize,
        )
        yield _gauge(
            "lantan_store_bytes",
            "Bytes of the LevelDB files in the data directory (the state tree's included).",
            size,
        )
        store = self._service.ledger.store
        memory = GaugeMetricFamily(
            "lantan_store_native_memory_bytes",
            "Memory each LevelDB holds by its own count (memtables and block cache), by "
            "database: state (the main one) or tree (the state tree's, ADR 0038).",
            labels=["database"],
        )
        for database, used in sorted(store.native_memory_bytes().items()):
            memory.add_metric([database], used)
        yield memory
        read = CounterMetricFamily(
            "lantan_store_compaction_read_bytes",
            "Bytes each LevelDB's compactions read since the node started, by database "
            "(whole MiB, as LevelDB counts them).",
            labels=["database"],
        )
        written = CounterMetricFamily(
            "lantan_store_compaction_written_bytes",
            "Bytes each LevelDB's memtable flushes and compactions wrote since the node "
            "started, by database (whole MiB): with the bytes committed, its write amplification.",
            labels=["database"],
        )
        for database, (read_bytes, written_bytes) in sorted(store.compaction_bytes().items()):
            read.add_metric([database], read_bytes)
            written.add_metric([database], written_bytes)
        yield read
        yield written
        yield _gauge(
            "lantan_state_tree_held_nodes",
            "Nodes of the state tree's upper levels held in memory (node/storage/smt_top.py).",
            store.held_tree_nodes,
        )


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=float(value))


def _counters(
    name: str, documentation: str, label: str, values: dict[str, int]
) -> CounterMetricFamily:
    family = CounterMetricFamily(name, documentation, labels=[label])
    for key, count in sorted(values.items()):
        family.add_metric([key], count)
    return family


def _directory_bytes(directory: Path) -> int:
    """The files of the data directory and of its subdirectories (the state tree's LevelDB,
    ADR 0038): a few hundred files at most, cheap to sum."""
    total = 0
    with os.scandir(directory) as entries:
        for entry in entries:
            if entry.is_file():
                total += entry.stat().st_size
            elif entry.is_dir(follow_symlinks=False):
                total += _directory_bytes(Path(entry.path))
    return total
