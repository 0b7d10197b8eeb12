"""The five seeded scenario kinds: which replicas run, which faults hit them and when.

A scenario is drawn entirely from random.Random(seed), so the seed alone replays it.
Kinds: CRASH3 (n=3, q=2, crash faults), BYZANTINE4 (n=4, q=3, one key run as Twins),
SET_CHANGE (3 validators, q=2, growing to 4, q=3, at a seeded height), EQUIVOCATE3
(n=3 with a Twins pair fully connected: forks are possible, evidence must name it),
LOCK_TRAP (n=3, a targeted schedule in which only the lock, kept across a crash, prevents
a fork: the canaries for the lock rule and for signer-state persistence fall into it).
"""

import random
from collections.abc import Callable

from tests.simulation.draws import draw_crashes, draw_network, draw_partitions, own_keys
from tests.simulation.scenario import (
    Kind,
    LinkEpoch,
    NetworkPlan,
    Scenario,
    ValidatorPlan,
)


def make_scenario(seed: int, kind: Kind, max_height: int) -> Scenario:
    rng = random.Random(seed)
    builders = {
        Kind.CRASH3: _crash3,
        Kind.BYZANTINE4: _byzantine4,
        Kind.SET_CHANGE: _set_change,
        Kind.EQUIVOCATE3: _equivocate3,
        Kind.LOCK_TRAP: _lock_trap,
    }
    return builders[kind](rng, seed, max_height)


def _crash_faults(
    rng: random.Random,
    seed: int,
    max_height: int,
    *,
    kind: Kind,
    nodes: tuple[str, ...],
    plan: Callable[[], ValidatorPlan],
) -> Scenario:
    """Crashes and partitions on replicas that each hold their own key. plan draws from rng
    after the network and before the faults (the order every seed was drawn in)."""
    net = draw_network(rng, nodes)
    validators = plan()
    return Scenario(
        seed=seed,
        kind=kind,
        nodes=nodes,
        key_of=own_keys(nodes),
        validators=validators,
        max_height=max_height,
        crashes=draw_crashes(rng, nodes, net.gst_ms),
        epochs=draw_partitions(rng, nodes, net.gst_ms),
        network=net,
    )


def _crash3(rng: random.Random, seed: int, max_height: int) -> Scenario:
    def plan() -> ValidatorPlan:
        return ValidatorPlan.fixed((0, 1, 2), 2)

    nodes = ("v0", "v1", "v2")
    return _crash_faults(rng, seed, max_height, kind=Kind.CRASH3, nodes=nodes, plan=plan)


def _set_change(rng: random.Random, seed: int, max_height: int) -> Scenario:
    def plan() -> ValidatorPlan:
        return ValidatorPlan((0, 1, 2), 2, (0, 1, 2, 3), 3, rng.randint(1, max_height - 1))

    nodes = ("v0", "v1", "v2", "v3")
    return _crash_faults(rng, seed, max_height, kind=Kind.SET_CHANGE, nodes=nodes, plan=plan)


def _twin_epochs(
    rng: random.Random, honest: tuple[str, ...], twins: tuple[str, str], gst_ms: int
) -> tuple[LinkEpoch, ...]:
    """Twins: each honest node hears one twin; sides change per epoch (Bano et al. 2020)."""
    epochs: list[LinkEpoch] = []
    at = 0
    while at <= gst_ms:
        blocked = {twins}
        for node in honest:
            blocked.add((twins[1] if rng.random() < 0.5 else twins[0], node))
        if rng.random() < 0.3:
            cut = rng.choice(honest)
            blocked.update((cut, other) for other in honest if other != cut)
        epochs.append(LinkEpoch(at, frozenset(blocked)))
        at += rng.randint(150, 800)
    return tuple(epochs)


def _byzantine4(rng: random.Random, seed: int, max_height: int) -> Scenario:
    honest = ("v0", "v1", "v2")
    twins = ("v3a", "v3b")
    nodes = honest + twins
    net = draw_network(rng, nodes)
    gst = net.gst_ms
    epochs = _twin_epochs(rng, honest, twins, gst)
    twin_links = frozenset(p for p in epochs[-1].blocked if twins[0] in p or twins[1] in p)
    return Scenario(
        seed=seed,
        kind=Kind.BYZANTINE4,
        nodes=nodes,
        key_of={"v0": 0, "v1": 1, "v2": 2, "v3a": 3, "v3b": 3},
        byzantine_keys=frozenset({3}),
        validators=ValidatorPlan.fixed((0, 1, 2, 3), 3),
        max_height=max_height,
        # A replica without signer state is silent until a commit: with the Byzantine
        # replica that would be two faults, more than f_L = n - q = 1.
        crashes=draw_crashes(rng, honest, gst, may_lose_state=False),
        epochs=epochs,
        byzantine_links_after_gst=twin_links,
        network=net,
    )


def _equivocate3(rng: random.Random, seed: int, max_height: int) -> Scenario:
    nodes = ("v0", "v1", "v2a", "v2b")
    net = draw_network(rng, nodes)
    return Scenario(
        seed=seed,
        kind=Kind.EQUIVOCATE3,
        nodes=nodes,
        key_of={"v0": 0, "v1": 1, "v2a": 2, "v2b": 2},
        byzantine_keys=frozenset({2}),
        validators=ValidatorPlan.fixed((0, 1, 2), 2),
        max_height=max_height,
        epochs=(LinkEpoch(0, frozenset({("v2a", "v2b")})),),
        byzantine_links_after_gst=frozenset({("v2a", "v2b")}),
        network=net,
    )


def _lock_trap(rng: random.Random, seed: int, max_height: int) -> Scenario:
    """Roles are resolved by the simulator once keys exist (see Simulation._set_trap)."""
    nodes = ("v0", "v1", "v2")
    trap_ms = rng.randint(150, 260)
    net = NetworkPlan(
        gst_ms=trap_ms + 2500,
        loss=0.0,
        duplicate=rng.choice((0.0, 0.1)),
        delay_max_ms=rng.choice((20, 40)),
        skew_ms={n: rng.randint(-50, 50) for n in nodes},
    )
    return Scenario(
        seed=seed,
        kind=Kind.LOCK_TRAP,
        nodes=nodes,
        key_of=own_keys(nodes),
        validators=ValidatorPlan.fixed((0, 1, 2), 2),
        max_height=max_height,
        network=net,
        trap_ms=trap_ms,
    )
