"""Scenarios of deliberate Byzantine strategies: n = 3b + 1 with b keys playing one
(tests/simulation/adversary.py), rounds apart on a calm network (gap_scenario4), and
around a validator-set change.
"""

import random
from dataclasses import replace

from tests.simulation.draws import draw_crashes, draw_network, draw_partitions, own_keys
from tests.simulation.scenario import (
    Crash,
    Kind,
    LinkEpoch,
    NetworkPlan,
    Scenario,
    ValidatorPlan,
)
from tests.simulation.strategies import Combined, Strategy

STRATEGIC_NODES = ("v0", "v1", "v2", "v3")
GAPPED = (
    Strategy.HOLD_GAP,
    Strategy.HOLD_GAP_LOW,
    Strategy.DRAG,
    Strategy.TOGGLE,
    Strategy.REPLAY,
    Strategy.STALE,
    Strategy.SPLIT_HEARD,
)
"""Strategies played against honest replicas that always start rounds apart."""


def make_strategic_scenario(
    seed: int,
    strategy: Strategy | Combined,
    max_height: int,
    *,
    byzantine: int = 1,
    restarting: bool = False,
    validators: int = 0,
) -> Scenario:
    """n = 3b + 1, q = 2b + 1 for b = byzantine (n=4 by default, n=7 with two); the last b
    keys play strategy (tests/simulation/adversary.py), each on its own, from the start.
    validators: another n, with q = n - b (n=3, b=1: q=2, f_S = 0, as CRASH3).

    Before GST: seeded loss, duplication, delay, partitions and crashes of honest replicas
    (restarted with their signer state). After GST every link is up and calm. The honest
    replicas start rounds apart in every holding run and in half of the others: one
    replica ahead of the others (the gap HOLD_GAP keeps open), or all apart. restarting:
    one more honest replica crashes and restarts (with its signer state) again and again,
    up to 8 s after GST (_restarting). A Combined strategy gives each key its own.
    """
    played = strategy.strategies if isinstance(strategy, Combined) else (strategy,)
    nodes = tuple(f"v{i}" for i in range(validators or 3 * byzantine + 1))
    honest = nodes[: len(nodes) - byzantine]
    rng = random.Random(seed)
    net = draw_network(rng, nodes)
    start_rounds: dict[str, int] = {}
    if any(s in GAPPED for s in played) or rng.random() < 0.5:
        base = rng.randint(0, 25)
        ahead = rng.choice(honest)
        spread = rng.random() < 0.3
        for index, name in enumerate(honest):
            if name == ahead:
                start_rounds[name] = base + rng.randint(1, 4)
            else:
                start_rounds[name] = base + (rng.randint(0, 3) * index if spread else 0)
    crashes = draw_crashes(rng, honest, net.gst_ms, may_lose_state=False)
    if restarting:
        crashes += _restarting(random.Random(seed ^ 0xC4A5), honest, net.gst_ms)
    scenario = _strategic(
        seed,
        played[0],
        max_height,
        start_rounds,
        network=net,
        crashes=crashes,
        epochs=draw_partitions(rng, nodes, net.gst_ms),
        nodes=nodes,
        byzantine=byzantine,
    )
    if len(played) == 1:
        return scenario
    assert len(played) == byzantine, f"{len(played)} strategies for {byzantine} Byzantine keys"
    return replace(scenario, strategies=played)


RESTARTING_AFTER_GST_MS = 8_000
"""How long after GST the restarting replica of make_strategic_scenario keeps crashing."""


def _restarting(rng: random.Random, honest: tuple[str, ...], gst_ms: int) -> tuple[Crash, ...]:
    """One honest replica down 0.2-1.5 s, up 0.3-3 s, from before GST until 8 s after it.
    Drawn from its own stream, so the rest of a seed's run is drawn as without it."""
    node = rng.choice(honest)
    crashes: list[Crash] = []
    at = rng.randint(0, gst_ms)
    while at < gst_ms + RESTARTING_AFTER_GST_MS:
        restart = at + rng.randint(200, 1500)
        crashes.append(Crash(node, at, restart, False))
        at = restart + rng.randint(300, 3000)
    return tuple(crashes)


def gap_scenario4(
    seed: int,
    strategy: Strategy | Combined,
    rounds: dict[str, int],
    *,
    max_height: int = 1,
    late: tuple[str, int] | None = None,
    cut: tuple[str, str, int] | None = None,
    validators: int = 0,
) -> Scenario:
    """n=4 with no fault but the Byzantine key: the honest replicas start in the given rounds
    of height 1 (as after a restart) on a calm network; GST at 1 ms, or when the late
    replica (name, ms) starts, or when the cut link (sender, receiver, ms) is restored.
    A Combined strategy of two: n=7, each Byzantine key its own (v5 the first, v6 the
    second). validators: another n, q = n - b (3: v2 Byzantine, q=2)."""
    played = strategy.strategies if isinstance(strategy, Combined) else (strategy,)
    nodes = tuple(f"v{i}" for i in range(validators or 3 * len(played) + 1))
    crashes = () if late is None else (Crash(late[0], 0, late[1], False),)
    epochs: tuple[LinkEpoch, ...] = ()
    gst_ms = 1 if late is None else max(1, late[1])
    if cut is not None:
        gst_ms = max(gst_ms, cut[2])
        epochs = (LinkEpoch(0, frozenset({cut[:2]})), LinkEpoch(cut[2], frozenset()))
    calm = NetworkPlan(
        gst_ms=gst_ms,
        loss=0.0,
        duplicate=0.0,
        delay_max_ms=40,
        skew_ms=dict.fromkeys(nodes, 0),
    )
    scenario = _strategic(
        seed,
        played[0],
        max_height,
        rounds,
        network=calm,
        crashes=crashes,
        epochs=epochs,
        nodes=nodes,
        byzantine=len(played),
    )
    return scenario if len(played) == 1 else replace(scenario, strategies=played)


def _strategic(
    seed: int,
    strategy: Strategy,
    max_height: int,
    rounds: dict[str, int],
    *,
    network: NetworkPlan,
    crashes: tuple[Crash, ...] = (),
    epochs: tuple[LinkEpoch, ...] = (),
    nodes: tuple[str, ...] = STRATEGIC_NODES,
    byzantine: int = 0,
) -> Scenario:
    """n nodes, the last b keys Byzantine playing strategy (b = byzantine, or (n - 1) // 3),
    q = n - b (2b + 1 at n = 3b + 1); the honest replicas start in rounds (round 0 when
    absent or 0)."""
    byzantine = byzantine or (len(nodes) - 1) // 3
    keys = tuple(range(len(nodes)))
    return Scenario(
        seed=seed,
        kind=Kind.BYZANTINE4,
        nodes=nodes,
        key_of=own_keys(nodes),
        byzantine_keys=frozenset(keys[len(nodes) - byzantine :]),
        validators=ValidatorPlan.fixed(keys, len(nodes) - byzantine),
        max_height=max_height,
        crashes=crashes,
        epochs=epochs,
        network=network,
        strategy=strategy,
        start_rounds={n: r for n, r in rounds.items() if r > 0},
    )


def make_set_change_scenario(
    seed: int,
    strategy: Strategy,
    max_height: int,
    *,
    attack: Strategy | None = None,
    restarting: bool = False,
) -> Scenario:
    """One Byzantine key (3) playing strategy (JOIN, LEAVE or ROTATE) around a validator-set
    change after change_height, drawn in 1..max_height-1; quorums are 2n/3 + 1. The
    network, crashes and partitions as in make_strategic_scenario; no round gap. attack:
    the Byzantine key plays it throughout instead of strategy's attack (Combined);
    restarting: one honest replica crashes and restarts as in make_strategic_scenario."""
    rng = random.Random(seed)
    change = rng.randint(1, max_height - 1)
    rotated: dict[str, int] = {}
    nodes: tuple[str, ...]
    if strategy is Strategy.JOIN:
        nodes = ("v0", "v1", "v2", "v3", "v4")
        plan = ValidatorPlan((0, 1, 2, 3), 3, (0, 1, 2, 3, 4), 4, change)
    elif strategy is Strategy.LEAVE:
        nodes = ("v0", "v1", "v2", "v3", "v4")
        leaving = rng.choice((0, 1, 2, 4))
        after = tuple(k for k in (0, 1, 2, 3, 4) if k != leaving)
        plan = ValidatorPlan((0, 1, 2, 3, 4), 4, after, 3, change)
    else:
        nodes = STRATEGIC_NODES
        turning = rng.randrange(4)
        rotated = {f"v{turning}": 4}
        after = tuple(4 if k == turning else k for k in (0, 1, 2, 3))
        plan = ValidatorPlan((0, 1, 2, 3), 3, after, 3, change)
    honest = tuple(n for n in nodes if n != "v3")
    net = draw_network(rng, nodes)
    crashes = draw_crashes(rng, honest, net.gst_ms, may_lose_state=False)
    if restarting:
        crashes += _restarting(random.Random(seed ^ 0xC4A5), honest, net.gst_ms)
    return Scenario(
        seed=seed,
        kind=Kind.SET_CHANGE,
        nodes=nodes,
        key_of=own_keys(nodes),
        byzantine_keys=frozenset({3}),
        validators=plan,
        max_height=max_height,
        crashes=crashes,
        epochs=draw_partitions(rng, nodes, net.gst_ms),
        network=net,
        strategy=strategy if attack is None else attack,
        rotated=rotated,
    )
