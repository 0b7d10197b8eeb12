"""The driver loop: feeds the pure consensus engine and performs what it asks (STYLE.md §2).

One asyncio task takes events in order, runs the ledger work (and a consensus.step that
carries many signatures) on a single worker thread (so the event loop stays free for the
API and peer traffic), takes the other steps on the loop, and performs the actions in
list order: persist the signer state, then send (etcd-raft Ready order). A height starts
only when there is work: pending txs or evidence, a message for it from a peer, or
heartbeat_interval_ms of quiet (DESIGN.md §4). The loop is here; what it performs is in
node/block_actions.py (propose, validate, commit), node/engine_output.py (persist, send),
node/round_timer.py, node/height_pace.py, node/key_rotation.py, node/replica_start.py,
node/late_validation.py; its worker thread node/runtime_worker.py, its watchdog
node/liveness.py.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import TypeVar

from consensus import (
    Action,
    Broadcast,
    CommitApplied,
    CommitBlock,
    EngineConfig,
    Event,
    EvidenceFound,
    ForkDetected,
    MessageDropped,
    MessageReceived,
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
)
from consensus.ports import Ed25519Signer
from consensus.signer_state import SignerState
from node.block_actions import BlockActions, ConsensusHaltedError
from node.chain_events import ChainEvents
from node.engine_output import EngineOutput, SignerStateWriteError
from node.evidence_pool import EvidencePool
from node.height_pace import HeightPace
from node.key_rotation import SigningKeys
from node.late_validation import validate_later
from node.ledger import (
    ForkError,
    Ledger,
)
from node.liveness import stall_of
from node.mempool import Mempool
from node.metrics.consensus_observer import ConsensusObserver
from node.metrics.registry import STALL_REASONS
from node.proposal_outbox import ProposalOutbox
from node.replica_start import signed_so_far, start_at_head
from node.round_timer import RoundTimer
from node.runtime_items import Deferred, PeerReachable, Restart, RuntimeItem, StartCheck
from node.runtime_settings import Clock, RuntimeSettings
from node.runtime_worker import RuntimeWorker
from node.signer_file import DURABLE_WRITES, SignerStateFile
from node.storage.errors import StoreDamagedError
from node.transport import PeerTransport
from node.validator_keys import ValidatorKeys
from protocol.block import Block
from protocol.signing import SigningKey
from protocol.validators import ValidatorSet

log = logging.getLogger("lantan.runtime")

STORE_DAMAGED_HALT = "its store is damaged"
"""runtime.halted once the store met damage; /readyz's next problem says which and what to do."""

T = TypeVar("T")


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
        self.signing = SigningKeys(key, keys, reload_keys, transport)
        self.config = engine_config
        self.signer_file = signer_file
        self.transport = transport
        self.mempool = mempool
        self.events = events
        self.clock = clock
        self.settings = settings
        self.metrics = ledger.metrics
        self._observer = ConsensusObserver(self.metrics)
        self.replica: ReplicaState | None = None
        self.halted: str | None = None
        self._signed_above: int | None = None
        """The signer state's height at start, when above the chain + 1 (signed_above_chain)."""
        self.evidence_pool = EvidencePool(
            ledger=ledger,
            transport=transport,
            monotonic_ms=clock.monotonic_ms,
            items_max=settings.evidence_pool_max,
            offender_items_max=settings.evidence_offender_max,
            block_items_max=settings.block_evidence_max,
            on_pooled=self.work_arrived,
        )
        # Evidence a block records leaves the pool when the block is written, whichever
        # path wrote it (consensus or block sync), from the block in hand.
        ledger.on_commit.append(self._drop_recorded_evidence)
        self._regossip_task: asyncio.Task[None] | None = None
        self._queue: asyncio.Queue[RuntimeItem] = asyncio.Queue()
        self._worker = RuntimeWorker()
        self.proposals = ProposalOutbox(transport, ledger, signer_file)
        self.output = EngineOutput(
            ledger=ledger,
            signer_file=signer_file,
            transport=transport,
            proposals=self.proposals,
            clock=clock,
            run_in_worker=self.run_in_worker,
        )
        self.blocks = BlockActions(
            ledger=ledger,
            mempool=mempool,
            evidence_pool=self.evidence_pool,
            clock=clock,
            settings=settings,
            run_in_worker=self.run_in_worker,
            validate_later=self._validate_later,
        )
        self.pace = HeightPace(
            clock=clock, settings=settings, mempool=mempool, evidence_pool=self.evidence_pool
        )
        self._loop_task: asyncio.Task[None] | None = None
        self.loop_error: str | None = None
        """The exception that ended the loop, if it ever ends: the watchdog reports it."""
        self.commit_hooks: list[Callable[[], Awaitable[None]]] = []
        """Run on the event loop after every commit (mempool cleanup, checkpoint signing)."""
        self.heard_height = -1
        """The highest height of a consensus message a peer sent (block sync's pace)."""
        self.timer = RoundTimer(clock, self._queue.put_nowait)
        """The round timeouts; the node sets timer.quorum_reachable from block sync's polls."""
        self.catching_up: Callable[[], bool] = lambda: False
        """Whether block sync is catching up (SyncState.catching_up; the node wires it): the
        watchdog reports no no_progress meanwhile (HeightPace.no_progress)."""
        self.on_signer_write_failure: Callable[[SignerStateWriteError], None] | None = None
        """Told after the halt for a refused signer-state write (the server exits: a restart
        reads the signer state that is on disk)."""

    # --- lifecycle -----------------------------------------------------------------------

    async def start(self, *, highest_reported_height: int = 0) -> None:
        """Start the replica at the ledger's head + 1 and the event loop task."""
        signer_state = await self._worker.run(self.signer_file.load)
        self.output.signer_on_disk = signer_state
        self._restart_replica_sync(signer_state, highest_reported_height)
        log.info(
            "consensus starts at height %d; %s",
            self.ledger.height + 1,
            signed_so_far(signer_state),
            extra={"height": self.ledger.height + 1},
        )
        chain = max(highest_reported_height, self.ledger.height)
        signed = None if signer_state is None or signer_state.step is None else signer_state
        if signed is not None and signed.height > chain + 1:
            self._signed_above = signed.height
            log.critical("%s", self.signed_above_chain(), extra={"height": chain + 1})
        self._loop_task = asyncio.create_task(self._run())
        self._regossip_task = asyncio.create_task(self.evidence_pool.regossip_loop())

    async def stop(self) -> None:
        for task in (self._loop_task, self._regossip_task):
            if task is not None:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
        self._worker.shutdown()
        self.proposals.shutdown()

    def submit(self, item: RuntimeItem) -> None:
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
        self._queue.put_nowait(PeerReachable(url))

    def work_arrived(self) -> None:
        """A tx or evidence entered the pools: the held height may start."""
        if self.pace.held is not None:
            self._queue.put_nowait(StartCheck())

    def ledger_advanced(self, applied: int) -> None:
        """Block sync applied blocks: restart the replica at the new head; for the watchdog
        a catch-up is progress (HeightPace.synced)."""
        self.pace.synced(applied)
        self._queue.put_nowait(Restart())

    # --- the loop ------------------------------------------------------------------------

    async def _run(self) -> None:
        try:
            while True:
                item = await self._queue.get()
                damage = self.ledger.store.damage
                if self.halted is None and damage is not None:
                    self._halt_on_damage(damage)  # met by another reader (an HTTP route)
                if self.halted is not None:
                    continue
                await self._contained(item)
        except asyncio.CancelledError:
            raise
        except BaseException as error:
            self.loop_error = f"{type(error).__name__}: {error}"
            log.critical("consensus loop ended: %s", self.loop_error)
            raise

    async def _contained(self, item: RuntimeItem) -> None:
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
        except StoreDamagedError as error:
            self._halt_on_damage(error)
        except Exception as error:
            name = type(item).__name__
            if isinstance(item, Deferred):
                name = type(item.action).__name__
            self.metrics.event_error(name)
            # The node's log filter (node/logs.py) keeps a flood of these to a few lines.
            log.exception("event %s failed: %s", name, error)
            self._restart_if_commit_lost()

    def _halt_on_damage(self, error: StoreDamagedError) -> None:
        """The store met damage (node/storage/checked_reads.py): nothing more is executed,
        committed or signed on it. /readyz names the damage and what to do (node/readiness.py);
        the log says it once, here."""
        self.halted = STORE_DAMAGED_HALT
        log.critical("consensus halted: %s", error)

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
            self.submit(Restart())

    async def _process(self, item: RuntimeItem) -> None:
        if isinstance(item, StartCheck):
            await self._maybe_start_height(force=False)
            return
        if isinstance(item, Restart):
            self._restart_replica_sync(self.replica.signer if self.replica else None, 0)
            return
        if isinstance(item, Deferred):
            await self._perform(item.action)
            return
        if isinstance(item, PeerReachable):
            self.output.send_own_round(item.url, self.replica)
            tick = self.timer.resume() if self.replica is not None else None
            if tick is not None:
                await self._step(tick)
            return
        held = self.pace.held
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
        state, actions = await self._worker.step_engine(replica, event)
        self.replica = state
        self._observer.stepped(state, actions)
        writes = 0  # the engine puts a step's durable writes first (persist, then send)
        while writes < len(actions) and isinstance(actions[writes], DURABLE_WRITES):
            writes += 1
        if writes:
            await self.output.persist(actions[:writes])
        for action in actions[writes:]:
            await self._perform(action)
        if isinstance(event, (ProposalSubmitted, ProposalValidated)):
            self.proposals.prewrite(event.block_hash)

    async def _perform(self, action: Action) -> None:
        if isinstance(action, DURABLE_WRITES):
            await self.output.persist([action])
        elif isinstance(action, Send):
            self.output.send(action)
        elif isinstance(action, Broadcast):
            self.output.broadcast(action)
        elif isinstance(action, ScheduleTimeout):
            self.timer.schedule(action.deadline_ms)
        elif isinstance(action, RequestProposal):
            await self._propose(action)
        elif isinstance(action, ValidateProposal):
            await self._validate(action)
        elif isinstance(action, CommitBlock):
            await self._commit(action)
        elif isinstance(action, EvidenceFound):
            self.evidence_pool.add(action.evidence)
        elif isinstance(action, ForkDetected):
            # Not raised: the rest of this step still answers the peer with our certificate.
            self.halted = f"conflicting certificate for height {action.height}"
            log.critical("consensus halted: %s", self.halted)
        elif isinstance(action, ProposalRefused):
            self.blocks.refused(action)
        elif isinstance(action, MessageDropped):
            self._dropped(action)

    # --- actions -------------------------------------------------------------------------

    def _dropped(self, action: MessageDropped) -> None:
        """Count a message the engine dropped. A bound's drop is only counted (peers rounds
        apart reach them, and a flood would flood the log too); a hostile one (a forged
        signature, a stranger's vote, a bad certificate) also gets a warning naming the
        peer that sealed it, through the log's rate limit (node/logs.py)."""
        self.metrics.message_dropped(action.reason)
        if action.reason.hostile:
            log.warning(
                "dropped consensus message (%s) of height %d sent by peer %s",
                action.reason.value,
                action.height,
                action.sender.hex()[:16],
                extra={"reason": action.reason.value},  # the rate limit's budget per reason
            )

    async def _propose(self, action: RequestProposal) -> None:
        submitted = await self.blocks.propose(action, self.key.public_key)
        if submitted is not None:
            self.submit(submitted)

    async def _validate(self, action: ValidateProposal) -> None:
        validated = await self.blocks.validate(action)
        if validated is not None:
            self.submit(validated)

    def _validate_later(self, action: ValidateProposal, wait_ms: int) -> None:
        validate_later(action, wait_ms, lambda: self.replica, self._queue.put_nowait)

    async def _commit(self, action: CommitBlock) -> None:
        next_validators = await self.blocks.commit(action)
        if self.replica is not None:
            await self.signing.reload_if_rotated(
                self.replica.validators, next_validators, self.run_in_worker
            )
        self.pace.committed(CommitApplied(height=action.height, next_validators=next_validators))
        self._adopt_key_for(next_validators)
        self.events.committed(self.ledger.height)
        # One turn of the loop first: the API's long-polls waiting on this commit answer
        # now, not after the hooks' CPU work (mempool cleanup, the checkpoint's root).
        await asyncio.sleep(0)
        for hook in self.commit_hooks:
            await hook()
        loop = asyncio.get_running_loop()
        loop.call_later(self.settings.heartbeat_interval_ms / 1000, self.submit, StartCheck())
        await self._maybe_start_height(force=False)

    def _drop_recorded_evidence(self, block: Block) -> None:
        self.evidence_pool.recorded(block.header.height, block.evidence)

    async def _maybe_start_height(self, *, force: bool) -> None:
        held = self.pace.take_due(force=force)
        if held is not None:
            # The engine's clock moves only on a Tick, and a decided height has no timer
            # left to tick: without this one, a height started after a quiet spell would
            # schedule round 0's timeouts in the past, and every node would skip round 0.
            await self._step(Tick(now_ms=self.clock.now_ms()))
            await self._step(held)

    def signed_above_chain(self) -> str | None:
        """/readyz's problem while the signer state names a height this key signed above
        the chain (and any peer's head at start): the engine will not sign below it, so
        the validator is silent until the chain gets there. A digit changed in the file
        left one silent for thousands of heights while every status said ready and voting
        (stop 56's chaos pass); no chain can have asked this key to sign above its head."""
        signed = self._signed_above
        if signed is None or self.ledger.height + 1 >= signed:
            self._signed_above = None
            return None
        return (
            f"signer state: this key signed at height {signed}, the chain is at "
            f"{self.ledger.height}: it votes again only above {signed}. No chain here reached "
            "that height: the file is damaged or another network's (docs/OPERATIONS.md "
            '"The signer state")'
        )

    def stalled(self) -> str | None:
        """Why consensus is not live, for /readyz; None when it is. Sets the metric too.

        The loop ended (loop_dead), or it has work (txs or evidence) and has not committed
        for stall_after_ms (no_progress) while not catching up. An idle chain is live:
        heights start on work.
        """
        reason, detail = stall_of(
            self._loop_task,
            self.loop_error,
            self.halted,
            lambda: self.pace.no_progress(catching_up=self.catching_up()),
        )
        for name in STALL_REASONS:
            self.metrics.set_consensus_stalled(name, name == reason)
        return detail

    def _restart_replica_sync(
        self, signer_state: SignerState | None, highest_reported_height: int
    ) -> None:
        validators = self.ledger.validators_for_next_height()
        self._adopt_key_for(validators)
        self.replica, actions = start_at_head(
            self.config,
            self.ledger,
            self.signer_file,
            validators=validators,
            signer_state=signer_state,
            now_ms=self.clock.now_ms(),
            highest_reported_height=highest_reported_height,
        )
        self.pace.held = None
        for action in actions:
            self._queue.put_nowait(Deferred(action))

    def _adopt_key_for(self, validators: ValidatorSet) -> None:
        """Sign the next height with the key its set holds (a rotation: ADR 0022)."""
        key = self.signing.adopt_for(validators, self.ledger.height + 1)
        if key is None:
            return
        self.config = replace(self.config, signer=Ed25519Signer(key))
        if self.replica is not None:
            self.replica = replace(self.replica, config=self.config)

    @property
    def key(self) -> SigningKey:
        """The key that signs the height being decided (SigningKeys.key)."""
        return self.signing.key

    async def run_in_worker(self, function: Callable[..., T], *args: object) -> T:
        """Run blocking ledger work on the single worker thread, after queued work."""
        return await self._worker.run(function, *args)
