"""The deterministic simulator: replicas, a SimNetwork, a ManualClock and a fault plan.

Everything random comes from random.Random(scenario.seed); the engine is pure, so one seed
replays one run exactly. Safety is checked at every CommitBlock (SafetyChecker); liveness
after GST: every honest replica must commit max_height within liveness_bound_ms.
"""

import heapq
import random
from dataclasses import replace

from consensus import (
    MessageReceived,
    ReplicaState,
    Tick,
    initial_signer_state,
)
from protocol.evidence import DuplicateVoteEvidence
from protocol.hashing import Hash32
from protocol.lock_violation import LockViolationEvidence
from tests.fakes.manual_clock import LocalClock, ManualClock
from tests.fakes.sim_network import NetworkFaults, SimNetwork
from tests.simulation.adversary import Adversary
from tests.simulation.canaries import engine_for
from tests.simulation.evidence_gossip import EvidencePools
from tests.simulation.faults import Crash, add_lock_trap, fault_timeline
from tests.simulation.replica import Replica, resumed_in_round
from tests.simulation.replica_driver import ReplicaDriver
from tests.simulation.safety import SafetyChecker, SafetyViolationError, Violation
from tests.simulation.scenario import Kind, Scenario
from tests.simulation.sim_config import (
    CALM_DELAY_MAX_MS,
    CHAIN_ID,
    SimOptions,
    SimResult,
    SimStats,
)
from tests.simulation.sim_keys import SetSchedule, make_signers
from tests.simulation.strategies import SET_CHANGES


class Simulation(ReplicaDriver):
    """One seeded run of a scenario: the clock, the network's deliveries, the replicas'
    timers, the fault plan and the adversaries, in time order; the checks after it."""

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
