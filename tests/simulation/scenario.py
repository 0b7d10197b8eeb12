"""Seeded scenarios: which replicas run, which faults hit them and when.

A scenario is drawn entirely from random.Random(seed), so the seed alone replays it.
Kinds: CRASH3 (n=3, q=2, crash faults), BYZANTINE4 (n=4, q=3, one key run as Twins),
SET_CHANGE (3 validators, q=2, growing to 4, q=3, at a seeded height), EQUIVOCATE3
(n=3 with a Twins pair fully connected: forks are possible, evidence must name it),
LOCK_TRAP (n=3, a targeted schedule in which only the lock, kept across a crash, prevents
a fork: the canaries for the lock rule and for signer-state persistence fall into it).
"""

import enum
import random
from collections.abc import Callable
from dataclasses import dataclass, field, replace


class Kind(enum.Enum):
    CRASH3 = "crash3"
    BYZANTINE4 = "byzantine4"
    SET_CHANGE = "set_change"
    EQUIVOCATE3 = "equivocate3"
    LOCK_TRAP = "lock_trap"


class Strategy(enum.Enum):
    SILENT = "silent"
    """Sends nothing at all: a crashed validator (the baseline the others are held to)."""
    HOLD_GAP = "hold_gap"
    """Honest replicas start rounds apart. To every honest replica behind another it sends a
    prevote of that replica's own round (never a precommit), so rounds.catch_up sees it held
    by a validator in its round; it never votes above a laggard (no f+1 skip) and sends the
    one ahead nothing."""
    HOLD_GAP_LOW = "hold_gap_low"
    """HOLD_GAP with the holding prevote one round below the laggard's."""
    SPLIT_VOTES = "split_votes"
    """Each round it splits the honest replicas in two: one side gets its real prevote and
    precommit, the other a conflicting one (nil for a block, a block for nil); as proposer
    it proposes a different block to each side, with matching votes: locks and POLs
    diverge as far as one equivocator can push them."""
    HIDDEN_LOCK = "hidden_lock"
    """Each round its prevote for the proposal goes to one honest replica only (the others
    get a nil prevote), so only that one sees a POL and locks; its precommits are nil to
    everyone, so nobody decides. Round by round it hides locks, on different values, at
    different replicas: what lines 28-33 and the valid value must undo."""
    PARTIAL_PROPOSAL = "partial_proposal"
    """As proposer, sends its proposal to one or two honest replicas only; votes normally."""
    LATE_PROPOSAL = "late_proposal"
    """As proposer, sends its proposal to each honest replica just before that replica's
    propose timeout (and its votes after that); sometimes to only some of them."""
    WITHHOLD_PRECOMMIT = "withhold_precommit"
    """Prevotes normally; sends each precommit to one honest replica, or to none, so a
    certificate that needs it forms at one replica only."""
    FUTURE_SPAM = "future_spam"
    """Plays along, and on every tick sends random honest replicas votes of far-future
    rounds (next rounds up to the round window), double votes in the current round
    (evidence), status messages from heights ahead and requests for unknown blocks."""
    DRAG = "drag"
    """Honest replicas start rounds apart. Sends each honest replica a prevote of the round
    above its own on every tick and nothing else: catch_up must not let it pull a group
    away from the replicas it waits for."""
    TOGGLE = "toggle"
    """Honest replicas start rounds apart. Tells each honest replica, tick by tick, that it
    is one round below it, then one above: it turns the wait for those behind
    (rounds.waits_for_those_behind) on and off, to keep a replica waiting or restarting
    its round. Nothing else."""
    MIXED = "mixed"
    """Each round one of the above at random (not SILENT)."""
    REPLAY = "replay"
    """Honest replicas start rounds apart. Sends each honest replica, spread over every
    tick, the other honest validators' own old votes (the highest it holds below that
    replica's height and round: the round before, or the previous height) and a prevote of
    its own a round below, and nothing else: every replica hears every other behind it, so
    waits_for_those_behind holds it and catch_up never moves it (no new signature needed)."""
    STALE = "stale"
    """Aims at the bounds on what a replica keeps below its round (intake._over_budget,
    _payload_wanted). Honest replicas start rounds apart, and it holds the gap as
    HOLD_GAP_LOW does, so rounds pass; it proposes and prevotes normally, but its
    precommits arrive two round timeouts late (below the round before the receiver's,
    where the four-round budget applies), and on every tick it replays to each honest
    replica the other honest validators' votes of rounds long below that replica's that it
    lacks (filling their budgets there) and the old proposals it holds (kept only for a
    payload wanted)."""
    LOST_POL_UNSENT = "lost_pol_unsent"
    """LOST_POL, but the crash comes in the very step in which that replica locks, after
    its signer state is on disk and before anything of the step is sent (a crash between
    the fsync and the sends): its precommit and the POL it passes on are lost too."""
    SPLIT_PROPOSAL = "split_proposal"
    """As proposer, a different valid block (pol_round -1) to each honest replica, every
    round; votes as its engine does (for the first of them)."""
    WITHHOLD_FROM_ONE = "withhold_from_one"
    """Votes normally, but each precommit goes to every honest replica except one (by
    height and round): that one may need it for its quorum, and must decide by a
    certificate from the others (catch-up)."""
    LOST_POL = "lost_pol"
    """Hides locks (HIDDEN_LOCK; as proposer it sends its block to two honest replicas,
    its prevote for it to one of them) until two honest replicas are locked on different
    blocks; then the fault schedule crashes the one locked in the later round, whose POL
    only it held (a restart keeps the lock, not the votes received), and it goes SILENT.
    That replica now proposes its lock with pol_round -1 (rounds.start_round), which the
    other locked replica refuses (line 23); the other proposes its older POL, which the
    restarted one refuses (line 29); a fresh value both refuse."""
    AMNESIA = "amnesia"
    """Plays along, and now and then restarts from an older signer state of its own (or a
    wiped one, as `keys new` writes) at its height: it then signs again, often otherwise,
    in rounds it already voted in (double votes, a lock forgotten). The one fault: f=1."""
    JOIN = "join"
    """n=4 growing to 5 (q 3 -> 4): an honest non-validator joins after change_height.
    At change_height and the next height, each round it equivocates as proposer (a block to
    each honest replica), withholds its proposal (from all or some), or withholds its
    precommits; elsewhere it plays along."""
    LEAVE = "leave"
    """JOIN's attack, with n=5 shrinking to 4 (q 4 -> 3): an honest validator leaves."""
    ROTATE = "rotate"
    """JOIN's attack at n=4, with one validator (the Byzantine one or an honest one)
    rotating its key at change_height (same name, same quorum: contracts'
    replace_validator_key); the old key keeps signing whatever the Byzantine likes."""
    SPLIT_HEARD = "split_heard"
    """Honest replicas start rounds apart. Plays along, and on every tick tells each honest
    replica a different round (a nil prevote of one below, its own, one or two above, the
    offsets turning tick by tick), so no two replicas hear it in the same place: what
    catch_up and waits_for_those_behind read (intake.heard)."""
    LATE_PRECOMMIT = "late_precommit"
    """Votes normally, but its precommits go to one honest replica (by height and round)
    only once another honest replica has entered the next height, just as that height's
    proposal goes out; the others get them at once."""
    PULL_AHEAD = "pull_ahead"
    """Never votes. On every tick it sends one honest replica (the first) a nil prevote
    far above its round (half the round window), and each of the others a prevote of its
    own round (as hold_gap does). While the first cannot hear some other honest replica
    (a partition, a crash), catch_up follows the one validator above it; the two left
    behind count q with the Byzantine and stay."""
    LAST_MOMENT = "last_moment"
    """A timing adversary: plays along, but each message reaches the honest replicas just
    before the timeout it could still beat there: its proposal before the propose timeout,
    its prevote before the prevote timeout, its precommit before the precommit timeout
    (each sent that step's timeout late, less up to two network delays)."""


SET_CHANGES = (Strategy.JOIN, Strategy.LEAVE, Strategy.ROTATE)
"""Strategies played across a validator-set change (make_set_change_scenario)."""


@dataclass(frozen=True, slots=True)
class Combined:
    """Combined faults: two Byzantine keys at n=7 each playing its own strategy, or at n=4 a
    set change (JOIN, LEAVE or ROTATE: its validator plan) while the Byzantine key plays
    another strategy throughout instead of the set change's own attack. Written "a+b"."""

    strategies: tuple[Strategy, ...]

    @property
    def value(self) -> str:
        return "+".join(s.value for s in self.strategies)

    @property
    def set_change(self) -> Strategy | None:
        return self.strategies[0] if self.strategies[0] in SET_CHANGES else None

    @classmethod
    def parse(cls, text: str) -> "Combined":
        return cls(tuple(Strategy(name) for name in text.split("+")))


@dataclass(frozen=True, slots=True)
class Crash:
    node: str
    at_ms: int
    restart_ms: int
    lose_signer_state: bool


@dataclass(frozen=True, slots=True)
class LinkEpoch:
    """From at_ms on, these links are blocked (until the next epoch)."""

    at_ms: int
    blocked: frozenset[tuple[str, str]]


@dataclass(frozen=True, slots=True)
class NetworkPlan:
    gst_ms: int
    """Global stabilisation time: faults stop, partitions heal, crashed replicas restart."""
    loss: float
    duplicate: float
    delay_max_ms: int
    skew_ms: dict[str, int]


NEVER = 1 << 30
"""The change_height of a validator set that never changes."""


@dataclass(frozen=True, slots=True)
class ValidatorPlan:
    """The validator keys and quorum up to change_height, and after it."""

    keys_before: tuple[int, ...]
    quorum_before: int
    keys_after: tuple[int, ...]
    quorum_after: int
    change_height: int = NEVER
    """Last height decided by the first set; the second set decides change_height + 1 on."""

    @classmethod
    def fixed(cls, keys: tuple[int, ...], quorum: int) -> "ValidatorPlan":
        return cls(keys, quorum, keys, quorum)


@dataclass(frozen=True, slots=True)
class Scenario:
    seed: int
    kind: Kind
    nodes: tuple[str, ...]
    """Replica instance names; Twins share a key: "v3a" and "v3b" both hold key 3."""
    key_of: dict[str, int]
    validators: ValidatorPlan
    max_height: int
    network: NetworkPlan
    byzantine_keys: frozenset[int] = frozenset()
    crashes: tuple[Crash, ...] = ()
    epochs: tuple[LinkEpoch, ...] = ()
    byzantine_links_after_gst: frozenset[tuple[str, str]] = field(default_factory=frozenset)
    trap_ms: int = 0
    """LOCK_TRAP only: when the committing replica is cut off and the locked one crashes."""
    strategy: Strategy | None = None
    """A deliberate Byzantine strategy for the Byzantine key (tests/simulation/adversary.py)."""
    strategies: tuple[Strategy, ...] = ()
    """Combined faults: each Byzantine key's own strategy, in key order (Combined); empty:
    every Byzantine key plays strategy."""
    start_rounds: dict[str, int] = field(default_factory=dict)
    """Replicas that start at height 1 in a round above 0, resuming a signer state that
    signed a nil prevote there (as after timing rounds alone and restarting)."""
    rotated: dict[str, int] = field(default_factory=dict)
    """Replicas that sign with another key from change_height + 1 on (a key rotation)."""

    def key_indices(self) -> tuple[int, ...]:
        """Every key of the run: each replica's first key and its rotated one."""
        return tuple(sorted({*self.key_of.values(), *self.rotated.values()}))

    def byzantine_indices(self) -> frozenset[int]:
        """The Byzantine keys, with the keys they rotate to."""
        rotated = {i for n, i in self.rotated.items() if self.key_of[n] in self.byzantine_keys}
        return self.byzantine_keys | rotated

    def validator_keys(self, height: int) -> tuple[int, ...]:
        plan = self.validators
        return plan.keys_before if height <= plan.change_height else plan.keys_after

    def quorum(self, height: int) -> int:
        plan = self.validators
        return plan.quorum_before if height <= plan.change_height else plan.quorum_after


def _own_keys(nodes: tuple[str, ...]) -> dict[str, int]:
    """Each replica holds its own key: no Twins."""
    return {n: i for i, n in enumerate(nodes)}


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


def _network(rng: random.Random, nodes: tuple[str, ...]) -> NetworkPlan:
    return NetworkPlan(
        gst_ms=rng.randint(800, 3000),
        loss=rng.choice((0.0, 0.05, 0.15, 0.3)),
        duplicate=rng.choice((0.0, 0.05, 0.2)),
        delay_max_ms=rng.choice((10, 40, 120, 250)),
        skew_ms={n: rng.randint(-300, 300) for n in nodes},
    )


def _crashes(
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


def _partitions(rng: random.Random, nodes: tuple[str, ...], gst_ms: int) -> tuple[LinkEpoch, ...]:
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
    net = _network(rng, nodes)
    validators = plan()
    return Scenario(
        seed=seed,
        kind=kind,
        nodes=nodes,
        key_of=_own_keys(nodes),
        validators=validators,
        max_height=max_height,
        crashes=_crashes(rng, nodes, net.gst_ms),
        epochs=_partitions(rng, nodes, net.gst_ms),
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
    net = _network(rng, nodes)
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
        crashes=_crashes(rng, honest, gst, may_lose_state=False),
        epochs=epochs,
        byzantine_links_after_gst=twin_links,
        network=net,
    )


def _equivocate3(rng: random.Random, seed: int, max_height: int) -> Scenario:
    nodes = ("v0", "v1", "v2a", "v2b")
    net = _network(rng, nodes)
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
        key_of=_own_keys(nodes),
        validators=ValidatorPlan.fixed((0, 1, 2), 2),
        max_height=max_height,
        network=net,
        trap_ms=trap_ms,
    )


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
    net = _network(rng, nodes)
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
    crashes = _crashes(rng, honest, net.gst_ms, may_lose_state=False)
    if restarting:
        crashes += _restarting(random.Random(seed ^ 0xC4A5), honest, net.gst_ms)
    scenario = _strategic(
        seed,
        played[0],
        max_height,
        start_rounds,
        network=net,
        crashes=crashes,
        epochs=_partitions(rng, nodes, net.gst_ms),
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
        key_of=_own_keys(nodes),
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
    net = _network(rng, nodes)
    crashes = _crashes(rng, honest, net.gst_ms, may_lose_state=False)
    if restarting:
        crashes += _restarting(random.Random(seed ^ 0xC4A5), honest, net.gst_ms)
    return Scenario(
        seed=seed,
        kind=Kind.SET_CHANGE,
        nodes=nodes,
        key_of=_own_keys(nodes),
        byzantine_keys=frozenset({3}),
        validators=plan,
        max_height=max_height,
        crashes=crashes,
        epochs=_partitions(rng, nodes, net.gst_ms),
        network=net,
        strategy=strategy if attack is None else attack,
        rotated=rotated,
    )
