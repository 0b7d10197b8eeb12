"""A scenario: which replicas run, with which keys and validator sets, which faults hit them
and when. Drawn from one seed (tests/simulation/kinds.py, strategic.py), so the seed alone
replays it; tests/simulation/simulator.py runs it.
"""

import enum
from dataclasses import dataclass, field

from tests.simulation.strategies import Strategy


class Kind(enum.Enum):
    CRASH3 = "crash3"
    BYZANTINE4 = "byzantine4"
    SET_CHANGE = "set_change"
    EQUIVOCATE3 = "equivocate3"
    LOCK_TRAP = "lock_trap"


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
