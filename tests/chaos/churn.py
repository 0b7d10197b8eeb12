"""Chaos scenarios of stop 48 (scripts/chaos --full only): every validator killed at once,
and partitions that come and go faster than a round timeout, some of them one way; of stop
52: one validator's wall clock jumping an hour back while it runs, and forward again.

Each returns a Record like tests/chaos/scenarios.py's and is checked the same way after
its last fault: no acknowledged tx lost or moved, no divergent height, the audit clean.
"""

import random
import time

import httpx

from tests.chaos.cluster import OBSERVER, ChaosNet, set_clock_offset
from tests.chaos.load import Load
from tests.chaos.scenarios import (
    Lengths,
    Record,
    Scenario,
    _height_or_none,
    _log_count,
    _top,
)
from tests.integration.network import wait_for
from tests.integration.txs import certificate_signers

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


CLOCK_JUMP_S = -3600
BACK_WAIT_S = 120.0
"""How long the victim may take, once its clock is right again, to be at the head, ready."""


def clock_jump(net: ChaosNet, load: Load, lengths: Lengths) -> Record:
    """One validator's wall clock jumps an hour back while it runs (NTP stepping a host's
    clock, a hand-set date), holds clock_jump_s, then jumps forward to the true time again;
    the process is never restarted meanwhile. The others (q = 2 of 3) must keep committing,
    and the victim must be back at their head, ready, once its clock is right, without a
    restart."""
    victim = net.validators[0]
    clock_file = net.directory / victim / "faketime.rc"
    key = load.keys.public(victim).hex()
    net.kill(victim)
    net.start(victim, clock_file=clock_file)  # the true time for now, under libfaketime
    try:
        net.wait_ready(victim, timeout_s=120)
        with Scenario(net, load, "clock jumps back an hour while running") as scenario:
            before, victim_before = _top(net), net.height(victim)
            refused_before = _log_count(net, "ms ahead")
            set_clock_offset(clock_file, CLOCK_JUMP_S)
            scenario.record.faults += 1
            time.sleep(lengths.clock_jump_s)
            top = _top(net)
            victim_at_fix = _height_or_none(net, victim)
            signed_while_back = _signed_in(net, key, before + 1, top)
            refused_ahead = _log_count(net, "ms ahead") - refused_before
            set_clock_offset(clock_file, 0)
            fixed = time.monotonic()
            # Back at the others' head and ready, without a restart. (Not: "signs again": a
            # certificate holds the first q precommits, and a slow node's, under
            # libfaketime on a loaded box, may come after them for minutes: stop 52.)
            net.wait_heights([victim], _top(net) + 2, timeout_s=BACK_WAIT_S)
            net.wait_ready(victim, timeout_s=BACK_WAIT_S)
            back_s = time.monotonic() - fixed
            scenario.record.notes |= {
                "victim": victim,
                "jump_s": CLOCK_JUMP_S,
                "advanced_while_back": top - before,
                "victim_advanced_while_back": None
                if victim_at_fix is None
                else victim_at_fix - victim_before,
                "victim_signed_while_back": signed_while_back,
                "proposals_refused_as_ahead": refused_ahead,
                "fixed_to_at_head_and_ready_s": round(back_s, 1),
                "victim_signed_after_fix_at": _first_signed(net, key, top + 1),
            }
            scenario.healed()
    finally:
        # Off libfaketime (a slower process) for the network's later scenarios.
        net.kill(victim)
        net.start(victim)
    net.wait_ready(victim, timeout_s=120)
    return scenario.record


def _signed_in(net: ChaosNet, key: str, low: int, high: int) -> int:
    """Certificates of heights low..high (as the observer holds them) key signed."""
    return sum(1 for h in range(low, high + 1) if key in _signers_or_none(net, h))


def _first_signed(net: ChaosNet, key: str, low: int) -> int | None:
    """The first height from low up to the observer's head whose certificate key signed."""
    for height in range(low, _height_or_none(net, OBSERVER) or 0):
        if key in _signers_or_none(net, height):
            return height
    return None


def _signers_or_none(net: ChaosNet, height: int) -> set[str]:
    try:
        return certificate_signers(net, OBSERVER, height)
    except (httpx.HTTPError, AssertionError, KeyError):
        return set()
