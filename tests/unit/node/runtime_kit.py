"""Shared kit of the node/runtime.py tests: real runtimes over real ledgers (LevelDB in a
tmp_path), a fake clock, and an in-memory transport that delivers consensus messages
through their JSON wire form."""

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, cast

from prometheus_client import Counter as MetricCounter

from consensus import (
    MessageReceived,
    TimeoutConfig,
    initial_signer_state,
    message_from_json,
)
from contracts.admission import committed_nonce
from node.chain_events import ChainEvents
from node.compact_proposals import CompactProposal, block_request, expand
from node.evidence_pool import EvidencePool
from node.mempool import Mempool
from node.peer_envelope import PeerKind, seal_envelope
from node.runtime import NodeRuntime
from node.runtime_settings import RuntimeSettings, validator_engine_config
from node.signer_file import SIGNER_STATE_FILE, SignerStateFile
from node.transport import PeerTransport
from protocol.encoding import JsonObject, decode, encode
from protocol.evidence import DuplicateVoteEvidence, Evidence
from protocol.hashing import Hash32, sha256
from protocol.signing import PublicKey, SigningKey
from protocol.tx import SignedTx
from tests.fakes.evidence import duplicate_prevotes
from tests.fakes.manual_clock import NodeClock
from tests.kit.engine_config import scaled_timeouts
from tests.unit.node.chain_kit import (
    CHAIN_ID,
    GENESIS_TIME_MS,
    VALIDATOR_KEYS,
    VALIDATOR_NAMES,
    open_ledger,
)

HEARTBEAT_MS = 60_000
START_MS = GENESIS_TIME_MS + 10_000
TIMEOUTS = scaled_timeouts(propose_ms=400, retransmit_ms=500, cap_ms=10_000)
WAIT_S = 15.0


class FakeClock(NodeClock):
    """Both clocks at START_MS unless told."""

    def __init__(self, now_ms: int = START_MS) -> None:
        super().__init__(now_ms)


class Router:
    """Delivers consensus messages between runtimes, through their JSON wire form."""

    def __init__(self) -> None:
        self.runtimes: dict[PublicKey, NodeRuntime] = {}
        self.cut: set[PublicKey] = set()
        self.sent: list[tuple[PublicKey, PublicKey | None, PeerKind, JsonObject]] = []
        self.sealed: list[bytes] = []
        """Envelopes runtimes sealed themselves and broadcast (evidence), as bytes."""

    def deliver(self, sender: PublicKey, to: PublicKey, kind: PeerKind, body: JsonObject) -> None:
        target = self.runtimes.get(to)
        if target is None or {sender, to} & self.cut:
            return
        if kind is PeerKind.PROPOSAL:
            # As node/peering.py does: rebuilt from the target's pool, else the block asked for.
            compact = CompactProposal.from_json(decode(encode(body)))
            rebuilt = expand(compact, target.mempool.by_leaf)
            if isinstance(rebuilt, list):
                target.proposals.ask_for_block(sender, block_request(compact))
            else:
                target.submit(MessageReceived(sender=sender, message=rebuilt))
        elif kind is PeerKind.CONSENSUS:
            message = message_from_json(decode(encode(body)))
            target.submit(MessageReceived(sender=sender, message=message))


class FakeTransport:
    """What NodeRuntime uses of PeerTransport: send, send_to_address, broadcast and the
    sealed forms (every peer here knows compact proposals: broadcast_or_fallback never
    falls back, which tests/unit/node/test_transport_peers.py covers)."""

    def __init__(self, router: Router, key: SigningKey) -> None:
        self.router = router
        self.signing_key = key
        self.key = key.public_key

    def seal(self, kind: PeerKind, body: JsonObject) -> bytes:
        return seal_envelope(self.signing_key, CHAIN_ID, kind, body)

    @property
    def sealing_key(self) -> PublicKey:
        return self.signing_key.public_key

    def use_key(self, key: SigningKey) -> None:
        """Seal with key from now on (PeerTransport.use_key); the router still knows this
        node by the key it started with."""
        self.signing_key = key

    def broadcast_or_fallback(
        self, kind: PeerKind, data: bytes, fallback: Callable[[], tuple[PeerKind, bytes]]
    ) -> None:
        self.broadcast(kind, _body_of(data))

    def send(self, to: PublicKey, kind: PeerKind, body: JsonObject) -> None:
        self.router.sent.append((self.key, to, kind, body))
        self.router.deliver(self.key, to, kind, body)

    def send_to_address(self, url: str, kind: PeerKind, body: JsonObject) -> None:
        to = next((key for key in self.router.runtimes if address_of(key) == url), None)
        if to is not None:
            self.send(to, kind, body)

    def broadcast(self, kind: PeerKind, body: JsonObject) -> None:
        self.router.sent.append((self.key, None, kind, body))
        for to in list(self.router.runtimes):
            if to != self.key:
                self.router.deliver(self.key, to, kind, body)

    def broadcast_sealed(self, kind: PeerKind, data: bytes) -> None:
        """Kept as bytes, and its body delivered like broadcast's (not verified here: tests
        count this node's Ed25519 checks)."""
        self.router.sealed.append(data)
        self.broadcast(kind, _body_of(data))


def _body_of(sealed: bytes) -> JsonObject:
    envelope = decode(sealed.split(b"\n", 1)[1])
    assert isinstance(envelope, dict) and isinstance(envelope["body"], dict)
    return envelope["body"]


def address_of(key: PublicKey) -> str:
    """The URL FakeTransport.send_to_address knows the runtime holding key by."""
    return f"http://{key.hex()[:16]}.test"


def make_runtime(
    directory: Path,
    key: SigningKey,
    clock: FakeClock,
    router: Router | None = None,
    *,
    signer_state: bool = True,
    timeouts: TimeoutConfig = TIMEOUTS,
) -> NodeRuntime:
    directory.mkdir(parents=True, exist_ok=True)
    signer_file = SignerStateFile(directory / SIGNER_STATE_FILE)
    if signer_state:
        signer_file.write(initial_signer_state())  # what `genesis init` leaves beside a key
    ledger = open_ledger(directory / "data")
    mempool = Mempool()
    runtime = NodeRuntime(
        ledger=ledger,
        key=key,
        engine_config=validator_engine_config(ledger.chain_id, key, timeouts),
        signer_file=signer_file,
        transport=cast(PeerTransport, FakeTransport(router or Router(), key)),
        mempool=mempool,
        events=ChainEvents(),
        clock=clock,
        settings=RuntimeSettings(heartbeat_interval_ms=HEARTBEAT_MS, max_clock_drift_ms=2_000),
    )

    async def drop_stale() -> None:
        state = ledger.store.state
        nonces = {sender: committed_nonce(state, sender) for sender in mempool.senders()}
        mempool.sweep(nonces, ledger.head().time_ms)

    runtime.commit_hooks.append(drop_stale)
    return runtime


async def until(predicate: Callable[[], bool], what: str, timeout_s: float = WAIT_S) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not predicate():
        assert loop.time() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.005)


def heights(runtimes: list[NodeRuntime]) -> list[int]:
    return [runtime.ledger.height for runtime in runtimes]


def alive(runtimes: list[NodeRuntime]) -> None:
    for runtime in runtimes:
        task = runtime._loop_task
        assert task is not None
        if task.done():
            raise AssertionError(f"runtime loop ended: {task.exception()!r}")
        assert runtime.halted is None


def proposer_of(runtimes: list[NodeRuntime], height: int, round_number: int = 0) -> NodeRuntime:
    validators = runtimes[0].ledger.validators_for_next_height()
    key = validators.proposer(height, round_number).public_key
    return next(r for r in runtimes if r.key.public_key == key)


def give_work(runtime: NodeRuntime, signed: SignedTx) -> None:
    runtime.mempool.add(signed, signed.tx_id, len(signed.canonical_bytes()))
    runtime.work_arrived()


Scenario = Callable[[list[NodeRuntime], Router, FakeClock], Awaitable[None]]


def run_network(tmp_path: Path, scenario: Scenario) -> None:
    async def main() -> None:
        clock, router = FakeClock(), Router()
        runtimes = [
            make_runtime(tmp_path / name, key, clock, router)
            for name, key in zip(VALIDATOR_NAMES, VALIDATOR_KEYS, strict=True)
        ]
        for runtime in runtimes:
            router.runtimes[runtime.key.public_key] = runtime
        try:
            for runtime in runtimes:
                await runtime.start()
            await scenario(runtimes, router, clock)
        finally:
            for runtime in runtimes:
                await runtime.stop()
                runtime.ledger.store.close()

    asyncio.run(main())


def all_equal_heads(runtimes: list[NodeRuntime]) -> bool:
    return len({runtime.ledger.head() for runtime in runtimes}) == 1


def run_single(tmp_path: Path, body: Callable[[NodeRuntime], Awaitable[None]]) -> None:
    async def main() -> None:
        runtime = make_runtime(tmp_path / "solo", VALIDATOR_KEYS[0], FakeClock())
        try:
            await body(runtime)
        finally:
            await runtime.stop()
            runtime.ledger.store.close()

    asyncio.run(main())


def queued(runtime: NodeRuntime) -> list[Any]:
    items = []
    while not runtime._queue.empty():
        items.append(runtime._queue.get_nowait())
    return items


def duplicate_vote(key: SigningKey = VALIDATOR_KEYS[2]) -> DuplicateVoteEvidence:
    blocks = (Hash32(sha256(b"one block")), Hash32(sha256(b"another block")))
    return duplicate_prevotes(key, CHAIN_ID, blocks)


def plant(pool: EvidencePool, evidence: Evidence) -> None:
    """Put evidence in the pool unchecked: what slipped in against an older state."""
    pool._held[evidence.hash()] = evidence


def by_reason(counter: MetricCounter) -> "Counter[str]":
    """A runtime metric counted by reason ({reason} label), as its registry holds it."""
    counts: Counter[str] = Counter()
    for metric in counter.collect():
        for sample in metric.samples:
            if sample.name.endswith("_total"):
                counts[sample.labels["reason"]] = int(sample.value)
    return counts
