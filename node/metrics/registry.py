"""Every metric a node observes as it works, on its own CollectorRegistry.

Names follow Prometheus's rules: the lantan_ prefix, base units (seconds, bytes), _total
on counters, histograms in seconds. Values other objects already hold (heights, pools,
peer counters) are read at scrape time by node/metrics/scrape.py instead. One NodeMetrics
per node process: the server makes it and hands it to the ledger and the transport (the
runtime and service use the ledger's); a ledger or transport made without one makes a
private one, so instances in one test process never share a series.
"""

from collections.abc import Iterable, Sequence
from importlib.metadata import PackageNotFoundError, version

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    GCCollector,
    Histogram,
    Info,
    PlatformCollector,
    ProcessCollector,
)
from prometheus_client.registry import Collector

from consensus.actions import DropReason
from node.metrics.thread_cpu import ThreadCpuCollector
from node.metrics.tx_latency import TxFirstSeen
from protocol.hashing import Hash32

STALL_REASONS = ("loop_dead", "no_progress")
"""Reasons of lantan_consensus_stalled exported (at 0) from the start, so alerts see them."""
EVICTION_KINDS = ("waiting_headers", "unread_answer", "slow_body", "new_connection")
"""What node/http_server.py closes past connections_max, in its order: the connection
longest waiting for its headers, the one whose answer has waited longest for its client to
read it, the one longest receiving its body, else the new connection itself. Kinds of
lantan_http_connections_evicted_total, exported at 0 from the start."""

_LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)
_WORK_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_ROUND_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)
_ADMISSION_BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1)
_HTTP_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
_SEND_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0)
_ROUNDS_BUCKETS = (1.0, 2.0, 3.0, 4.0, 6.0, 10.0)


def lantan_version() -> str:
    try:
        return version("lantan")
    except PackageNotFoundError:
        return "unknown"


class NodeMetrics:
    """One node's registry and the metrics it updates as events happen."""

    def __init__(self) -> None:
        self.registry = registry = CollectorRegistry(auto_describe=True)
        ProcessCollector(registry=registry)
        PlatformCollector(registry=registry)
        GCCollector(registry=registry)
        registry.register(ThreadCpuCollector())
        self._state_collector: Collector | None = None
        self.peer_names: dict[str, str] = {}
        """Peer base URL -> institution name, for peer labels of URL-keyed views."""

        self.info = Info(
            "lantan_node", "This node: software version, chain id, name, role.", registry=registry
        )
        # --- chain -----------------------------------------------------------------------
        self.blocks_committed = Counter(
            "lantan_blocks_committed_total",
            "Blocks this process committed, by path: consensus (decided here) or sync.",
            ["path"],
            registry=registry,
        )
        self.evidence_committed = Counter(
            "lantan_evidence_committed_total",
            "Misbehaviour evidence items in blocks this process committed.",
            registry=registry,
        )
        self.block_interval = Gauge(
            "lantan_block_interval_seconds",
            "time_ms of the last committed header minus the one before, in seconds.",
            registry=registry,
        )
        self.tx_commit_latency = Histogram(
            "lantan_tx_commit_latency_seconds",
            "From this node first seeing a tx (mempool or proposal) to committing it.",
            buckets=_LATENCY_BUCKETS,
            registry=registry,
        )
        self.block_build = Histogram(
            "lantan_block_build_duration_seconds",
            "Executing the mempool's txs into a proposal (ledger.build).",
            buckets=_WORK_BUCKETS,
            registry=registry,
        )
        self.block_validation = Histogram(
            "lantan_block_validation_duration_seconds",
            "Re-executing a proposed or synced block (ledger.validate), by outcome.",
            ["outcome"],
            buckets=_WORK_BUCKETS,
            registry=registry,
        )
        self.first_seen = TxFirstSeen(self.tx_commit_latency)
        # --- consensus -------------------------------------------------------------------
        self.round_duration = Histogram(
            "lantan_consensus_round_duration_seconds",
            "A round from its start to a decision (decided) or to the next round.",
            ["outcome"],
            buckets=_ROUND_BUCKETS,
            registry=registry,
        )
        self.height_rounds = Histogram(
            "lantan_consensus_height_rounds",
            "Rounds this node ran at a height before it decided it (rounds a catch-up "
            "skipped over are not counted).",
            buckets=_ROUNDS_BUCKETS,
            registry=registry,
        )
        self.signatures = Counter(
            "lantan_consensus_signatures_total",
            "Consensus messages this validator signed, by step (proposal, prevote, precommit).",
            ["step"],
            registry=registry,
        )
        self.signer_heights_in_set = Counter(
            "lantan_signer_heights_in_set_total",
            "Heights decided here at which this node's key was in the validator set.",
            registry=registry,
        )
        self.signer_heights_signed = Counter(
            "lantan_signer_heights_precommitted_total",
            "Of those heights, the ones at which this node cast a precommit.",
            registry=registry,
        )
        self.validator_heights = Counter(
            "lantan_validator_heights_total",
            "Heights decided here from live votes, once settled, with the validator in the set.",
            ["validator"],
            registry=registry,
        )
        self.validator_precommits = Counter(
            "lantan_validator_precommits_total",
            "Per settled height, the fate of each validator's precommit: in_certificate, "
            "not_needed (for the block, after the quorum, within the grace), late (after it), "
            "other (nil or another round only), missing (none seen).",
            ["validator", "outcome"],
            registry=registry,
        )
        self.consensus_stalled = Gauge(
            "lantan_consensus_stalled",
            "1 while the liveness watchdog finds consensus stalled, by reason.",
            ["reason"],
            registry=registry,
        )
        for reason in STALL_REASONS:
            self.consensus_stalled.labels(reason=reason).set(0)
        self.event_errors = Counter(
            "lantan_event_errors_total",
            "Consensus loop events whose handling raised and was contained, by event type.",
            ["event"],
            registry=registry,
        )
        self.proposals_refused = Counter(
            "lantan_proposals_refused_total",
            "Proposals this validator voted nil on, by reason: invalid (the block does not "
            "execute or check here), other_block (its payload is another block than the one "
            "proposed), not_next (not for the height after the head), payload_mismatch (a "
            "signed proposal whose payload does not hash to its block), ahead (time_ms "
            "past this clock plus the allowed drift: validated again once the clock has "
            "caught up, nil if the round's propose timeout comes first).",
            ["reason"],
            registry=registry,
        )
        self.messages_dropped = Counter(
            "lantan_consensus_messages_dropped_total",
            "Consensus messages a bound or a check of the engine dropped, by reason: "
            "future_round_budget, past_round_budget, late_vote_budget, stale_proposal, "
            "next_height_share, outside_window, future_proposal, second_proposal; and, "
            "each also logged: wrong_chain, not_a_validator, bad_vote_signature, "
            "bad_certificate, commit_mismatch.",
            ["reason"],
            registry=registry,
        )
        for dropped in DropReason:  # exported at 0 from the start, so rates and alerts see them
            self.messages_dropped.labels(reason=dropped.value)
        self.evidence_refused = Counter(
            "lantan_evidence_refused_total",
            "Evidence not pooled (from a peer or found here), by reason: the check_evidence "
            "reason (evidence_bad_signature, evidence_wrong_chain, ...), pool_full, "
            "offender_share_full or evidence_too_old.",
            ["reason"],
            registry=registry,
        )
        self.cosignatures_skipped = Counter(
            "lantan_cosignatures_skipped_total",
            "Stored witness cosignature values skipped as corrupt (at start or when read).",
            registry=registry,
        )
        self.checkpoints_followed = Counter(
            "lantan_checkpoints_followed_total",
            "Signed checkpoint notes an observer fetched from its peers, by outcome: kept, "
            "or why refused (not_synced, root_mismatch, quorum, bad_note, ...).",
            ["outcome"],
            registry=registry,
        )
        # --- admission, HTTP, peers, process ---------------------------------------------
        self.txs_submitted = Counter(
            "lantan_txs_submitted_total",
            "Txs submitted by clients or peers, by outcome (pending or the refusal reason).",
            ["outcome"],
            registry=registry,
        )
        self.tx_admission = Histogram(
            "lantan_tx_admission_duration_seconds",
            "Admission checks of one tx (parse, size, signatures, nonce, expiry).",
            buckets=_ADMISSION_BUCKETS,
            registry=registry,
        )
        self.http_requests = Histogram(
            "lantan_http_request_duration_seconds",
            "HTTP requests by method, route template and status code (499: the client went "
            "away, or its connection was evicted, before it was answered).",
            ["method", "route", "status"],
            buckets=_HTTP_BUCKETS,
            registry=registry,
        )
        self.connections_evicted = Counter(
            "lantan_http_connections_evicted_total",
            "Connections closed to keep open connections within connections_max, by kind: "
            "waiting_headers, unread_answer, slow_body, new_connection.",
            ["kind"],
            registry=registry,
        )
        for kind in EVICTION_KINDS:
            self.connections_evicted.labels(kind=kind)
        self.peer_send = Histogram(
            "lantan_peer_send_duration_seconds",
            "Posting one message to a peer, answered or not, by peer.",
            ["peer"],
            buckets=_SEND_BUCKETS,
            registry=registry,
        )
        self.peer_sends = Counter(
            "lantan_peer_sends_total",
            "Outgoing peer messages by peer and outcome (sent, refused, failed, dropped, ...).",
            ["peer", "outcome"],
            registry=registry,
        )
        self.event_loop_lag = Gauge(
            "lantan_event_loop_lag_seconds",
            "How late the event loop last woke a sleeping task.",
            registry=registry,
        )

    # --- identity and scrape-time state ----------------------------------------------------

    def identify(self, *, node: str, chain_id: str, role: str) -> None:
        self.info.info(
            {"version": lantan_version(), "chain_id": chain_id, "node": node, "role": role}
        )

    def attach_state(self, collector: Collector) -> None:
        """Export collector's families too; a later app over the same node replaces it."""
        if self._state_collector is not None:
            self.registry.unregister(self._state_collector)
        self.registry.register(collector)
        self._state_collector = collector

    # --- the setter API of the liveness watchdog and the loop's error containment ----------

    def set_consensus_stalled(self, reason: str, stalled: bool) -> None:
        """The watchdog's verdict for one reason (loop_dead, no_progress, ...)."""
        self.consensus_stalled.labels(reason=reason).set(1 if stalled else 0)

    def evidence_refused_for(self, reason: str) -> None:
        self.evidence_refused.labels(reason=reason).inc()

    def proposal_refused(self, reason: str) -> None:
        self.proposals_refused.labels(reason=reason).inc()

    def connection_evicted(self, kind: str) -> None:
        assert kind in EVICTION_KINDS, kind
        self.connections_evicted.labels(kind=kind).inc()

    def message_dropped(self, reason: DropReason) -> None:
        self.messages_dropped.labels(reason=reason.value).inc()

    def event_error(self, event: str) -> None:
        """One event of this type failed and the loop went on."""
        self.event_errors.labels(event=event).inc()

    # --- chain events ------------------------------------------------------------------------

    def txs_seen(self, tx_ids: Iterable[Hash32]) -> None:
        self.first_seen.seen(tx_ids)

    def txs_expired(self, tx_ids: Iterable[Hash32]) -> None:
        self.first_seen.forget(tx_ids)

    def block_committed(
        self, *, path: str, tx_ids: Sequence[Hash32], evidence: int, interval_s: float
    ) -> None:
        self.first_seen.committed(tx_ids)
        self.blocks_committed.labels(path=path).inc()
        if evidence:
            self.evidence_committed.inc(evidence)
        self.block_interval.set(interval_s)
