"""The deterministic simulator: replicas, a SimNetwork, a ManualClock and a fault plan.

Everything random comes from random.Random(scenario.seed); the engine is pure, so one seed
replays one run exactly. Safety is checked at every CommitBlock (SafetyChecker); liveness
after GST: every honest replica must commit max_height within liveness_bound_ms.
"""

import heapq
import random
from collections import deque
from dataclasses import dataclass, field, replace

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
    MessageReceived,
    PersistPayload,
    PersistSignerState,
    ProposalRefused,
    ProposalSubmitted,
    ProposalValidated,
    ReplicaState,
    RequestProposal,
    ScheduleTimeout,
    Send,
    Signer,
    SignerState,
    Tick,
    ValidateProposal,
    held_blocks,
    initial_signer_state,
)
from consensus.signer_state import SignedStep
from protocol.evidence import DuplicateVoteEvidence, Evidence
from protocol.hashing import Hash32
from protocol.lock_violation import LockViolationEvidence
from protocol.validators import ValidatorSet
from tests.fakes.manual_clock import LocalClock, ManualClock
from tests.fakes.sim_network import NetworkFaults, SimNetwork
from tests.kit.engine_config import engine_config, payload_hash
from tests.simulation.adversary import Adversary
from tests.simulation.canaries import engine_for
from tests.simulation.evidence_gossip import EvidencePools
from tests.simulation.faults import Crash, add_lock_trap, fault_timeline
from tests.simulation.payloads import check_payloads_obtainable
from tests.simulation.safety import SafetyChecker, SafetyViolationError, Violation
from tests.simulation.scenario import Kind, Scenario
from tests.simulation.sim_config import (
    CALM_DELAY_MAX_MS,
    CHAIN_ID,
    SimOptions,
    SimResult,
    SimStats,
    payload_is_valid,
)
from tests.simulation.sim_keys import SetSchedule, make_signers
from tests.simulation.strategies import SET_CHANGES


@dataclass
class Replica:
    name: str
    key_index: int
    signer: Signer
    clock: LocalClock
    honest: bool
    persisted: SignerState
    persisted_payloads: dict[Hash32, bytes] = field(default_factory=dict)
    """Payloads written on PersistPayload, beside the signer state (and lost with it)."""
    state: ReplicaState | None = None
    chain: list[Hash32] = field(default_factory=list)
    stored: dict[int, CommitMessage] = field(default_factory=dict)
    """The node's block store: certificate and payload per committed height."""
    timers: list[int] = field(default_factory=list)
    built: int = 0
    halted: bool = False
    """It saw a conflicting certificate (ForkDetected) and signs nothing more."""
    evidence_against: set[int] = field(default_factory=set)
    """Keys named by evidence this replica found or received by evidence gossip."""
    locked_at_ms: int = 0
    """When its signer state on disk last took a new lock (Adversary.crash_wanted)."""
    rotated_signer: Signer | None = None
    """The key it signs with once the set's change rotated its key (Scenario.rotated)."""


class Simulation:
    """One seeded run of a scenario."""

    def __init__(self, scenario: Scenario, options: SimOptions) -> None:
        self.scenario = scenario
        self.options = options
        self.engine = engine_for(options.canary)
        self.rng = random.Random(scenario.seed ^ 0x5EED)
        self.clock = ManualClock()
        self.proposals_refused = 0
        """ProposalRefused actions (honest replicas send none: a run expects 0)."""
        self.stats = SimStats()
        plan = scenario.network
        faults = NetworkFaults(plan.loss, plan.duplicate, 1, plan.delay_max_ms)
        self.network = SimNetwork(self.rng, faults)
        signers, verify = make_signers(scenario, real_crypto=options.real_crypto)
        self.verify = verify
        self.public_keys = {i: s.public_key for i, s in signers.items()}
        self.sets = SetSchedule(scenario, self.public_keys)
        self.replicas = {
            name: Replica(
                name=name,
                key_index=scenario.key_of[name],
                signer=signers[scenario.key_of[name]],
                clock=LocalClock(self.clock, plan.skew_ms[name]),
                honest=scenario.key_of[name] not in scenario.byzantine_keys,
                persisted=initial_signer_state(),
                rotated_signer=signers.get(scenario.rotated.get(name, -1)),
            )
            for name in scenario.nodes
        }
        self.names_by_key: dict[bytes, list[str]] = {}
        for name, replica in self.replicas.items():
            for signer in (replica.signer, replica.rotated_signer):
                if signer is not None:
                    self.names_by_key.setdefault(signer.public_key, []).append(name)
        byzantine = frozenset(
            signer.public_key
            for r in self.replicas.values()
            if not r.honest
            for signer in (r.signer, r.rotated_signer)
            if signer is not None
        )
        self.checker = SafetyChecker(CHAIN_ID, verify, byzantine, options.check_certificates)
        self.evidence_offenders: set[int] = set()
        self.evidence_pools = EvidencePools()
        self.faults = fault_timeline(scenario)
        for name, round_number in scenario.start_rounds.items():
            self.replicas[name].persisted = resumed_in_round(round_number)
        self.adversaries = self._adversaries()
        if scenario.kind is Kind.LOCK_TRAP:
            self.network.drop_filter = add_lock_trap(
                self.faults, scenario, self.validators_at(1), self.public_keys
            )

    def _adversaries(self) -> dict[str, Adversary]:
        """Each Byzantine replica's strategy, if the scenario gives one (or its own, when
        scenario.strategies gives each key one); each plays it on its own (its own random
        stream: the first key's is the one runs with one key drew)."""
        strategy = self.scenario.strategy
        if strategy is None:
            return {}
        change = self.scenario.validators.change_height
        attack = frozenset({change, change + 1}) if strategy in SET_CHANGES else frozenset()
        keys = sorted(self.scenario.byzantine_keys)
        played = self.scenario.strategies or (strategy,) * len(keys)
        return {
            self._name_of_key(key): Adversary(
                strategy=played[index],
                rng=random.Random(self.scenario.seed ^ 0xB12 ^ (index * 0x10000)),
                signer=self.replicas[self._name_of_key(key)].signer,
                chain_id=CHAIN_ID,
                honest=[r.name for r in self.replicas.values() if r.honest],
                timeouts=self.options.timeouts,
                attack_heights=attack,
            )
            for index, key in enumerate(keys)
        }

    def _name_of_key(self, key: int) -> str:
        return next(n for n, k in self.scenario.key_of.items() if k == key)

    def validators_at(self, height: int) -> ValidatorSet:
        return self.sets.validators_at(height)

    def engine_config(self, replica: Replica) -> EngineConfig:
        return engine_config(CHAIN_ID, replica.signer, self.verify, self.options.timeouts)

    # ----------------------------------------------------------------- the fault plan

    def _apply_fault(self, kind: str, detail: object) -> None:
        if kind == "crash":
            assert isinstance(detail, Crash)
            self._crash(self.replicas[detail.node])
        elif kind == "restart":
            assert isinstance(detail, Crash)
            self._restart(self.replicas[detail.node], lose_signer_state=detail.lose_signer_state)
        elif kind == "links":
            assert isinstance(detail, frozenset)
            self.network.block_links(detail)
            self.stats.partitions += 1 if detail else 0
        else:
            self.network.set_calm(CALM_DELAY_MAX_MS)
            self.network.block_links(self.scenario.byzantine_links_after_gst)
            for replica in self.replicas.values():
                if replica.state is None:
                    self._restart(replica, lose_signer_state=False)

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

    # ----------------------------------------------------------------- the main loop

    def run(self) -> SimResult:
        result = SimResult(self.scenario, self.stats)
        try:
            self._run()
        except SafetyViolationError as error:
            result.violation = error.violation
        except LivenessError as error:
            result.liveness_failure = str(error)
        self._finish_stats()
        result.evidence_offenders = self.evidence_offenders
        result.forked = self._forked()
        result.fork_accounted = not result.forked or self._fork_accounted()
        unaccounted = not result.fork_accounted and result.violation is None
        if self.options.check_accountability and unaccounted:
            result.violation = Violation("fork-unaccounted", self._accountability_report())
        return result

    def _honest(self) -> list[Replica]:
        return [r for r in self.replicas.values() if r.honest]

    def _forked(self) -> bool:
        """Two honest replicas committed different blocks at one height."""
        seen: dict[int, Hash32] = {}
        for replica in self._honest():
            for height, block in enumerate(replica.chain, start=1):
                if seen.setdefault(height, block) != block:
                    return True
        return False

    def _fork_accounted(self) -> bool:
        """Every honest replica halted and holds evidence naming every equivocating key."""
        named = set(self.scenario.byzantine_keys)
        return all(r.halted and named <= r.evidence_against for r in self._honest())

    def _accountability_report(self) -> str:
        return "fork without evidence on every honest replica: " + ", ".join(
            f"{r.name} halted={r.halted} names={sorted(r.evidence_against)}" for r in self._honest()
        )

    def _run(self) -> None:
        for replica in self.replicas.values():
            self._start(replica, replica.persisted, 0)
        gst = self.scenario.network.gst_ms
        deadline = gst + self.options.liveness_bound_ms
        while not self._done():
            now = self._next_time()
            if now is None or now > deadline:
                if not self.options.check_liveness:
                    return
                raise LivenessError(self._heights_report(deadline))
            self.clock.advance_to(now)
            self._process_due(now)

    def _done(self) -> bool:
        if self.clock.now_ms < self.scenario.network.gst_ms:
            return False
        if self.options.check_accountability and self._forked():
            # A forked run ends when both sides noticed it and hold the evidence.
            return self._fork_accounted()
        target = self.scenario.max_height
        return all(
            r.state is not None and len(r.chain) >= target
            for r in self.replicas.values()
            if r.honest
        )

    def _next_time(self) -> int | None:
        times = [r.timers[0] for r in self.replicas.values() if r.timers]
        if self.faults:
            times.append(self.faults[0][0])
        for later in (self.network.next_delivery_ms(), self.evidence_pools.next_ms()):
            if later is not None:
                times.append(later)
        return min(times) if times else None

    def _process_due(self, now: int) -> None:
        while self.faults and self.faults[0][0] <= now:
            _, _, kind, detail = heapq.heappop(self.faults)
            self._apply_fault(kind, detail)
        for name, evidence in self.evidence_pools.due(now):
            self._gossip(self.replicas[name], evidence)
        while (due := self.network.pop_due(now)) is not None:
            sender, destination, payload = due
            replica = self.replicas[destination]
            if replica.state is not None:
                assert isinstance(payload, tuple)
                key, message = payload
                if isinstance(message, DuplicateVoteEvidence | LockViolationEvidence):
                    self._note_evidence(replica, message)
                elif replica.halted:
                    # Halted replicas answer live ones only: two halted replicas would
                    # answer each other forever (duplication multiplying the exchange).
                    if not self.replicas[sender].halted:
                        self._serve_halted(replica, key, message)
                else:
                    self._step(replica, MessageReceived(sender=key, message=message))
        for replica in self.replicas.values():
            if replica.halted:
                replica.timers = []
            if replica.timers and replica.timers[0] <= now:
                while replica.timers and replica.timers[0] <= now:
                    heapq.heappop(replica.timers)
                self._step(replica, Tick(now_ms=replica.clock.now_ms))
                if replica.name in self.adversaries:
                    self._forge(replica)

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
        """The adversary's fault schedule may crash an honest replica between writing its
        signer state and sending (Adversary.crash_in_step); it restarts CRASH_FOR_MS later."""
        states = self._honest_states()
        if not replica.honest or not any(
            a.crash_in_step(replica.name, states) for a in self.adversaries.values()
        ):
            return False
        self._schedule_crash(replica.name)
        return True

    def _schedule_crash(self, name: str) -> None:
        now = self.clock.now_ms
        crash = Crash(name, now, now + CRASH_FOR_MS, False)
        self._crash(self.replicas[name])
        heapq.heappush(self.faults, (crash.restart_ms, -len(self.faults), "restart", crash))

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

    def _honest_states(self) -> dict[str, ReplicaState | None]:
        return {r.name: r.state for r in self._honest()}

    def _forge(self, replica: Replica) -> None:
        """The Byzantine replica's tick: what its strategy forges now."""
        adversary = self.adversaries[replica.name]
        if replica.state is not None:
            self._send_all(replica, adversary.inject(replica.state, self._honest_states()))
        older = adversary.amnesia_state()
        if older is not None and replica.state is not None:
            # Restarted from an older (or wiped) signer state: it may sign again, otherwise,
            # where it already signed.
            self._crash(replica)
            self._start(replica, older, len(replica.chain))
        gst = self.scenario.network.gst_ms
        calm = {r.name for r in self._honest() if r.locked_at_ms >= gst}
        victim = adversary.crash_wanted(self._honest_states(), calm)
        if victim is not None:
            # The fault schedule at its worst moment: a crash of an honest replica, restarted
            # from its signer state, chosen by what the adversary reads.
            self._schedule_crash(victim)

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

    def _finish_stats(self) -> None:
        self.stats.network = replace(self.network.counters)
        self.stats.end_ms = self.clock.now_ms
        rounds = self.checker.rounds_by_height.values()
        self.stats.multi_round_heights = sum(1 for r in rounds if r > 0)

    def _heights_report(self, deadline: int) -> str:
        heights = {
            name: (len(r.chain), None if r.state is None else (r.state.height, r.state.round))
            for name, r in self.replicas.items()
        }
        return f"no liveness by {deadline} ms: committed/(height, round) {heights}"


CRASH_FOR_MS = 500
"""How long a crash the adversary's fault schedule asks for (Adversary.crash_wanted) lasts."""


class LivenessError(AssertionError):
    """Some honest replica did not commit max_height within the bound after GST."""


def resumed_in_round(round_number: int) -> SignerState:
    """A signer state that last signed a nil prevote at height 1, round round_number."""
    return SignerState(height=1, round=round_number, step=SignedStep.PREVOTE, block_hash=None)
