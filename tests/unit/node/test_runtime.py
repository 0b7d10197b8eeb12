"""node/runtime.py: three real runtimes over real ledgers (LevelDB in tmp_path), wired by an
in-memory transport, commit blocks; a height starts only when there is work. Proposal
building, validation and the commit/halt paths are also driven one action at a time.
"""

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, cast

import pytest

from consensus import (
    CommitBlock,
    MessageReceived,
    ProposalSubmitted,
    ProposalValidated,
    RequestProposal,
    Tick,
    ValidateProposal,
    initial_signer_state,
    message_from_json,
)
from consensus.signer_state import SignedStep
from contracts.admission import committed_nonce
from genesis.example.xiangshan_case import XIANGSHAN_CASE_STEPS
from node.chain_events import ChainEvents
from node.evidence_pool import EvidencePool
from node.ledger import PreparedBlock, block_hash_of_payload
from node.mempool import Mempool
from node.peer_envelope import PeerKind
from node.runtime import NodeRuntime, RuntimeSettings, _StartCheck, validator_engine_config
from node.signer_file import SIGNER_STATE_FILE, SignerStateFile
from node.transport import PeerTransport
from protocol.encoding import JsonObject, decode, encode
from protocol.evidence import DuplicateVoteEvidence, Evidence
from protocol.hashing import Hash32, sha256
from protocol.signing import PublicKey, SigningKey
from protocol.tx import SignedTx
from protocol.votes import CommitCertificate
from tests.fakes.evidence import duplicate_prevotes
from tests.kit.engine_config import scaled_timeouts
from tests.unit.node.chain_kit import (
    CHAIN_ID,
    GENESIS_TIME_MS,
    KEYS,
    VALIDATOR_KEYS,
    VALIDATOR_NAMES,
    account_open,
    build_and_commit,
    certify,
    make_tx,
    open_ledger,
)

HEARTBEAT_MS = 60_000
START_MS = GENESIS_TIME_MS + 10_000
TIMEOUTS = scaled_timeouts(propose_ms=400, retransmit_ms=500, cap_ms=10_000)
WAIT_S = 15.0


class FakeClock:
    def __init__(self, now_ms: int = START_MS) -> None:
        self.now = now_ms

    def now_ms(self) -> int:
        return self.now


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
        if target is None or kind is not PeerKind.CONSENSUS or {sender, to} & self.cut:
            return
        message = message_from_json(decode(encode(body)))
        target.submit(MessageReceived(sender=sender, message=message))


class FakeTransport:
    """What NodeRuntime uses of PeerTransport: send and broadcast."""

    def __init__(self, router: Router, key: SigningKey) -> None:
        self.router = router
        self.key = key.public_key

    def send(self, to: PublicKey, kind: PeerKind, body: JsonObject) -> None:
        self.router.sent.append((self.key, to, kind, body))
        self.router.deliver(self.key, to, kind, body)

    def broadcast(self, kind: PeerKind, body: JsonObject) -> None:
        self.router.sent.append((self.key, None, kind, body))
        for to in list(self.router.runtimes):
            if to != self.key:
                self.router.deliver(self.key, to, kind, body)

    def broadcast_sealed(self, kind: PeerKind, data: bytes) -> None:
        """Kept as bytes, and its body delivered like broadcast's (not verified here: tests
        count this node's Ed25519 checks)."""
        self.router.sealed.append(data)
        envelope = decode(data.split(b"\n", 1)[1])
        assert isinstance(envelope, dict) and isinstance(envelope["body"], dict)
        self.broadcast(kind, envelope["body"])


def make_runtime(
    directory: Path,
    key: SigningKey,
    clock: FakeClock,
    router: Router | None = None,
    *,
    signer_state: bool = True,
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
        engine_config=validator_engine_config(ledger.chain_id, key, TIMEOUTS),
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
        mempool.remove_stale(nonces, ledger.head().time_ms)

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


# --- a small network -----------------------------------------------------------------------


def test_height_one_commits_at_start_then_the_next_height_waits_for_work(
    tmp_path: Path,
) -> None:
    async def scenario(runtimes: list[NodeRuntime], router: Router, clock: FakeClock) -> None:
        await until(lambda: heights(runtimes) == [1, 1, 1], "height 1 everywhere")
        assert all_equal_heads(runtimes)
        certificate = runtimes[0].ledger.certificate(1)
        assert certificate is not None
        assert len(certificate.signatures) >= 2
        # Nothing to do: no node starts height 2 (no proposal, no vote for it).
        await asyncio.sleep(0.5)
        alive(runtimes)
        assert heights(runtimes) == [1, 1, 1]
        signers = {entry.validator for entry in certificate.signatures}
        for runtime in runtimes:
            assert runtime._held_start is not None
            assert runtime._held_start.height == 1
            assert runtime.events.counters["commits"] == 1
            signer = runtime.signer_file.load()
            assert signer is not None
            if runtime.key.public_key in signers:  # persisted before its precommit left
                assert (signer.height, signer.step) == (1, SignedStep.PRECOMMIT)
        sent_before = len(router.sent)

        # A tx at the proposer of height 2 starts it; the others follow its messages.
        proposer = proposer_of(runtimes, 2)
        tx = account_open(1)
        give_work(proposer, tx)
        await until(lambda: heights(runtimes) == [2, 2, 2], "height 2 everywhere")
        alive(runtimes)
        assert all_equal_heads(runtimes)
        assert len(router.sent) > sent_before
        for runtime in runtimes:
            block = runtime.ledger.block(2)
            assert block is not None
            assert block.txs == (tx,)
            assert block.header.proposer == proposer.key.public_key
            assert runtime.ledger.store.find_tx(tx.tx_id) is not None
        # The commit hook drops the committed tx (it runs just after the commit).
        await until(lambda: len(proposer.mempool) == 0, "the mempool cleanup")
        await asyncio.sleep(0.3)
        assert heights(runtimes) == [2, 2, 2]

    run_network(tmp_path, scenario)


def test_a_quiet_chain_gets_a_heartbeat_block(tmp_path: Path) -> None:
    async def scenario(runtimes: list[NodeRuntime], router: Router, clock: FakeClock) -> None:
        await until(lambda: heights(runtimes) == [1, 1, 1], "height 1 everywhere")
        proposer = proposer_of(runtimes, 2)
        clock.now += HEARTBEAT_MS - 1
        proposer.submit(_StartCheck())
        await asyncio.sleep(0.3)
        assert heights(runtimes) == [1, 1, 1]  # not due yet
        clock.now += 1
        proposer.submit(_StartCheck())
        await until(lambda: heights(runtimes) == [2, 2, 2], "the heartbeat block")
        alive(runtimes)
        block = proposer.ledger.block(2)
        assert block is not None
        assert block.txs == ()
        assert block.header.time_ms >= clock.now

    run_network(tmp_path, scenario)


def test_a_height_started_after_a_quiet_spell_gets_its_whole_round_zero(tmp_path: Path) -> None:
    # The engine's clock moves only on a Tick, and a decided height has no timers left to
    # tick: a height started a minute later scheduled round 0's timeouts a minute in the
    # past, so they fired at once. The proposer prevoted nil on its own proposal and every
    # node went to round 1 (after a partition healed, round 0 of every height was lost).
    async def scenario(runtimes: list[NodeRuntime], router: Router, clock: FakeClock) -> None:
        await until(lambda: heights(runtimes) == [1, 1, 1], "height 1 everywhere")
        clock.now += 60_000  # quiet: nothing to do, no timer left
        give_work(proposer_of(runtimes, 2), account_open(1))
        await until(lambda: heights(runtimes) == [2, 2, 2], "height 2 everywhere")
        alive(runtimes)
        certificate = runtimes[0].ledger.certificate(2)
        assert certificate is not None
        assert certificate.round == 0

    run_network(tmp_path, scenario)


def test_a_commit_that_failed_is_taken_again_not_waited_for_forever(tmp_path: Path) -> None:
    # A commit that raised (not a halt: an unexpected error, contained like any event's)
    # left the replica in COMMITTING with the ledger a height behind: every certificate
    # pushed to it was ignored, and block sync waits for a peer two heights ahead, which
    # with n=4, q=3 and one silent validator never comes. The whole network stopped.
    async def scenario(runtimes: list[NodeRuntime], router: Router, clock: FakeClock) -> None:
        await until(lambda: heights(runtimes) == [1, 1, 1], "height 1 everywhere")
        victim = next(r for r in runtimes if r is not proposer_of(runtimes, 2))
        others = [r for r in runtimes if r is not victim]
        commit_certified = victim.ledger.commit_certified
        failed: list[int] = []

        def fails_once(payload: bytes, certificate: CommitCertificate, **options: Any) -> bool:
            if not failed:
                failed.append(certificate.height)
                raise OSError("a passing I/O error")
            return commit_certified(payload, certificate, **options)

        victim.ledger.commit_certified = fails_once  # type: ignore[method-assign]
        tx = account_open(1)
        for runtime in runtimes:
            give_work(runtime, tx)
        await until(lambda: [r.ledger.height for r in others] == [2, 2], "height 2 at the others")
        assert failed == [2]
        for runtime in others:  # height 3 starts; its messages reach the victim
            give_work(runtime, account_open(2, "after-failure"))
        await until(lambda: victim.ledger.height >= 2, "the victim's height 2")
        alive(runtimes)
        block = victim.ledger.block(2)
        assert block is not None
        assert block.txs == (tx,)

    run_network(tmp_path, scenario)


def test_a_node_behind_restarts_at_its_synced_head(tmp_path: Path) -> None:
    async def scenario(runtimes: list[NodeRuntime], router: Router, clock: FakeClock) -> None:
        await until(lambda: heights(runtimes) == [1, 1, 1], "height 1 everywhere")
        lagging = proposer_of(runtimes, 3)
        others = [r for r in runtimes if r is not lagging]
        router.cut.add(lagging.key.public_key)
        for runtime in others:
            give_work(runtime, account_open(1))
        await until(lambda: [r.ledger.height for r in others] == [2, 2], "height 2 without one")
        assert lagging.ledger.height == 1
        # Block sync brings the lagging node to height 2; its runtime restarts there.
        source = others[0].ledger
        payload, certificate = source.store.get_block(2), source.certificate(2)
        assert payload is not None
        assert certificate is not None
        await lagging.run_in_worker(
            lambda: lagging.ledger.commit_certified(payload, certificate, check_certificate=True)
        )
        lagging.ledger_advanced()
        router.cut.clear()
        give_work(lagging, account_open(2, "after-sync"))
        await until(lambda: heights(runtimes) == [3, 3, 3], "height 3 everywhere")
        alive(runtimes)
        assert all_equal_heads(runtimes)

    run_network(tmp_path, scenario)


@pytest.mark.parametrize("has_signer_state", [True, False])
def test_a_node_without_signer_state_does_not_sign_at_first(
    tmp_path: Path, has_signer_state: bool
) -> None:
    # DESIGN.md §4: with its signer-state file missing, a validator syncs first and signs
    # nothing until it has seen a commit above the height its peers reported.
    async def main() -> None:
        clock, router = FakeClock(), Router()
        runtime = make_runtime(
            tmp_path / "n", VALIDATOR_KEYS[1], clock, router, signer_state=has_signer_state
        )
        router.runtimes[runtime.key.public_key] = runtime
        try:
            await runtime.start(highest_reported_height=0)
            await asyncio.sleep((TIMEOUTS.propose_base_ms + 200) / 1000)
            alive([runtime])
            assert runtime.replica is not None
            assert runtime.replica.sign_from_height == (0 if has_signer_state else 2)
            kinds = {body.get("kind") for _, _, _, body in router.sent}
            assert bool(kinds & {"vote", "proposal"}) == has_signer_state
        finally:
            await runtime.stop()
            runtime.ledger.store.close()

    asyncio.run(main())


# --- one action at a time ------------------------------------------------------------------


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


def test_a_proposal_takes_the_mempool_and_the_evidence(tmp_path: Path) -> None:
    async def body(runtime: NodeRuntime) -> None:
        txs = (account_open(1), account_open(2))
        for tx in txs:
            runtime.mempool.add(tx, tx.tx_id, 100)
        evidence = duplicate_vote()
        assert runtime.pool_evidence(evidence)
        await runtime._propose(RequestProposal(height=1, round=0))
        (submitted,) = queued(runtime)
        assert isinstance(submitted, ProposalSubmitted)
        assert (submitted.height, submitted.round) == (1, 0)
        assert block_hash_of_payload(submitted.payload) == submitted.block_hash
        block = runtime.ledger.validate(submitted.payload, now_ms=None, drift_ms=0)
        assert block.block.txs == txs
        assert block.block.evidence == (evidence,)
        assert block.block.header.time_ms == START_MS
        assert block.block.header.proposer == runtime.key.public_key
        # A request for another height than head + 1 builds nothing.
        await runtime._propose(RequestProposal(height=2, round=0))
        assert queued(runtime) == []

    run_single(tmp_path, body)


def test_a_proposal_time_is_after_the_head_even_when_the_clock_is_behind(
    tmp_path: Path,
) -> None:
    async def body(runtime: NodeRuntime) -> None:
        runtime.clock.now = GENESIS_TIME_MS - 5_000  # type: ignore[attr-defined]
        await runtime._propose(RequestProposal(height=1, round=0))
        (submitted,) = queued(runtime)
        block = runtime.ledger.validate(submitted.payload, now_ms=None, drift_ms=0)
        assert block.block.header.time_ms == GENESIS_TIME_MS + 1

    run_single(tmp_path, body)


def test_a_proposal_leaves_out_txs_that_expired_and_the_nonces_behind_them(
    tmp_path: Path,
) -> None:
    # Admitted earlier, expired by the time this node proposes: building the block with it
    # would raise InvalidBlockError and end the consensus loop.
    async def body(runtime: NodeRuntime) -> None:
        expired = account_open(1, expires_at_ms=START_MS - 1)
        behind = account_open(2)
        other = build_tx_of_county(1)
        for tx in (expired, other, behind):
            runtime.mempool.add(tx, tx.tx_id, 100)
        await runtime._propose(RequestProposal(height=1, round=0))
        (submitted,) = queued(runtime)
        assert isinstance(submitted, ProposalSubmitted)
        block = runtime.ledger.validate(submitted.payload, now_ms=None, drift_ms=0)
        assert block.block.txs == (other,)

    run_single(tmp_path, body)


def build_tx_of_county(nonce: int) -> SignedTx:
    step = XIANGSHAN_CASE_STEPS[1]
    assert step.tx_type == "project.register"
    return make_tx(step.sender, step.tx_type, dict(step.body), nonce=nonce)


def test_a_proposal_leaves_out_evidence_already_on_chain(tmp_path: Path) -> None:
    # Block sync can commit a block carrying evidence this node still holds in its pool.
    async def body(runtime: NodeRuntime) -> None:
        evidence = duplicate_vote()
        prepared = runtime.ledger.build(
            txs=(),
            evidence=(evidence,),
            time_ms=START_MS - 1,
            proposer=VALIDATOR_KEYS[1].public_key,
        )
        runtime.ledger.commit(prepared, certify(prepared))
        plant(runtime.evidence_pool, evidence)
        await runtime._propose(RequestProposal(height=2, round=0))
        (submitted,) = queued(runtime)
        assert isinstance(submitted, ProposalSubmitted)
        block = runtime.ledger.validate(submitted.payload, now_ms=None, drift_ms=0)
        assert block.block.evidence == ()

    run_single(tmp_path, body)


def test_validation_answers_valid_or_not(tmp_path: Path) -> None:
    async def body(runtime: NodeRuntime) -> None:
        runtime._restart_replica_sync(None, 0)  # a replica, but no loop taking the queue
        queued(runtime)
        replica = runtime.replica
        assert replica is not None
        proposer = replica.validators.proposer(1, 0).public_key
        other = open_ledger(runtime.ledger.store.directory.parent / "proposer")
        try:  # the proposer's ledger builds; this node only validates
            good = other.build(txs=(), evidence=(), time_ms=START_MS, proposer=proposer)
            wrong_proposer = other.build(  # a key outside the validator set
                txs=(), evidence=(), time_ms=START_MS, proposer=KEYS["xiangshan-court"].public_key
            )
            far_ahead = other.build(
                txs=(), evidence=(), time_ms=START_MS + 60_000, proposer=proposer
            )
        finally:
            other.store.close()
        cases = [
            (1, b"garbage", Hash32(sha256(b"garbage")), False),
            (2, good.payload, good.block_hash, False),  # not head + 1
            (1, wrong_proposer.payload, wrong_proposer.block_hash, False),
            (1, far_ahead.payload, far_ahead.block_hash, False),
            (1, good.payload, good.block_hash, True),
            (1, good.payload, good.block_hash, True),  # again, from the ledger's cache
        ]
        for height, payload, block_hash, valid in cases:
            action = ValidateProposal(
                height=height, round=0, block_hash=block_hash, payload=payload
            )
            await runtime._validate(action)
            (answer,) = queued(runtime)
            assert answer == ProposalValidated(
                height=height, round=0, block_hash=block_hash, valid=valid
            )

    run_single(tmp_path, body)


def test_a_certified_block_that_does_not_execute_halts_the_node(tmp_path: Path) -> None:
    async def body(runtime: NodeRuntime) -> None:
        await runtime.start()
        await asyncio.sleep(0.05)
        other = open_ledger(tmp_path / "other")
        try:
            build_and_commit(other)
            bad = other.build(txs=(), evidence=(), time_ms=START_MS, proposer=other.head().proposer)
        finally:
            other.store.close()
        # Block 2 of another ledger: it does not follow this node's head.
        action = _commit(1, bad, certify(bad, height=1))
        runtime.submit(_deferred(action))
        await until(lambda: runtime.halted is not None, "the halt")
        assert "does not execute" in (runtime.halted or "")
        assert runtime.ledger.height == 0
        task = runtime._loop_task
        assert task is not None
        assert not task.done()  # halted, not crashed: it keeps draining its queue
        runtime.submit(_StartCheck())
        await asyncio.sleep(0.05)
        assert runtime.ledger.height == 0

    run_single(tmp_path, body)


def test_asked_to_commit_above_the_ledger_halts(tmp_path: Path) -> None:
    async def body(runtime: NodeRuntime) -> None:
        await runtime.start()
        prepared = runtime.ledger.build(
            txs=(), evidence=(), time_ms=START_MS, proposer=VALIDATOR_KEYS[0].public_key
        )
        action = _commit(5, prepared, certify(prepared))
        runtime.submit(_deferred(action))
        await until(lambda: runtime.halted is not None, "the halt")
        assert "above the ledger" in (runtime.halted or "")

    run_single(tmp_path, body)


def test_committing_a_height_already_synced_only_moves_on(tmp_path: Path) -> None:
    async def body(runtime: NodeRuntime) -> None:
        await runtime.start()
        prepared = build_and_commit(runtime.ledger)
        action = _commit(1, prepared, certify(prepared))
        runtime.submit(_deferred(action))
        await until(lambda: runtime.events.counters["commits"] == 1, "the commit event")
        assert runtime.ledger.height == 1
        assert runtime.halted is None

    run_single(tmp_path, body)


def test_a_commit_wakes_its_waiters_before_the_commit_hooks_run(tmp_path: Path) -> None:
    """GET /v1/txs/{id}?wait_ms= answers on the commit, not after the hooks' CPU work."""

    async def body(runtime: NodeRuntime) -> None:
        await runtime.start()
        order: list[str] = []

        async def waiter() -> None:
            assert await runtime.events.wait_commit(WAIT_S)
            order.append("waiter")

        async def hook() -> None:
            order.append("hook")

        runtime.commit_hooks.insert(0, hook)
        waiting = asyncio.create_task(waiter())
        await asyncio.sleep(0)  # the waiter now waits on the commit event
        prepared = build_and_commit(runtime.ledger)
        runtime.submit(_deferred(_commit(1, prepared, certify(prepared))))
        await asyncio.wait_for(waiting, WAIT_S)
        await until(lambda: "hook" in order, "the commit hook")
        assert order == ["waiter", "hook"]

    run_single(tmp_path, body)


def test_a_tick_that_fires_no_timeout_does_not_wait_for_the_worker(tmp_path: Path) -> None:
    """A decided height's timers still tick; such a tick must not queue the events behind
    it behind the worker (a block's execution, an fsync). A due tick still takes the worker."""

    async def body(runtime: NodeRuntime) -> None:
        await runtime.start()
        await asyncio.sleep(0.2)  # start_replica's deferred actions are performed
        replica = runtime.replica
        assert replica is not None and replica.timeouts
        quiet = min(t.deadline_ms for t in replica.timeouts) - 1
        busy = asyncio.ensure_future(runtime.run_in_worker(time.sleep, 3.0))
        await asyncio.sleep(0.05)  # the worker now sleeps
        runtime.submit(Tick(now_ms=quiet))
        await until(lambda: _engine_ms(runtime) == quiet, "the quiet tick", timeout_s=1.0)
        due = quiet + 1
        runtime.submit(Tick(now_ms=due))
        await asyncio.sleep(0.3)
        assert _engine_ms(runtime) == quiet  # behind the busy worker
        await busy
        # At least due: the runtime's own timers (real delays over the fake clock) may queue
        # due ticks of their own behind ours, and the poll may first look after those.
        await until(lambda: _engine_ms(runtime) >= due, "the due tick")

    run_single(tmp_path, body)


def _engine_ms(runtime: NodeRuntime) -> int:
    assert runtime.replica is not None
    return runtime.replica.now_ms


def _commit(height: int, prepared: PreparedBlock, certificate: CommitCertificate) -> CommitBlock:
    """The engine's CommitBlock for a prepared block (whatever height it claims)."""
    return CommitBlock(
        height=height,
        block_hash=prepared.block_hash,
        payload=prepared.payload,
        certificate=certificate,
    )


def _deferred(action: Any) -> Any:
    from node.runtime import _Deferred

    return _Deferred(action)


def test_the_highest_height_a_peer_spoke_of_is_kept_for_block_sync(tmp_path: Path) -> None:
    # node/sync_pace.py polls at the fast rate when a peer's messages show it ahead.
    async def body(runtime: NodeRuntime) -> None:
        assert runtime.heard_height == -1
        for height in (3, 9, 5):
            message = message_from_json({"kind": "status", "height": height})
            runtime.deliver(MessageReceived(sender=VALIDATOR_KEYS[1].public_key, message=message))
        assert runtime.heard_height == 9

    run_single(tmp_path, body)
