"""What a transaction handler sees: the block context and the tx being executed. Pure.

Time enters only as the agreed header's time_ms (DESIGN.md §4), never from a clock.
"""

from dataclasses import dataclass

from contracts.state import StateOverlay
from protocol.hashing import Hash32
from protocol.signing import PublicKey
from protocol.tx import SignedTx


@dataclass(frozen=True, slots=True, kw_only=True)
class BlockContext:
    """The header fields execution may read."""

    chain_id: Hash32
    height: int
    """Height of the block being executed (>= 1)."""
    time_ms: int
    """The header's time_ms: the only clock contracts know."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TxEnv:
    """One tx under execution: its child overlay, the block context and the signed tx."""

    state: StateOverlay
    ctx: BlockContext
    tx: SignedTx
    tx_id: Hash32

    @property
    def sender(self) -> PublicKey:
        return self.tx.tx.sender

    @property
    def signers(self) -> tuple[PublicKey, ...]:
        return self.tx.signers
