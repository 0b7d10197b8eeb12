"""The simulated node around each replica's engine: it carries out the engine's actions in
order (persist, send, timers, build, validate, commit, evidence) and feeds the answers back
as events, as node/runtime.py does for the real node; it crashes and restarts a replica
from what it persisted. The Simulation (tests/simulation/simulator.py) decides when: the
network's deliveries, the timers, the fault plan and the adversaries.
"""

import heapq
from collections import deque
from dataclasses import replace

from consensus import (
    Action,
    Broadcast,
    CertificatesMessage,
    CommitApplied,
    CommitBlock,
    CommitMessage,
    EngineConfig,
    Event,
    EvidenceFound,
    ForkDetected,
    Message,
    MessageDropped,
    PersistPayload,
    PersistSignerState,
    ProposalRefused,
    ProposalSubmitted,
    ProposalValidated,
    RequestProposal,
    ScheduleTimeout,
    Send,
    SignerState,
    ValidateProposal,
    VerifySignature,
    held_blocks,
)
from protocol.evidence import Evidence
from protocol.lock_violation import LockViolationEvidence
from protocol.signing import PublicKey
from protocol.validators import ValidatorSet
from tests.fakes.manual_clock import ManualClock
from tests.fakes.sim_network import SimNetwork
from tests.kit.engine_config import engine_config, payload_hash
from tests.simulation.adversary import Adversary
from tests.simulation.canaries import Engine
from tests.simulation.evidence_gossip import EvidencePools
from tests.simulation.payloads import check_payloads_obtainable
from tests.simulation.replica import Replica
from tests.simulation.safety import SafetyChecker
from tests.simulation.scenario import Scenario
from tests.simulation.sim_config import (
    CHAIN_ID,
    SimOptions,
    SimStats,
    payload_is_valid,
)
from tests.simulation.sim_keys import SetSchedule


class ReplicaDriver:
    """The replicas' nodes of one run; Simulation sets every attribute and runs the loop."""

    scenario: Scenario
    options: SimOptions
    engine: Engine
    clock: ManualClock
    stats: SimStats
    network: SimNetwork
    verify: VerifySignature
    public_keys: dict[int, PublicKey]
    sets: SetSchedule
    replicas: dict[str, Replica]
    names_by_key: dict[bytes, list[str]]
    checker: SafetyChecker
    evidence_offenders: set[int]
    evidence_pools: EvidencePools
    adversaries: dict[str, Adversary]
    proposals_refused: int
    """ProposalRefused actions (honest replicas send none: a run expects 0)."""

    def validators_at(self, height: int) -> ValidatorSet:
        return self.sets.validators_at(height)

    def engine_config(self, replica: Replica) -> EngineConfig:
        return engine_config(CHAIN_ID, replica.signer, self.verify, self.options.timeouts)

    # ----------------------------------------------------------------- crash and restart

    def _crash(self, replica: Replica) -> None:
        if replica.state is None:
            return
        replica.state = None
        replica.timers = []
        self.evidence_pools.forget(replica.name)
        self.stats.crashes += 1

    def _restart(self, replica: Replica, *, lose_signer_state: bool) -> None:
        if replica.state is not None:
            return
        signer_state: SignerState | None = replica.persisted
        reported = max(
            (r.state.height for r in self.replicas.values() if r.state is not None), default=0
        )
        if lose_signer_state:
            signer_state = None
            replica.persisted_payloads = {}
            self.stats.restarts_without_signer_state += 1
        if self.options.drop_persisted_payload:
            # The canary of the payload invariant: the bug of issue 21, a lock kept
            # across a crash without the block it names.
            replica.persisted_payloads = {}
        self._start(replica, signer_state, reported)

    def _start(self, replica: Replica, signer_state: SignerState | None, reported: int) -> None:
        height = len(replica.chain) + 1
        state, actions = self.engine.start(
            self.engine_config(replica),
            height=height,
            validators=self.validators_at(height),
            signer_state=signer_state,
            now_ms=replica.clock.now_ms,
            highest_reported_height=reported,
            recent_commits=replica.stored,
            held_payloads=replica.persisted_payloads,
        )
        replica.state = state
        for answer in self._perform(replica, actions):
            self._step(replica, answer)

    # ----------------------------------------------------------------- the engine's actions

    def _step(self, replica: Replica, event: Event) -> None:
        pending: deque[Event] = deque([event])
        while pending and replica.state is not None and not replica.halted:
            state, actions = self.engine.step(replica.state, pending.popleft())
            replica.state = state
            self.stats.steps += 1
            pending.extend(self._perform(replica, actions))
            if self.options.check_payloads:
                check_payloads_obtainable(self.replicas.values())

    def _perform(self, replica: Replica, actions: list[Action]) -> list[Event]:
        """Carry out actions in order; return the node's answers as follow-up events."""
        answers: list[Event] = []
        for action in actions:
            if isinstance(action, PersistPayload):
                replica.persisted_payloads[action.block_hash] = action.payload
            elif isinstance(action, PersistSignerState):
                before = replica.persisted
                if (before.locked_round, before.locked_block) != (
                    action.signer_state.locked_round,
                    action.signer_state.locked_block,
                ):
                    replica.locked_at_ms = self.clock.now_ms
                replica.persisted = action.signer_state
                if replica.name in self.adversaries:
                    self.adversaries[replica.name].signed(action.signer_state)
                # Like the node: payloads the signer state on disk no longer names go.
                keep = held_blocks(action.signer_state)
                for block in [b for b in replica.persisted_payloads if b not in keep]:
                    del replica.persisted_payloads[block]
                if self._crash_in_step(replica):
                    return []  # down before the step's messages left
            elif isinstance(action, Send | Broadcast):
                self._transmit(replica, action)
            elif isinstance(action, ScheduleTimeout):
                heapq.heappush(replica.timers, replica.clock.to_global_ms(action.deadline_ms))
            elif isinstance(action, RequestProposal):
                answers.extend(self._build(replica, action))
            elif isinstance(action, ValidateProposal):
                valid = payload_is_valid(action.payload)
                answers.append(
                    ProposalValidated(
                        height=action.height,
                        round=action.round,
                        block_hash=action.block_hash,
                        valid=valid,
                    )
                )
            elif isinstance(action, CommitBlock):
                answers.append(self._commit(replica, action))
            elif isinstance(action, ForkDetected):
                replica.halted = True  # Like the node: stop, keep the data, serve it.
            elif isinstance(action, ProposalRefused):
                self.proposals_refused += 1  # a log line on the node; no simulated node sends one
            elif isinstance(action, MessageDropped):
                self.stats.messages_dropped += 1  # a metric on the node
            else:
                assert isinstance(action, EvidenceFound)
                self._evidence(replica, action)
        return answers

    def _crash_in_step(self, replica: Replica) -> bool:
        """Whether the fault plan crashes replica between writing its signer state and
        sending the step's messages (Simulation: the adversary's fault schedule)."""
        raise NotImplementedError

    def _serve_halted(self, replica: Replica, sender: bytes, message: Message) -> None:
        """A halted node still serves its blocks (sync, /v1/fork): answer certificates."""
        if not isinstance(message, CertificatesMessage):
            return
        mine = tuple(
            replica.stored[c.height].certificate
            for c in message.certificates
            if c.height in replica.stored
            and replica.stored[c.height].certificate.block_hash != c.block_hash
        )
        if mine:
            answer = (replica.signer.public_key, CertificatesMessage(certificates=mine))
            for destination in self.names_by_key.get(sender, []):
                self.network.send(replica.name, destination, answer, self.clock.now_ms)

    def _note_evidence(self, replica: Replica, evidence: Evidence) -> None:
        """Received by gossip: the node checks and pools it, and re-gossips the pool."""
        for index, key in self.public_keys.items():
            if key == evidence.offender:
                replica.evidence_against.add(index)
        if replica.honest:
            self.evidence_pools.add(replica.name, evidence, self.clock.now_ms)

    def _gossip(self, replica: Replica, evidence: Evidence) -> None:
        payload = (replica.signer.public_key, evidence)
        for destination in self.replicas:
            if destination != replica.name:
                self.network.send(replica.name, destination, payload, self.clock.now_ms)

    def _transmit(self, replica: Replica, action: Send | Broadcast) -> None:
        message: Message = action.message
        if isinstance(action, Send):
            destinations = self.names_by_key.get(action.to, [])
        else:
            destinations = list(self.replicas)
        destinations = [d for d in destinations if d != replica.name]
        adversary = self.adversaries.get(replica.name)
        if adversary is not None:
            assert replica.state is not None
            sent = adversary.outgoing(replica.state, message, destinations)
            self._send_all(replica, sent)
            return
        now = self.clock.now_ms
        payload = (replica.signer.public_key, message)
        for destination in destinations:
            self.network.send(replica.name, destination, payload, now)

    def _send_all(self, replica: Replica, sent: list[tuple[str, Message, int]]) -> None:
        now = self.clock.now_ms
        for destination, message, hold_ms in sent:
            payload = (replica.signer.public_key, message)
            self.network.send(replica.name, destination, payload, now, hold_ms=hold_ms)

    def _build(self, replica: Replica, request: RequestProposal) -> list[Event]:
        if request.height > self.scenario.max_height:
            return []  # Nothing more to propose: the run is winding down.
        replica.built += 1
        payload = b"%s|h%d|r%d|%d" % (
            replica.name.encode(),
            request.height,
            request.round,
            replica.built,
        )
        return [
            ProposalSubmitted(
                height=request.height,
                round=request.round,
                block_hash=payload_hash(payload),
                payload=payload,
            )
        ]

    def _commit(self, replica: Replica, commit: CommitBlock) -> Event:
        if self.options.check_safety:
            self.checker.check_commit(
                replica=replica.name,
                honest=replica.honest,
                chain=replica.chain,
                height=commit.height,
                block=commit.block_hash,
                certificate=commit.certificate,
                validators=self.validators_at(commit.height),
            )
        replica.chain.append(commit.block_hash)
        if replica.honest:
            self.stats.decided_ms[commit.height] = self.clock.now_ms
        if commit.height == self.scenario.validators.change_height:
            self._rotate(replica)
        replica.stored[commit.height] = CommitMessage(
            certificate=commit.certificate, payload=commit.payload
        )
        return CommitApplied(
            height=commit.height, next_validators=self.validators_at(commit.height + 1)
        )

    def _rotate(self, replica: Replica) -> None:
        """Sign from the next height on with the rotated key, as the node swaps it before
        CommitApplied (node/runtime.py _adopt_key_for); the signer state carries over."""
        new = replica.rotated_signer
        if new is None or new.public_key == replica.signer.public_key:
            return
        adversary = self.adversaries.get(replica.name)
        if adversary is not None:
            adversary.retired, adversary.signer = replica.signer, new
        replica.signer = new
        if replica.state is not None:
            replica.state = replace(replica.state, config=self.engine_config(replica))

    def _evidence(self, replica: Replica, found: EvidenceFound) -> None:
        self.stats.evidence += 1
        if isinstance(found.evidence, LockViolationEvidence):
            self.stats.lock_violations += 1
        self._note_evidence(replica, found.evidence)
        if replica.honest:
            # The node gossips evidence to its peers (runtime.evidence_pool.add), then again
            # from its pool until it is recorded (evidence_pools).
            self._gossip(replica, found.evidence)
        offender = found.evidence.offender
        for index, key in self.public_keys.items():
            if key == offender:
                self.evidence_offenders.add(index)
        if self.options.check_safety:
            self.checker.check_evidence(replica.name, offender)
