"""The driver loop: feeds the pure consensus engine and performs what it asks (STYLE.md §2).

One asyncio task takes events in order, runs consensus.step and the ledger work on a
single worker thread (so the event loop stays free for the API and peer traffic), and
performs the actions in list order: persist the signer state, then send (etcd-raft Ready
order). A height starts only when there is work: pending txs or evidence, a message for
it from a peer, or heartbeat_interval_ms of quiet (DESIGN.md §4).
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Protocol, TypeVar

from consensus import (
    Action,
    Broadcast,
    CommitApplied,
    CommitBlock,
    EngineConfig,
    Event,
    EvidenceFound,
    ForkDetected,
    MessageReceived,
    PersistPayload,
    PersistSignerState,
    ProposalSubmitted,
    ProposalValidated,
    ReplicaState,
    RequestProposal,
    ScheduleTimeout,
    Send,
    Tick,
    ValidateProposal,
    message_height,
    message_to_json,
    start_replica,
    step,
)
from consensus.signer_state import SignerState
from contracts.evidence import is_evidence_recorded
from node.chain_events import ChainEvents
from node.ledger import InvalidProposalError, Ledger
from node.mempool import Mempool
from node.peer_envelope import PeerKind
from node.signer_file import SignerStateFile
from node.test_hooks import exit_after_precommit_hook
from node.transport import PeerTransport
from protocol.evidence import Evidence
from protocol.signing import PublicKey, SigningKey
from protocol.tx import SignedTx
from protocol.votes import CommitCertificate

log = logging.getLogger("lantan.runtime")
T = TypeVar("T")


class Clock(Protocol):
    """Wall-clock milliseconds: block time_ms and consensus ticks come from here only."""

    def now_ms(self) -> int: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class RuntimeSettings:
    heartbeat_interval_ms: int = 60_000
    block_txs_max: int = 250
    block_bytes_max: int = 8 * 1024 * 1024
    max_clock_drift_ms: int = 2_000


@dataclass(frozen=True, slots=True)
class _StartCheck:
    """Internal: maybe start the held height (work arrived, or the heartbeat is due)."""


@dataclass(frozen=True, slots=True)
class _Restart:
    """Internal: the ledger moved on by block sync; restart the replica at its head."""


@dataclass(frozen=True, slots=True)
class _Deferred:
    """Internal: an action of start_replica, performed in the loop like any other."""

    action: Action


_Item = Event | _StartCheck | _Restart | _Deferred


class ConsensusHaltedError(Exception):
    """A certified block does not execute here: stop signing and fail /readyz."""


class NodeRuntime:
    """One validator's consensus driver over its ledger, mempool and peer transport."""

    def __init__(
        self,
        *,
        ledger: Ledger,
        key: SigningKey,
        engine_config: EngineConfig,
        signer_file: SignerStateFile,
        transport: PeerTransport,
        mempool: Mempool,
        events: ChainEvents,
        clock: Clock,
        settings: RuntimeSettings,
    ) -> None:
        self.ledger = ledger
        self.key = key
        self.config = engine_config
        self.signer_file = signer_file
        self.transport = transport
        self.mempool = mempool
        self.events = events
        self.clock = clock
        self.settings = settings
        self.replica: ReplicaState | None = None
        self.halted: str | None = None
        self.evidence_pool: dict[bytes, Evidence] = {}
        self._queue: asyncio.Queue[_Item] = asyncio.Queue()
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lantan-worker")
        self._held_start: CommitApplied | None = None
        self._last_commit_ms = clock.now_ms()
        self._loop_task: asyncio.Task[None] | None = None
        self.commit_hooks: list[Callable[[], Awaitable[None]]] = []
        """Run on the event loop after every commit (mempool cleanup, checkpoint signing)."""

    # --- lifecycle -----------------------------------------------------------------------

    async def start(self, *, highest_reported_height: int = 0) -> None:
        """Start the replica at the ledger's head + 1 and the event loop task."""
        signer_state = await self._in_worker(self.signer_file.load)
        self._restart_replica_sync(signer_state, highest_reported_height)
        self._loop_task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._loop_task is not None:
            self._loop_task.cancel()
            await asyncio.gather(self._loop_task, return_exceptions=True)
        self._worker.shutdown(wait=True)

    def submit(self, item: _Item) -> None:
        """Queue an event from the transport, a timer or the API."""
        self._queue.put_nowait(item)

    def work_arrived(self) -> None:
        """A tx or evidence entered the pools: the held height may start."""
        if self._held_start is not None:
            self._queue.put_nowait(_StartCheck())

    def ledger_advanced(self) -> None:
        """Block sync applied blocks: restart the replica at the new head."""
        self._queue.put_nowait(_Restart())

    # --- the loop ------------------------------------------------------------------------

    async def _run(self) -> None:
        while True:
            item = await self._queue.get()
            if self.halted is not None:
                continue
            try:
                await self._process(item)
            except ConsensusHaltedError as error:
                self.halted = str(error)
                log.critical("consensus halted: %s", error)
            except Exception:
                # A bug in one event must not silently stop the node's consensus.
                log.exception("event %r failed", type(item).__name__)
                raise

    async def _process(self, item: _Item) -> None:
        if isinstance(item, _StartCheck):
            await self._maybe_start_height(force=False)
            return
        if isinstance(item, _Restart):
            self._restart_replica_sync(self.replica.signer if self.replica else None, 0)
            return
        if isinstance(item, _Deferred):
            await self._perform(item.action)
            return
        held = self._held_start
        if (
            isinstance(item, MessageReceived)
            and held is not None
            and message_height(item.message) > held.height
        ):
            await self._maybe_start_height(force=True)
        await self._step(item)

    async def _step(self, event: Event) -> None:
        replica = self.replica
        assert replica is not None
        state, actions = await self._in_worker(step, replica, event)
        self.replica = state
        for action in actions:
            await self._perform(action)

    async def _perform(self, action: Action) -> None:
        if isinstance(action, PersistPayload):
            await self._in_worker(self.signer_file.write_payload, action.block_hash, action.payload)
        elif isinstance(action, PersistSignerState):
            await self._in_worker(self.signer_file.write, action.signer_state)
            exit_after_precommit_hook(self.ledger.height, action.signer_state)
        elif isinstance(action, Send):
            self.transport.send(action.to, PeerKind.CONSENSUS, message_to_json(action.message))
        elif isinstance(action, Broadcast):
            self.transport.broadcast(PeerKind.CONSENSUS, message_to_json(action.message))
        elif isinstance(action, ScheduleTimeout):
            self._schedule_tick(action.deadline_ms)
        elif isinstance(action, RequestProposal):
            await self._propose(action)
        elif isinstance(action, ValidateProposal):
            await self._validate(action)
        elif isinstance(action, CommitBlock):
            await self._commit(action)
        elif isinstance(action, EvidenceFound):
            self.add_evidence(action.evidence)
        elif isinstance(action, ForkDetected):
            # Not raised: the rest of this step still answers the peer with our certificate.
            self.halted = f"conflicting certificate for height {action.height}"
            log.critical("consensus halted: %s", self.halted)

    # --- actions -------------------------------------------------------------------------

    def _schedule_tick(self, deadline_ms: int) -> None:
        delay_s = max(0, deadline_ms - self.clock.now_ms()) / 1000
        loop = asyncio.get_running_loop()
        loop.call_later(delay_s, self._tick_at, deadline_ms)

    def _tick_at(self, deadline_ms: int) -> None:
        self._queue.put_nowait(Tick(now_ms=max(deadline_ms, self.clock.now_ms())))

    async def _propose(self, action: RequestProposal) -> None:
        if action.height != self.ledger.height + 1:
            return
        time_ms = max(self.clock.now_ms(), self.ledger.head().time_ms + 1)
        taken = self.mempool.take(self.settings.block_txs_max, self.settings.block_bytes_max)
        # An inadmissible tx or recorded evidence would make build() raise and end this loop.
        txs = _unexpired(taken, time_ms)
        state = self.ledger.store.state
        evidence = tuple(
            item
            for item in self.evidence_pool.values()
            if not is_evidence_recorded(state, item.hash())
        )
        prepared = await self._in_worker(
            lambda: self.ledger.build(
                txs=txs, evidence=evidence, time_ms=time_ms, proposer=self.key.public_key
            )
        )
        self.submit(
            ProposalSubmitted(
                height=action.height,
                round=action.round,
                block_hash=prepared.block_hash,
                payload=prepared.payload,
            )
        )

    async def _validate(self, action: ValidateProposal) -> None:
        valid = False
        known = self.ledger.prepared(action.block_hash)
        if known is not None:
            valid = True
        elif action.height == self.ledger.height + 1:
            try:
                prepared = await self._in_worker(
                    lambda: self.ledger.validate(
                        action.payload,
                        now_ms=self.clock.now_ms(),
                        drift_ms=self.settings.max_clock_drift_ms,
                    )
                )
                valid = prepared.block_hash == action.block_hash
            except InvalidProposalError as error:
                log.warning("proposal %d/%d invalid: %s", action.height, action.round, error)
        self.submit(
            ProposalValidated(
                height=action.height, round=action.round, block_hash=action.block_hash, valid=valid
            )
        )

    async def _commit(self, action: CommitBlock) -> None:
        if action.height == self.ledger.height + 1:
            await self._in_worker(self._commit_block, action.payload, action.certificate)
        elif action.height > self.ledger.height + 1:
            raise ConsensusHaltedError(f"asked to commit {action.height} above the ledger")
        self._held_start = CommitApplied(
            height=action.height, next_validators=self.ledger.validators_for_next_height()
        )
        self._last_commit_ms = self.clock.now_ms()
        self._record_certificate(action)
        self.events.committed(self.ledger.height, action.certificate.round)
        for hook in self.commit_hooks:
            await hook()
        loop = asyncio.get_running_loop()
        loop.call_later(self.settings.heartbeat_interval_ms / 1000, self.submit, _StartCheck())
        await self._maybe_start_height(force=False)

    def _record_certificate(self, action: CommitBlock) -> None:
        """Metrics: block interval and which validators' precommits the certificate lacks."""
        header, previous = self.ledger.header(action.height), self.ledger.header(action.height - 1)
        if header is None or previous is None:
            return
        signed = {s.validator for s in action.certificate.signatures}
        validators = self.ledger.validators_of_head().validators
        missing = [v.name for v in validators if v.public_key not in signed]
        self.events.certified(header.time_ms - previous.time_ms, missing)

    def _commit_block(self, payload: bytes, certificate: CommitCertificate) -> None:
        prepared = self.ledger.prepared(certificate.block_hash)
        try:
            if prepared is None:
                prepared = self.ledger.validate(payload, now_ms=None, drift_ms=0)
        except InvalidProposalError as error:
            raise ConsensusHaltedError(f"certified block does not execute: {error}") from None
        if prepared.block_hash != certificate.block_hash:
            raise ConsensusHaltedError("certified payload hashes to another block")
        self.ledger.commit(prepared, certificate)
        for evidence in prepared.block.evidence:
            self.evidence_pool.pop(evidence.hash(), None)

    async def _maybe_start_height(self, *, force: bool) -> None:
        held = self._held_start
        if held is None:
            return
        quiet_ms = self.clock.now_ms() - self._last_commit_ms
        has_work = len(self.mempool) > 0 or bool(self.evidence_pool)
        if force or has_work or quiet_ms >= self.settings.heartbeat_interval_ms:
            self._held_start = None
            await self._step(held)

    def add_evidence(self, evidence: Evidence) -> None:
        """Keep evidence for the next block this node proposes, and tell the peers."""
        key = evidence.hash()
        if key in self.evidence_pool:
            return
        self.evidence_pool[key] = evidence
        self.transport.broadcast(PeerKind.EVIDENCE, evidence.to_json())
        self.work_arrived()

    def _restart_replica_sync(
        self, signer_state: SignerState | None, highest_reported_height: int
    ) -> None:
        state, actions = start_replica(
            self.config,
            height=self.ledger.height + 1,
            validators=self.ledger.validators_for_next_height(),
            signer_state=signer_state,
            now_ms=self.clock.now_ms(),
            highest_reported_height=highest_reported_height,
            held_payloads=self.signer_file.load_payloads(),
        )
        self.replica = state
        self._held_start = None
        for action in actions:
            self._queue.put_nowait(_Deferred(action))

    async def run_in_worker(self, function: Callable[..., T], *args: object) -> T:
        """Run blocking ledger work on the single worker thread, after queued work."""
        return await self._in_worker(function, *args)

    async def _in_worker(self, function: Callable[..., T], *args: object) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._worker, function, *args)


def _unexpired(txs: tuple[SignedTx, ...], time_ms: int) -> tuple[SignedTx, ...]:
    """txs a block at time_ms may hold: none expired, nor any later nonce of its sender."""
    cut: set[PublicKey] = set()
    kept = []
    for signed in txs:
        if signed.tx.sender in cut or signed.tx.expires_at_ms < time_ms:
            cut.add(signed.tx.sender)
            continue
        kept.append(signed)
    return tuple(kept)
