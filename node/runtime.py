"""The driver loop: feeds the pure consensus engine and performs what it asks (STYLE.md §2).

One asyncio task takes events in order, runs the ledger work (and a consensus.step that
carries many signatures) on a single worker thread (so the event loop stays free for the
API and peer traffic), takes the other steps on the loop, and performs the actions in
list order: persist the signer state, then send (etcd-raft Ready order). A height starts
only when there is work: pending txs or evidence, a message for it from a peer, or
heartbeat_interval_ms of quiet (DESIGN.md §4).
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import TypeVar

from consensus import (
    Action,
    Broadcast,
    CommitApplied,
    CommitBlock,
    CommitMessage,
    EngineConfig,
    Event,
    EvidenceFound,
    ForkDetected,
    MessageDropped,
    MessageReceived,
    PersistSignerState,
    ProposalMessage,
    ProposalRefused,
    ProposalSubmitted,
    ProposalValidated,
    ReplicaState,
    RequestProposal,
    ScheduleTimeout,
    Send,
    Step,
    Tick,
    ValidateProposal,
    message_height,
    message_to_json,
    own_round_messages,
    signatures_carried,
    start_replica,
    step,
)
from consensus.ports import Ed25519Signer
from consensus.signer_state import SignerState
from contracts.errors import ContractError
from node.block_answers import BlockAnswers
from node.chain_events import ChainEvents
from node.evidence_pool import EvidencePool, Pooled
from node.ledger import (
    ForkError,
    InvalidProposalError,
    Ledger,
    PreparedBlock,
)
from node.mempool import Mempool
from node.metrics.consensus_observer import ConsensusObserver
from node.metrics.registry import STALL_REASONS
from node.peer_envelope import PeerKind
from node.proposal_builder import build_block, unexpired
from node.proposal_outbox import ProposalOutbox
from node.runtime_settings import Clock, RuntimeSettings
from node.signer_file import DURABLE_WRITES, SignerStateFile
from node.test_hooks import exit_after_precommit_hook
from node.transport import PeerTransport
from node.validator_keys import ValidatorKeys
from protocol.block import Block
from protocol.block_check import BlockProblemKind
from protocol.evidence import Evidence
from protocol.hashing import Hash32
from protocol.signing import SigningKey
from protocol.tx import SignedTx
from protocol.validators import ValidatorSet
from protocol.votes import CommitCertificate

log = logging.getLogger("lantan.runtime")
T = TypeVar("T")
INLINE_SIGNATURES_MAX = 16
"""An event carrying at most this many signatures (about a millisecond of Ed25519) is
stepped on the event loop; one carrying more (a batch of certificates, a large set's
commit) on the worker thread."""
AHEAD_WAIT_MS_MAX = 60_000
"""A proposal ahead of this node's clock by more than max_clock_drift_ms is validated again
once the clock has caught up, if that is at most this far off; further ahead, it is
refused for the height (and the payload is not held that long)."""


@dataclass(frozen=True, slots=True)
class _StartCheck:
    """Internal: maybe start the held height (work arrived, or the heartbeat is due)."""


@dataclass(frozen=True, slots=True)
class _Restart:
    """Internal: the ledger moved on by block sync; restart the replica at its head."""


@dataclass(frozen=True, slots=True)
class _Deferred:
    """Internal: an action performed in the loop like any other: one of start_replica's,
    or a validation that waited for this node's clock (NodeRuntime._validate_when_due)."""

    action: Action


@dataclass(frozen=True, slots=True)
class _PeerReachable:
    """Internal: the peer at url answers again (block sync's poll: first contact, or back
    after it did not answer)."""

    url: str


_Item = Event | _StartCheck | _Restart | _Deferred | _PeerReachable


class ConsensusHaltedError(Exception):
    """A certified block does not execute here: stop signing and fail /readyz."""


class SignerStateWriteError(ConsensusHaltedError):
    """The signer state, or a payload it names, was not written (a full disk, an I/O error):
    what the step signed may never leave, so the node stops signing."""


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
        keys: ValidatorKeys | None = None,
        reload_keys: Callable[[], ValidatorKeys] | None = None,
    ) -> None:
        self.ledger = ledger
        self.key = key
        self.keys = keys or ValidatorKeys((key,))
        """key is the one of keys that signs the height being decided (ADR 0022)."""
        self.reload_keys = reload_keys
        """Reads the keystores again: a pending key written while the node runs."""
        self.config = engine_config
        self.signer_file = signer_file
        self.transport = transport
        self.mempool = mempool
        self.events = events
        self.clock = clock
        self.settings = settings
        self.metrics = ledger.metrics
        self.block_answers = BlockAnswers()
        self._observer = ConsensusObserver(self.metrics)
        self.replica: ReplicaState | None = None
        self.halted: str | None = None
        self.evidence_pool = EvidencePool(
            ledger=ledger,
            key=key,
            transport=transport,
            now_ms=clock.now_ms,
            items_max=settings.evidence_pool_max,
            offender_items_max=settings.evidence_offender_max,
            block_items_max=settings.block_evidence_max,
            on_pooled=self.work_arrived,
        )
        # Evidence a block records leaves the pool when the block is written, whichever
        # path wrote it (consensus or block sync), from the block in hand.
        ledger.on_commit.append(self._drop_recorded_evidence)
        self._regossip_task: asyncio.Task[None] | None = None
        self._queue: asyncio.Queue[_Item] = asyncio.Queue()
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lantan-worker")
        self.proposals = ProposalOutbox(transport, ledger, signer_file)
        self._held_start: CommitApplied | None = None
        self._last_commit_ms = clock.now_ms()
        self._loop_task: asyncio.Task[None] | None = None
        self.loop_error: str | None = None
        """The exception that ended the loop, if it ever ends: the watchdog reports it."""
        self.commit_hooks: list[Callable[[], Awaitable[None]]] = []
        """Run on the event loop after every commit (mempool cleanup, checkpoint signing)."""
        self.heard_height = -1
        """The highest height of a consensus message a peer sent (block sync's pace)."""
        self.quorum_reachable: Callable[[], bool] = lambda: True
        """Whether q - 1 peers answer now (the node sets it from block sync's polls). While
        not, round timeouts are held (see _tick_at)."""
        self._held_tick_ms: int | None = None
        """A round timeout that came due while too few peers answered, held until they do."""
        self.on_signer_write_failure: Callable[[SignerStateWriteError], None] | None = None
        """Told after the halt for a refused signer-state write (the server exits: a restart
        reads the signer state that is on disk)."""
        self._signer_on_disk: SignerState | None = None
        """The signer state last read or written: what a crash would leave."""

    # --- lifecycle -----------------------------------------------------------------------

    async def start(self, *, highest_reported_height: int = 0) -> None:
        """Start the replica at the ledger's head + 1 and the event loop task."""
        signer_state = await self._in_worker(self.signer_file.load)
        self._signer_on_disk = signer_state
        self._restart_replica_sync(signer_state, highest_reported_height)
        log.info(
            "consensus starts at height %d; %s",
            self.ledger.height + 1,
            _signed_so_far(signer_state),
            extra={"height": self.ledger.height + 1},
        )
        self._loop_task = asyncio.create_task(self._run())
        self._regossip_task = asyncio.create_task(self.evidence_pool.regossip_loop())

    async def stop(self) -> None:
        for task in (self._loop_task, self._regossip_task):
            if task is not None:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
        self._worker.shutdown(wait=True)
        self.proposals.shutdown()

    def submit(self, item: _Item) -> None:
        """Queue an event from the transport, a timer or the API."""
        self._queue.put_nowait(item)

    def note_heard(self, height: int) -> None:
        """A peer spoke of this height in an authenticated consensus message (block sync's
        pace, node/sync_pace.py); also called for messages too far ahead to be queued."""
        self.heard_height = max(self.heard_height, height)

    def forget_heard(self) -> None:
        """After a poll of every peer: what they answered is the newer word on how far
        ahead they are. A height only heard stayed for good before, so one signed vote of
        height 2**53 - 1 (a hostile validator's) kept block sync polling twice a second."""
        self.heard_height = -1

    def deliver(self, received: MessageReceived) -> bool:
        """Queue a peer's consensus message; False (dropped) when the queue is full."""
        self.note_heard(message_height(received.message))
        if self._queue.qsize() >= self.settings.queue_peer_messages_max:
            return False
        self._queue.put_nowait(received)
        return True

    def peer_reachable(self, url: str) -> None:
        """The peer at url answers again (first contact, or back after it did not): it
        missed what we sent meanwhile, so it gets our own messages of the current round now
        rather than at the next retransmission (up to retransmit_ms later). At start, the
        first node up proposes before its peers listen; this spares round 0 that wait."""
        self._queue.put_nowait(_PeerReachable(url))

    def work_arrived(self) -> None:
        """A tx or evidence entered the pools: the held height may start."""
        if self._held_start is not None:
            self._queue.put_nowait(_StartCheck())

    def ledger_advanced(self) -> None:
        """Block sync applied blocks: restart the replica at the new head."""
        self._queue.put_nowait(_Restart())

    # --- the loop ------------------------------------------------------------------------

    async def _run(self) -> None:
        try:
            while True:
                item = await self._queue.get()
                if self.halted is not None:
                    continue
                await self._contained(item)
        except asyncio.CancelledError:
            raise
        except BaseException as error:
            self.loop_error = f"{type(error).__name__}: {error}"
            log.critical("consensus loop ended: %s", self.loop_error)
            raise

    async def _contained(self, item: _Item) -> None:
        """Process one item; an error is contained to it (DESIGN.md §0.3).

        A bug or a hostile input in one event must neither stop the loop nor be retried
        forever: it is logged (rate-limited), counted, and the engine's timeouts move the
        round on. Only a certified block that does not execute here halts, on purpose.
        """
        try:
            await self._process(item)
        except (ConsensusHaltedError, ForkError) as error:
            self.halted = str(error)
            log.critical("consensus halted: %s", error)
            if isinstance(error, SignerStateWriteError) and self.on_signer_write_failure:
                self.on_signer_write_failure(error)
        except Exception as error:
            name = type(item).__name__
            if isinstance(item, _Deferred):
                name = type(item.action).__name__
            self.metrics.event_error(name)
            # The node's log filter (node/logs.py) keeps a flood of these to a few lines.
            log.exception("event %s failed: %s", name, error)
            self._restart_if_commit_lost()

    def _restart_if_commit_lost(self) -> None:
        """After a failed event: if it was the commit of a decided block, restart the replica
        at the ledger's head, signer state kept, so it decides that height again.

        A replica in COMMITTING takes no certificate and starts nothing until CommitApplied;
        block sync only moves a node two heights behind a peer. With q = n - 1 (n=4 with one
        silent validator) nobody gets two heights ahead of it, so the network would stop.
        """
        replica = self.replica
        if replica is None or replica.step is not Step.COMMITTING:
            return
        if replica.height > self.ledger.height:
            log.warning("height %d: the commit failed; deciding it again", replica.height)
            self.submit(_Restart())

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
        if isinstance(item, _PeerReachable):
            self._send_own_round(item.url)
            if (
                self._held_tick_ms is not None
                and self.replica is not None
                and self.quorum_reachable()
            ):
                log.info("round timeouts resumed: q - 1 peers answer")
                due_ms, self._held_tick_ms = self._held_tick_ms, None
                await self._step(Tick(now_ms=max(due_ms, self.clock.now_ms())))
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
        if signatures_carried(replica, event) <= INLINE_SIGNATURES_MAX:
            # A step is pure and mostly takes well under a millisecond (a vote's or a
            # proposal's signature check and header hash, a tick's timers). Taken here, it
            # does not wait for a worker trip queued behind a block's execution or an
            # fsync, nor twice for the GIL (to the worker and back): under load each trip
            # cost 1-6 ms, and a height's path has about six steps on it.
            state, actions = step(replica, event)
        else:
            state, actions = await self._in_worker(step, replica, event)
        self.replica = state
        self._observer.stepped(state, actions)
        writes = 0  # the engine puts a step's durable writes first (persist, then send)
        while writes < len(actions) and isinstance(actions[writes], DURABLE_WRITES):
            writes += 1
        if writes:
            await self._persist(actions[:writes])
        for action in actions[writes:]:
            await self._perform(action)
        if isinstance(event, (ProposalSubmitted, ProposalValidated)):
            self.proposals.prewrite(event.block_hash)

    async def _perform(self, action: Action) -> None:
        if isinstance(action, DURABLE_WRITES):
            await self._persist([action])
        elif isinstance(action, Send):
            # A block goes to one peer at most once a second, however often it asks
            # (node/block_answers.py): asks cost a Byzantine peer a signature, answers us a
            # block's encoding and signing here on the loop.
            if self.block_answers.allow(action.to, action.message, self.clock.now_ms() / 1000):
                self.transport.send(action.to, PeerKind.CONSENSUS, message_to_json(action.message))
        elif isinstance(action, Broadcast) and isinstance(action.message, ProposalMessage):
            self.proposals.broadcast(action.message)
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
        elif isinstance(action, ProposalRefused):
            # At most one a round: only the round's proposer can sign one.
            self.metrics.proposal_refused("payload_mismatch")
            log.warning(
                "proposal of round %d refused: its payload does not hash to block %s, and "
                "proposer %s signed it",
                action.round,
                action.block_hash.hex()[:16],
                action.proposer.hex()[:16],
                extra={"height": action.height, "round": action.round},
            )
        elif isinstance(action, MessageDropped):
            # Counted, not logged: a flood would flood the log too.
            self.metrics.message_dropped(action.reason)

    async def _persist(self, writes: Sequence[Action]) -> None:
        """Perform durable writes in their order (the payloads a new lock names, then the
        signer state naming them) in one trip to the worker: a lock's two writes each made
        a trip of their own, and under load a trip cost 1-6 ms besides the fsyncs."""
        try:
            await self._in_worker(self.signer_file.perform, writes)
        except OSError as error:
            # The replica already holds what this step signed, and retransmit sends a
            # round's own votes again without a new write: sent, they would be on no disk,
            # and a restart could sign the other way (DESIGN.md §4). Nothing more may leave.
            raise SignerStateWriteError(f"signer state not written: {error}") from None
        for write in writes:
            if isinstance(write, PersistSignerState):
                self._signer_on_disk = write.signer_state
                exit_after_precommit_hook(self.ledger.height, write.signer_state)

    def _send_own_round(self, url: str) -> None:
        """Send our own messages of the current round to the peer at url, the same signed
        messages retransmit sends (consensus.own_round_messages), through the transport's
        bounded queue. Only when the signer state they come from is on disk: a restart
        queues its signer state write behind the items already waiting, and nothing may
        leave before the write that records its signature (persist, then send)."""
        replica = self.replica
        if replica is None or replica.signer != self._signer_on_disk:
            return
        for message in own_round_messages(replica):
            self.transport.send_to_address(url, PeerKind.CONSENSUS, message_to_json(message))

    # --- actions -------------------------------------------------------------------------

    def _schedule_tick(self, deadline_ms: int) -> None:
        delay_s = max(0, deadline_ms - self.clock.now_ms()) / 1000
        loop = asyncio.get_running_loop()
        loop.call_later(delay_s, self._tick_at, deadline_ms)

    def _tick_at(self, deadline_ms: int) -> None:
        if not self.quorum_reachable():
            # Without q - 1 peers no round can decide, and a round timeout would only move
            # this replica to the next round, alone. A validator that ran alone for a while
            # (a network brought back one node at a time) had counted rounds up to where
            # its peers, starting at round 0, took as long to follow: two of three
            # validators ran ~100 s without a block after 20 s alone (n=3 needs two
            # senders to skip a round, docs/CONSENSUS.md). Held, it stays in its round
            # until a peer answers (_process, _PeerReachable). Timeouts are liveness only:
            # holding one signs nothing and breaks no rule of safety.
            if self._held_tick_ms is None:
                log.info("round timeouts held: fewer than q - 1 peers answer")
            self._held_tick_ms = deadline_ms
            return
        self._queue.put_nowait(Tick(now_ms=max(deadline_ms, self.clock.now_ms())))

    async def _propose(self, action: RequestProposal) -> None:
        if action.height != self.ledger.height + 1:
            return
        time_ms = max(self.clock.now_ms(), self.ledger.head().time_ms + 1)
        taken = self.mempool.take(self.settings.block_txs_max, self.settings.block_bytes_max)
        txs = unexpired(taken, time_ms)
        pooled = self.evidence_pool.items()
        prepared, dropped, stale = await self._in_worker(self._build_proposal, txs, pooled, time_ms)
        self.mempool.discard(dropped)
        self.evidence_pool.drop(stale)
        self.submit(
            ProposalSubmitted(
                height=action.height,
                round=action.round,
                block_hash=prepared.block_hash,
                payload=prepared.payload,
            )
        )

    def _build_proposal(
        self, txs: tuple[SignedTx, ...], pooled: Pooled, time_ms: int
    ) -> tuple[PreparedBlock, list[Hash32], list[bytes]]:
        """On the worker: choose the evidence, then build. Also returns the pool keys of
        evidence no longer recordable, for the event loop to drop from the pool."""
        evidence, stale = self.evidence_pool.for_block(pooled)
        prepared, dropped = build_block(
            self.ledger, txs=txs, evidence=evidence, time_ms=time_ms, proposer=self.key.public_key
        )
        return prepared, dropped, stale

    def _validate_when_due(self, action: ValidateProposal, error: InvalidProposalError) -> bool:
        """A block refused only for being ahead of our clock (TIME_AHEAD, first in
        check_header's order after the links) is not invalid for good: validate it again
        once our clock has caught up, and answer nothing until then (ADR 0040). The engine
        prevotes nil on its propose timeout meanwhile, as on a refusal, but valid(v) is
        asked once a height: answered "invalid", a validator whose clock lags refused the
        block for the whole height, also at line 28 and at the decision, after its clock
        had passed it (a halt at n=3 with one more fault). False: refuse it now."""
        problem = error.problem
        if problem is None or problem.kind is not BlockProblemKind.TIME_AHEAD:
            return False
        assert isinstance(problem.claimed, int)
        wait_ms = problem.claimed - self.settings.max_clock_drift_ms - self.clock.now_ms()
        if wait_ms > AHEAD_WAIT_MS_MAX:
            return False
        self.metrics.proposal_refused("ahead")
        # Operators grep for "time_ms is N ms ahead" (docs/RELIABILITY.md): keep its words.
        log.warning("proposal %d/%d waits for this clock: %s", action.height, action.round, error)
        loop = asyncio.get_running_loop()
        # The timer holds no payload: the engine holds the block while its height lasts.
        loop.call_later(max(wait_ms, 1) / 1000, self._validate_due, replace(action, payload=b""))
        return True

    def _validate_due(self, action: ValidateProposal) -> None:
        """The validation _validate_when_due put off, queued with the payload the engine
        holds; dropped if the engine no longer holds the block (its height is over)."""
        replica = self.replica
        if replica is None or replica.height != action.height:
            return
        payload = replica.blocks.get(action.block_hash)
        if payload is not None:
            self._queue.put_nowait(_Deferred(replace(action, payload=payload)))

    async def _validate(self, action: ValidateProposal) -> None:
        valid = self.ledger.prepared(action.block_hash) is not None
        refused = None if valid else "not_next"
        if not valid and action.height == self.ledger.height + 1:
            try:
                prepared = await self._in_worker(
                    lambda: self.ledger.validate(
                        action.payload,
                        now_ms=self.clock.now_ms(),
                        drift_ms=self.settings.max_clock_drift_ms,
                    )
                )
                valid = prepared.block_hash == action.block_hash
                refused = None if valid else "other_block"
            except InvalidProposalError as error:
                if self._validate_when_due(action, error):
                    return
                refused = "invalid"
                log.warning("proposal %d/%d invalid: %s", action.height, action.round, error)
        if refused is not None:
            self.metrics.proposal_refused(refused)
        self.submit(
            ProposalValidated(
                height=action.height, round=action.round, block_hash=action.block_hash, valid=valid
            )
        )

    async def _commit(self, action: CommitBlock) -> None:
        if action.height > self.ledger.height + 1:
            raise ConsensusHaltedError(f"asked to commit {action.height} above the ledger")
        # The height check happens in the worker, beside the write: block sync may have
        # committed this height in between, which makes this commit a no-op.
        await self._in_worker(self._commit_block, action.payload, action.certificate)
        next_validators = self.ledger.validators_for_next_height()
        await self._reload_keys_if_rotated(next_validators)
        self._held_start = CommitApplied(height=action.height, next_validators=next_validators)
        self._adopt_key_for(next_validators)
        self._last_commit_ms = self.clock.now_ms()
        self.events.committed(self.ledger.height)
        # One turn of the loop first: the API's long-polls waiting on this commit answer
        # now, not after the hooks' CPU work (mempool cleanup, the checkpoint's root).
        await asyncio.sleep(0)
        for hook in self.commit_hooks:
            await hook()
        loop = asyncio.get_running_loop()
        loop.call_later(self.settings.heartbeat_interval_ms / 1000, self.submit, _StartCheck())
        await self._maybe_start_height(force=False)

    def _commit_block(self, payload: bytes, certificate: CommitCertificate) -> None:
        try:
            self.ledger.commit_certified(payload, certificate, check_certificate=False)
        except (InvalidProposalError, ContractError) as error:
            raise ConsensusHaltedError(f"certified block does not execute: {error}") from None

    def _drop_recorded_evidence(self, block: Block) -> None:
        self.evidence_pool.drop(evidence.hash() for evidence in block.evidence)

    async def _maybe_start_height(self, *, force: bool) -> None:
        held = self._held_start
        if held is None:
            return
        quiet_ms = self.clock.now_ms() - self._last_commit_ms
        has_work = len(self.mempool) > 0 or bool(self.evidence_pool)
        if force or has_work or quiet_ms >= self.settings.heartbeat_interval_ms:
            self._held_start = None
            # The engine's clock moves only on a Tick, and a decided height has no timer
            # left to tick: without this one, a height started after a quiet spell would
            # schedule round 0's timeouts in the past, and every node would skip round 0.
            await self._step(Tick(now_ms=self.clock.now_ms()))
            await self._step(held)

    # The peer intake (node/peering.py, node/api/routes/peer.py) reaches the pool here.

    def add_evidence(self, evidence: Evidence) -> bool:
        """Check evidence found here, then pool it (EvidencePool.add)."""
        return self.evidence_pool.add(evidence)

    def evidence_problem(self, evidence: Evidence) -> str | None:
        """Why evidence may not be pooled now, or None (EvidencePool.problem)."""
        return self.evidence_pool.problem(evidence)

    def pool_evidence(self, evidence: Evidence) -> bool:
        """Pool checked evidence and tell the peers (EvidencePool.pool)."""
        return self.evidence_pool.pool(evidence)

    def stalled(self) -> str | None:
        """Why consensus is not live, for /readyz; None when it is. Sets the metric too.

        The loop ended (loop_dead), or it has work (txs or evidence) and has not committed
        for stall_after_ms (no_progress). An idle chain is live: heights start on work.
        """
        reason, detail = self._stall()
        for name in STALL_REASONS:
            self.metrics.set_consensus_stalled(name, name == reason)
        return detail

    def _stall(self) -> tuple[str | None, str | None]:
        if self._loop_task is None:
            return None, None  # not started yet: catching up (readiness says so)
        if self.loop_error is not None or self._loop_task.done():
            return "loop_dead", f"consensus loop stopped: {self.loop_error or 'task ended'}"
        if self.halted is not None:
            return None, None  # reported as halted
        quiet_ms = self.clock.now_ms() - self._last_commit_ms
        has_work = len(self.mempool) > 0 or bool(self.evidence_pool)
        if has_work and quiet_ms >= self.settings.stall_after_ms:
            return "no_progress", f"no progress: no commit for {quiet_ms // 1000} s with work"
        return None, None

    def _restart_replica_sync(
        self, signer_state: SignerState | None, highest_reported_height: int
    ) -> None:
        validators = self.ledger.validators_for_next_height()
        self._adopt_key_for(validators)
        state, actions = start_replica(
            self.config,
            height=self.ledger.height + 1,
            validators=validators,
            signer_state=signer_state,
            now_ms=self.clock.now_ms(),
            highest_reported_height=highest_reported_height,
            recent_commits=self._recent_commits(),
            held_payloads=self.signer_file.load_payloads(),
        )
        self.replica = state
        self._held_start = None
        for action in actions:
            self._queue.put_nowait(_Deferred(action))

    def _recent_commits(self) -> dict[int, CommitMessage]:
        """The stored decisions of the last heights the engine keeps, so a restarted replica
        can push them to a peer still working on one of them (a peer stopped one block
        behind had waited forever: block sync leaves that height to consensus)."""
        stored = self.ledger.recent_commits(self.config.decisions_kept)
        return {h: CommitMessage(certificate=c, payload=p) for h, (p, c) in stored.items()}

    async def _reload_keys_if_rotated(self, next_validators: ValidatorSet) -> None:
        """Read the keystores again once this node's key was rotated out of the next set
        (ValidatorKeys.rotated_out), so a pending key the operator wrote after the node
        started is used (ADR 0022)."""
        replica = self.replica
        if self.reload_keys is None or replica is None:
            return
        if not self.keys.rotated_out(self.key.public_key, replica.validators, next_validators):
            return
        try:
            self.keys = await self._in_worker(self.reload_keys)
        except Exception as error:
            log.error("cannot read the pending keystore: %s", error)

    def _adopt_key_for(self, validators: ValidatorSet) -> None:
        """Sign the next height with the key its set holds (a rotation: ADR 0022).

        The signer state is the node's and carries over: its heights only grow, so the old
        key signs nothing at or above the swap height and the new key nothing below it.
        """
        key = self.keys.for_set(validators)
        if key.public_key == self.key.public_key:
            return
        log.warning(
            "validator key rotated: signing with %s from height %d (was %s)",
            key.public_key.hex()[:16],
            self.ledger.height + 1,
            self.key.public_key.hex()[:16],
        )
        self.key = key
        self.config = replace(self.config, signer=Ed25519Signer(key))
        if self.replica is not None:
            self.replica = replace(self.replica, config=self.config)
        self.transport.use_key(key)

    async def record_checkpoint(self, size: int, root: Hash32) -> bool:
        """SignerStateFile.record_checkpoint with the engine's signer state as it is when
        the worker runs it: persists run there in order and the state only moves forward,
        so the state written is never older than one already on disk, though the caller
        may be a height behind (node/checkpoint_signing.py)."""

        def record() -> bool:
            replica = self.replica
            assert replica is not None
            return self.signer_file.record_checkpoint(replica.signer, size, root)

        return await self._in_worker(record)

    async def run_in_worker(self, function: Callable[..., T], *args: object) -> T:
        """Run blocking ledger work on the single worker thread, after queued work."""
        return await self._in_worker(function, *args)

    async def _in_worker(self, function: Callable[..., T], *args: object) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._worker, function, *args)


def _signed_so_far(signer: SignerState | None) -> str:
    """The restart-recovery line: what the persisted signer state says this key signed."""
    if signer is None:
        return "no signer state: signing nothing until a commit above the peers' heights"
    if signer.step is None:
        return "this key has signed nothing yet"
    locked = "" if signer.locked_block is None else f", locked in round {signer.locked_round}"
    return f"last signed {signer.step.value} at {signer.height}/{signer.round}{locked}"
