"""The seeded draws the scenarios share: keys, the network before GST, crashes, partitions.

Each takes the scenario's random.Random and draws in a fixed order, which every seed's
replay depends on: a change here redraws every run.
"""

import random

from tests.simulation.scenario import Crash, LinkEpoch, NetworkPlan


def own_keys(nodes: tuple[str, ...]) -> dict[str, int]:
    """Each replica holds its own key: no Twins."""
    return {n: i for i, n in enumerate(nodes)}


def draw_network(rng: random.Random, nodes: tuple[str, ...]) -> NetworkPlan:
    return NetworkPlan(
        gst_ms=rng.randint(800, 3000),
        loss=rng.choice((0.0, 0.05, 0.15, 0.3)),
        duplicate=rng.choice((0.0, 0.05, 0.2)),
        delay_max_ms=rng.choice((10, 40, 120, 250)),
        skew_ms={n: rng.randint(-300, 300) for n in nodes},
    )


def draw_crashes(
    rng: random.Random, nodes: tuple[str, ...], gst_ms: int, *, may_lose_state: bool = True
) -> tuple[Crash, ...]:
    """Zero to three crashes, one node down at a time, all restarted before GST.

    One seed in eight instead loses one replica's signer state, and nothing else crashes:
    that replica signs nothing until the others commit, so it already uses the one fault
    n=3 tolerates (docs/CONSENSUS.md, "Restart without signer state").
    """
    if rng.random() < 0.125 and may_lose_state:
        at = rng.randint(0, gst_ms // 2)
        return (Crash(rng.choice(nodes), at, rng.randint(at + 1, gst_ms), True),)
    crashes: list[Crash] = []
    at = rng.randint(0, gst_ms // 3)
    for _ in range(rng.randint(0, 3)):
        if at >= gst_ms - 10:
            break
        restart = rng.randint(at + 1, min(gst_ms, at + 800))
        crashes.append(Crash(rng.choice(nodes), at, restart, False))
        at = restart + rng.randint(0, 400)
    return tuple(crashes)


def draw_partitions(
    rng: random.Random, nodes: tuple[str, ...], gst_ms: int
) -> tuple[LinkEpoch, ...]:
    """Random two-sided splits that come and go, all healed at GST."""
    epochs: list[LinkEpoch] = []
    at = rng.randint(0, gst_ms // 2)
    while at < gst_ms and len(epochs) < 6:
        if rng.random() < 0.6:
            side = {n for n in nodes if rng.random() < 0.5}
            blocked = frozenset((a, b) for a in side for b in nodes if b not in side)
        else:
            blocked = frozenset()
        epochs.append(LinkEpoch(at, blocked))
        at += rng.randint(100, 700)
    epochs.append(LinkEpoch(gst_ms, frozenset()))
    return tuple(epochs)
