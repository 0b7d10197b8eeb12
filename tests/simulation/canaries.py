"""Deliberately broken replicas, injected by the simulator; the engine knows nothing of them.

The simulator must catch each with a fork; a canary that survives the CI seeds means it has
lost its teeth (issue 4). Each canary wraps the real engine from outside, so consensus/
carries no test switch (issue 12):
- lock rule off: the prevote rule (Alg. 1 lines 23, 29) sees the replica unlocked, so it
  prevotes for any valid proposal, ignoring lockedValue/lockedRound;
- quorum q-1: the replica's state counts q-1 votes as a quorum everywhere q is required;
- signer state not persisted: the replica's PersistSignerState (and the PersistPayload that
  goes with it) never reach the simulated disk, so a restart resumes from a stale state.
"""

import enum
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from types import ModuleType
from typing import Any

import consensus.engine
import consensus.rules
from consensus import (
    Action,
    Event,
    PersistPayload,
    PersistSignerState,
    ReplicaState,
    start_replica,
    step,
)

Started = tuple[ReplicaState, list[Action]]


class Canary(enum.Enum):
    """Which rule a broken replica breaks; the value names it in the simulation report."""

    LOCK_RULE_OFF = "lock rule off"
    QUORUM_MINUS_ONE = "quorum q-1"
    SIGNER_STATE_NOT_PERSISTED = "signer state not persisted"


@dataclass(frozen=True, slots=True)
class Engine:
    """The two entry points the simulator drives a replica through."""

    start: Callable[..., Started]
    """start_replica's signature."""
    step: Callable[[ReplicaState, Event], Started]


HONEST = Engine(start=start_replica, step=step)


def engine_for(canary: Canary | None) -> Engine:
    """The honest engine, or the one broken as canary says."""
    if canary is None:
        return HONEST
    if canary is Canary.LOCK_RULE_OFF:
        return Engine(start=_with_lock_ignored(start_replica), step=_with_lock_ignored(step))
    if canary is Canary.QUORUM_MINUS_ONE:
        return Engine(start=_quorum_lowered_start, step=step)
    return Engine(start=_unpersisted(start_replica), step=_unpersisted(step))


# --- lock rule off -----------------------------------------------------------------------

_HONEST_PREVOTE = consensus.rules.prevote_on_proposal


def _prevote_ignoring_lock(state: ReplicaState, out: list[Action]) -> ReplicaState | None:
    """The real prevote rule on a state without a lock; the lock itself is kept."""
    signer = state.signer
    unlocked = replace(state, signer=replace(signer, locked_round=-1, locked_block=None))
    fired = _HONEST_PREVOTE(unlocked, out)
    if fired is None:
        return None
    kept = replace(fired.signer, locked_round=signer.locked_round, locked_block=signer.locked_block)
    return replace(fired, signer=kept)


@contextmanager
def _substituted(module: ModuleType, name: str, value: object) -> Iterator[None]:
    """module.name is value for one engine call (the simulator is single-threaded)."""
    honest = getattr(module, name)
    setattr(module, name, value)
    try:
        yield
    finally:
        setattr(module, name, honest)


def _with_lock_ignored(call: Callable[..., Started]) -> Callable[..., Started]:
    rules = tuple(
        _prevote_ignoring_lock if rule is _HONEST_PREVOTE else rule
        for rule in consensus.rules.RULES
    )

    def broken(*args: Any, **kwargs: Any) -> Started:
        with _substituted(consensus.rules, "RULES", rules):
            return call(*args, **kwargs)

    return broken


# --- quorum q-1 --------------------------------------------------------------------------


class _QuorumMinusOneState(ReplicaState):
    """A replica state whose quorum is one short; dataclasses.replace keeps the class."""

    __slots__ = ()

    @property
    def quorum(self) -> int:
        return self.validators.quorum - 1


def _quorum_lowered_start(*args: Any, **kwargs: Any) -> Started:
    """start_replica building the lowered state: its rules already count to q-1 (a
    resumed replica re-casts its last vote, which alone may reach q-1)."""
    with _substituted(consensus.engine, "ReplicaState", _QuorumMinusOneState):
        return start_replica(*args, **kwargs)


# --- signer state not persisted ----------------------------------------------------------


def _unpersisted(call: Callable[..., Started]) -> Callable[..., Started]:
    def broken(*args: Any, **kwargs: Any) -> Started:
        state, actions = call(*args, **kwargs)
        lost = (PersistSignerState, PersistPayload)
        return state, [action for action in actions if not isinstance(action, lost)]

    return broken
