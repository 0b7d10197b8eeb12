"""A simulated replica: the engine's state plus what its node keeps on disk and in memory
(signer state, persisted payloads, the committed chain and block store, its timers).

Plain data: tests/simulation/replica_driver.py carries out its engine's actions on it.
"""

from dataclasses import dataclass, field

from consensus import (
    CommitMessage,
    ReplicaState,
    Signer,
    SignerState,
)
from consensus.signer_state import SignedStep
from protocol.hashing import Hash32
from tests.fakes.manual_clock import LocalClock


@dataclass
class Replica:
    name: str
    key_index: int
    signer: Signer
    clock: LocalClock
    honest: bool
    persisted: SignerState
    persisted_payloads: dict[Hash32, bytes] = field(default_factory=dict)
    """Payloads written on PersistPayload, beside the signer state (and lost with it)."""
    state: ReplicaState | None = None
    chain: list[Hash32] = field(default_factory=list)
    stored: dict[int, CommitMessage] = field(default_factory=dict)
    """The node's block store: certificate and payload per committed height."""
    timers: list[int] = field(default_factory=list)
    built: int = 0
    halted: bool = False
    """It saw a conflicting certificate (ForkDetected) and signs nothing more."""
    evidence_against: set[int] = field(default_factory=set)
    """Keys named by evidence this replica found or received by evidence gossip."""
    locked_at_ms: int = 0
    """When its signer state on disk last took a new lock (Adversary.crash_wanted)."""
    rotated_signer: Signer | None = None
    """The key it signs with once the set's change rotated its key (Scenario.rotated)."""


def resumed_in_round(round_number: int) -> SignerState:
    """A signer state that last signed a nil prevote at height 1, round round_number."""
    return SignerState(height=1, round=round_number, step=SignedStep.PREVOTE, block_hash=None)
