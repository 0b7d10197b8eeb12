"""Header time in the simulator: ADR 0040's measurement harness (not a test).

The simulator's payloads carry no time; here each carries its builder's clock, stamped as
node/runtime.py stamps (max(clock, parent + 1)), or parent + 1 by the Byzantine key (the
backdating proposer). Validation is check_header's two time rules against the validating
replica's clock: greater than its committed parent's time, and at most DRIFT_MS ahead.
RULE "today" answers a block ahead "invalid" (as before stop 48); "defer" answers it once
the replica's clock has caught up (node/runtime.py _validate_when_due). Block sync is
modelled as node/sync.py's: a replica two heights behind takes the certified blocks.

    python -m tests.simulation.header_time crash3 1000 today one_lags [first_seed]

It overrides the simulator's build, validation and loop, so it is run by hand, not in CI.
"""

import random
import re
import sys
from dataclasses import replace

from consensus import (
    Action,
    CommitBlock,
    Event,
    ProposalSubmitted,
    ProposalValidated,
    RequestProposal,
    Tick,
    ValidateProposal,
)
from tests.kit.engine_config import payload_hash
from tests.simulation.kinds import make_scenario
from tests.simulation.replica import Replica
from tests.simulation.scenario import Kind, Scenario
from tests.simulation.sim_config import SimOptions, payload_is_valid
from tests.simulation.simulator import Simulation

DRIFT_MS = 2_000
WAIT_MS_MAX = 60_000
_TIME = re.compile(rb"\|t(-?\d+)$")
_BEFORE_GENESIS_MS = -(10**9)


def payload_time(payload: bytes) -> int:
    found = _TIME.search(payload)
    return int(found.group(1)) if found else 0


class TimedSimulation(Simulation):
    """One seeded run with timed payloads, validated by rule ("today" or "defer")."""

    def __init__(self, scenario: Scenario, options: SimOptions, rule: str) -> None:
        super().__init__(scenario, options)
        self.rule = rule
        self.deferred: list[tuple[int, str, ProposalValidated]] = []
        self.backdates_ms: dict[int, int] = {}
        """height -> global time at its first honest commit minus its time_ms."""
        self.syncs = 0

    def parent_time(self, replica: Replica, height: int) -> int:
        if height <= 1:
            return _BEFORE_GENESIS_MS
        return payload_time(replica.stored[height - 1].payload)

    def _build(self, replica: Replica, request: RequestProposal) -> list[Event]:
        if request.height > self.scenario.max_height:
            return []
        replica.built += 1
        parent = self.parent_time(replica, request.height)
        stamp = max(replica.clock.now_ms, parent + 1)
        if not replica.honest and request.height > 1:
            stamp = parent + 1
        payload = b"%s|h%d|r%d|%d|t%d" % (
            replica.name.encode(),
            request.height,
            request.round,
            replica.built,
            stamp,
        )
        block = payload_hash(payload)
        return [
            ProposalSubmitted(
                height=request.height, round=request.round, block_hash=block, payload=payload
            )
        ]

    def _perform(self, replica: Replica, actions: list[Action]) -> list[Event]:
        answers: list[Event] = []
        for action in actions:
            if isinstance(action, ValidateProposal):
                answers.extend(self._validate(replica, action))
                continue
            if isinstance(action, CommitBlock) and replica.honest:
                backdate_ms = self.clock.now_ms - payload_time(action.payload)
                self.backdates_ms.setdefault(action.height, backdate_ms)
            answers.extend(super()._perform(replica, [action]))
        return answers

    def _validate(self, replica: Replica, action: ValidateProposal) -> list[Event]:
        stamp, now_ms = payload_time(action.payload), replica.clock.now_ms
        answer = ProposalValidated(
            height=action.height, round=action.round, block_hash=action.block_hash, valid=True
        )
        valid = payload_is_valid(action.payload)
        valid = valid and stamp > self.parent_time(replica, action.height)
        wait_ms = stamp - DRIFT_MS - now_ms
        if valid and self.rule == "defer" and 0 < wait_ms <= WAIT_MS_MAX:
            due_ms = replica.clock.to_global_ms(stamp - DRIFT_MS)
            self.deferred.append((due_ms, replica.name, answer))
            return []
        return [replace(answer, valid=valid and wait_ms <= 0)]

    def _next_time(self) -> int | None:
        times = [due for due, _, _ in self.deferred]
        later = super()._next_time()
        if later is not None:
            times.append(later)
        return min(times) if times else None

    def _process_due(self, now: int) -> None:
        super()._process_due(now)
        due = [item for item in self.deferred if item[0] <= now]
        self.deferred = [item for item in self.deferred if item[0] > now]
        for _, name, answer in due:
            replica = self.replicas[name]
            if replica.state is not None:
                # A node's timer set in the past fires at once: this Tick stands for it.
                self._step(replica, Tick(now_ms=replica.clock.now_ms))
                self._step(replica, answer)
        self._block_sync()

    def _block_sync(self) -> None:
        """A live replica two heights behind an honest one (one, once that one has reached
        max_height) takes the certified blocks and restarts its engine, as node/sync.py."""
        live = [r for r in self.replicas.values() if r.honest and r.state is not None]
        if not live:
            return
        donor = max(live, key=lambda r: len(r.chain))
        ended = len(donor.chain) >= self.scenario.max_height
        for replica in live:
            if replica.halted or len(donor.chain) - len(replica.chain) < (1 if ended else 2):
                continue
            for height in range(len(replica.chain) + 1, len(donor.chain) + 1):
                replica.chain.append(donor.chain[height - 1])
                replica.stored[height] = donor.stored[height]
            self.syncs += 1
            replica.state, replica.timers = None, []
            self._start(replica, replica.persisted, 0)


def skewed(scenario: Scenario, mode: str, rng: random.Random) -> Scenario:
    """one_lags: one instance 2.5-10 s behind, the others within 0.3 s; wide: each within
    1.5 s (pairs up to 3 s apart)."""
    nodes = scenario.nodes
    if mode == "one_lags":
        lagging = rng.choice(nodes)
        skew = {
            n: -rng.randint(2_500, 10_000) if n == lagging else rng.randint(-300, 300)
            for n in nodes
        }
    else:
        assert mode == "wide", mode
        skew = {n: rng.randint(-1_500, 1_500) for n in nodes}
    return replace(scenario, network=replace(scenario.network, skew_ms=skew))


def main(argv: list[str]) -> None:
    kind, count, rule, mode = Kind(argv[1]), int(argv[2]), argv[3], argv[4]
    first = int(argv[5]) if len(argv) > 5 else 0
    failures: list[tuple[int, str]] = []
    backdates: list[int] = []
    for seed in range(first, first + count):
        scenario = skewed(make_scenario(seed, kind, 5), mode, random.Random(seed ^ 0x7135))
        simulation = TimedSimulation(scenario, SimOptions(), rule)
        result = simulation.run()
        backdates.extend(ms for height, ms in simulation.backdates_ms.items() if height > 1)
        problem = result.violation or result.liveness_failure
        if problem is not None:
            failures.append((seed, str(problem)[:200]))
    backdates.sort()
    worst = backdates[-1] if backdates else None
    p99 = backdates[len(backdates) * 99 // 100] if backdates else None
    print(f"{kind.value} {rule} {mode}: {len(failures)} of {count} seeds failed; committed")
    print(f"time_ms early by up to {worst} ms (p99 {p99} ms)")
    for seed, problem in failures[:8]:
        print(f"  seed {seed}: {problem}")


if __name__ == "__main__":
    main(sys.argv)
