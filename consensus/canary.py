"""Deliberately broken engine variants, switched on only by tests. Pure.

The simulator must catch each of them with a safety violation; a canary that survives the
CI seeds means the simulator has lost its teeth. Production code always uses NO_CANARY.
"""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, kw_only=True)
class Canary:
    """Which rule to break. All False is the correct engine."""

    lock_rule_off: bool = False
    """Prevote for any valid proposal, ignoring lockedValue/lockedRound (Alg. 1 lines 23, 29)."""
    quorum_minus_one: bool = False
    """Count q-1 votes as a quorum everywhere q (the paper's 2f+1) is required."""
    skip_signer_state_persist: bool = False
    """Never emit PersistSignerState, so a restart resumes from a stale signer state."""


NO_CANARY = Canary()
