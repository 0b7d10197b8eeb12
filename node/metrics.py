"""Prometheus text exposition of the node's counters (names prefixed lantan_)."""

from node.logs import LOG_RATE_LIMIT
from node.peering import PeerInbox
from node.service import NodeService
from node.signature_cache import SignatureCache
from node.transport import PeerTransport


def render_metrics(
    service: NodeService,
    inbox: PeerInbox,
    transport: PeerTransport | None,
    peers_reachable: int,
) -> str:
    lines: list[str] = []

    def gauge(name: str, value: int, help_text: str, labels: str = "") -> None:
        if not any(line.startswith(f"# HELP lantan_{name} ") for line in lines):
            lines.append(f"# HELP lantan_{name} {help_text}")
            lines.append(f"# TYPE lantan_{name} gauge")
        lines.append(f"lantan_{name}{labels} {value}")

    replica = None if service.runtime is None else service.runtime.replica
    gauge("height", service.ledger.height, "Last committed height.")
    gauge("round", 0 if replica is None else replica.round, "Current consensus round.")
    gauge("mempool_txs", len(service.mempool), "Transactions waiting in the mempool.")
    gauge("commits_total", service.events.counters["commits"], "Blocks committed by consensus.")
    for rounds, count in sorted(service.events.rounds_per_height.items()):
        gauge(
            "heights_by_rounds", count, "Heights decided after N rounds.", f'{{rounds="{rounds}"}}'
        )
    for reason, count in sorted(inbox.dropped.items()):
        gauge(
            "peer_messages_dropped_total", count, "Peer messages refused.", f'{{reason="{reason}"}}'
        )
    for kind, count in sorted(inbox.received.items()):
        gauge(
            "peer_messages_received_total", count, "Peer messages accepted.", f'{{kind="{kind}"}}'
        )
    for name, count in sorted(service.admission_counts.items()):
        gauge("txs_submitted_total", count, "Txs submitted by outcome.", f'{{outcome="{name}"}}')
    if transport is not None:
        for name, count in sorted(transport.counters.items()):
            gauge("peer_sends_total", count, "Outgoing peer messages.", f'{{outcome="{name}"}}')
    events = service.events
    gauge("block_interval_ms", events.block_interval_ms, "time_ms between the last two blocks.")
    gauge("peers_reachable", peers_reachable, "Peers whose /v1/status answered last poll.")
    for name, count in sorted(events.missed_votes.items()):
        gauge(
            "missed_votes_total",
            count,
            "Certificates without this validator's precommit.",
            f'{{validator="{name}"}}',
        )
    pending = 0 if service.runtime is None else len(service.runtime.evidence_pool)
    gauge("evidence_pending", pending, "Evidence waiting to be included in a block.")
    gauge("event_loop_lag_ms", events.loop_lag_ms, "How late the event loop last woke a task.")
    verifier = getattr(service.ledger.verify, "__self__", None)
    if isinstance(verifier, SignatureCache):
        gauge(
            "tx_signature_verifications_total",
            verifier.misses,
            "Ed25519 verifications of tx signatures (signature cache misses).",
        )
    gauge(
        "log_lines_suppressed_total",
        LOG_RATE_LIMIT.suppressed_total,
        "Repeated log lines dropped by the rate limit.",
    )
    halted = 0 if service.runtime is None or service.runtime.halted is None else 1
    gauge("halted", halted, "1 when consensus stopped on a safety violation.")
    return "\n".join(lines) + "\n"
