"""Chaos scenarios of stop 48 (scripts/chaos --full only): every validator killed at once,
and partitions that come and go faster than a round timeout, some of them one way.

Each returns a Record like tests/chaos/scenarios.py's and is checked the same way after
its last fault: no acknowledged tx lost or moved, no divergent height, the audit clean.
"""

import random
import time

from tests.chaos.cluster import OBSERVER, ChaosNet
from tests.chaos.load import Load
from tests.chaos.scenarios import Lengths, Record, Scenario, _top
from tests.integration.network import wait_for

RESTART_WAIT_S = 180.0
"""How long the chain may take to commit again after every validator was restarted."""


def kill_all(net: ChaosNet, load: Load, lengths: Lengths, *, seed: int = 48) -> Record:
    """kill -9 every validator, each at its own moment 0-1.5 s after the chain moved (so
    the kills land in different steps of a height: proposing, voting, writing the signer
    state or the block), restart them in a random order, some after a pause; each time the
    chain must commit past where it stood, by itself."""
    chooser = random.Random(seed)
    with Scenario(net, load, f"kill -9 every validator x{lengths.kill_all_rounds}") as scenario:
        recover_s: list[float] = []
        for _ in range(lengths.kill_all_rounds):
            net.wait_heights(net.validators, _top(net) + 1, timeout_s=RESTART_WAIT_S)
            started = time.monotonic()
            for offset_s, name in sorted((chooser.uniform(0, 1.5), n) for n in net.validators):
                time.sleep(max(0.0, started + offset_s - time.monotonic()))
                net.kill(name)
            scenario.record.faults += 1
            stood = _top_of_stopped(net)
            restarted = time.monotonic()
            for name in chooser.sample(net.validators, len(net.validators)):
                net.start(name)
                time.sleep(chooser.choice((0.0, chooser.uniform(0.5, 3.0))))
            net.wait_heights(net.validators, stood + 1, timeout_s=RESTART_WAIT_S)
            recover_s.append(round(time.monotonic() - restarted, 1))
        scenario.record.notes["restart_to_next_commit_s"] = recover_s
        scenario.healed()
    return scenario.record


def _top_of_stopped(net: ChaosNet) -> int:
    """The chain's height while every validator is down: the observer's, which may lag by
    a block; waiting for one more than it still needs a commit after the restart."""
    return wait_for(lambda: net.height(OBSERVER), 30, "the observer's height")


def flapping_partitions(net: ChaosNet, load: Load, lengths: Lengths, *, seed: int = 49) -> Record:
    """For flap_s: cut one validator off (both ways, or only its messages to one other),
    hold 0.3-2.5 s, heal for 0.2-1.5 s, again; shorter than a round's timeouts, so the
    rounds never settle. With q = 2 of 3 the chain must still advance meanwhile."""
    chooser = random.Random(seed)
    with Scenario(net, load, "partitions flapping, split and one-way") as scenario:
        before = _top(net)
        ends = time.monotonic() + lengths.flap_s
        kinds = {"split": 0, "one_way": 0}
        while time.monotonic() < ends:
            victim = chooser.choice(net.validators)
            others = [n for n in net.validators if n != victim]
            if chooser.random() < 0.5:
                net.fabric.isolate(net.hosts[victim])
                kinds["split"] += 1
            else:
                net.fabric.cut_one_way(net.hosts[victim], net.hosts[chooser.choice(others)])
                kinds["one_way"] += 1
            scenario.record.faults += 1
            time.sleep(chooser.uniform(0.3, 2.5))
            net.fabric.heal()
            time.sleep(chooser.uniform(0.2, 1.5))
        scenario.record.notes |= {"kinds": kinds, "advanced_while_flapping": _top(net) - before}
        scenario.healed()
    return scenario.record
