"""What a node's consensus runtime is configured with (node/runtime.py): its clock port, its
settings (block limits, the watchdog, the bounds of its pools and queue) and a validator's
engine configuration."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, TypeVar

from consensus import EngineConfig, TimeoutConfig
from consensus.ports import Ed25519Signer, verify_ed25519
from node.config import BLOCK_TXS_DEFAULT
from node.ledger import block_hash_of_payload
from protocol.block import BLOCK_EVIDENCE_MAX
from protocol.hashing import Hash32
from protocol.signing import SigningKey


class Clock(Protocol):
    """The node's two clocks, in milliseconds. now_ms, the wall clock: what is recorded or
    compared with another machine's time (block time_ms, consensus ticks, tx expiry, a
    witness's timestamp). monotonic_ms, which never goes back: how long something has
    waited (deadlines, intervals, rates). The host's wall clock can step back (NTP, a
    hand-set date), and an interval measured on it then lasts the step longer."""

    def now_ms(self) -> int: ...

    def monotonic_ms(self) -> int: ...


T = TypeVar("T")


class RunInWorker(Protocol):
    """Runs blocking ledger work on the runtime's single worker thread, after queued work
    (NodeRuntime.run_in_worker): the port the runtime's action modules take it through."""

    async def __call__(self, function: Callable[..., T], *args: object) -> T: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class RuntimeSettings:
    heartbeat_interval_ms: int = 60_000
    block_txs_max: int = BLOCK_TXS_DEFAULT
    block_bytes_max: int = 8 * 1024 * 1024
    max_clock_drift_ms: int = 2_000
    stall_after_ms: int = 30_000
    """/readyz fails when there was work but no commit for this long (the watchdog)."""
    evidence_pool_max: int = 256
    """Evidence items kept for proposals; more are refused (and counted) until some commit."""
    evidence_offender_max: int = 2 * BLOCK_EVIDENCE_MAX
    """Evidence items kept against one validator (two blocks' worth): the rest of the pool
    stays free for evidence against the others (node/evidence_pool.py)."""
    block_evidence_max: int = BLOCK_EVIDENCE_MAX
    """Evidence items one proposal carries: at most the protocol's BLOCK_EVIDENCE_MAX
    (ADR 0016), which a validator refuses a block for passing."""
    queue_peer_messages_max: int = 10_000
    """Peer messages waiting for the loop; beyond it they are dropped (consensus resends
    its current round), so a flooding peer cannot grow this node's memory."""

    def __post_init__(self) -> None:
        # A proposal over the protocol bound would be refused by every validator.
        if not 0 <= self.block_evidence_max <= BLOCK_EVIDENCE_MAX:
            raise ValueError(f"block_evidence_max must be 0..{BLOCK_EVIDENCE_MAX}")


def validator_engine_config(
    chain_id: Hash32, key: SigningKey, timeouts: TimeoutConfig
) -> EngineConfig:
    """The consensus engine of a validator holding key: Ed25519 votes over ledger block hashes."""
    return EngineConfig(
        chain_id=chain_id,
        signer=Ed25519Signer(key),
        verify=verify_ed25519,
        hash_payload=block_hash_of_payload,
        timeouts=timeouts,
    )
