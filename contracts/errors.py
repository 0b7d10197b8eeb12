"""Typed errors of the contracts. Pure: no I/O.

ContractError
├── AdmissionError      the tx may never enter a block; carries an AdmissionReason
├── InvalidBlockError   a block holds an inadmissible tx or bad evidence: the whole block is invalid
├── GenesisStateError   genesis inputs contradict each other (duplicate ids or keys, missing roles)
└── TxRejectedError     a business rule refused the tx; execution turns it into a committed
                        TxResult(REJECTED, reason) and never lets it escape apply_block

Broken invariants are bugs and use `assert` (STYLE.md §7).
"""

from typing import Generic, TypeVar

from contracts.reasons import AdmissionReason, RejectReason

_Reason = TypeVar("_Reason", AdmissionReason, RejectReason)


class ContractError(Exception):
    """Base of every error the contracts raise."""


class _RefusalError(ContractError, Generic[_Reason]):
    """A tx refused for a reason code, with a detail naming what was refused."""

    def __init__(self, reason: _Reason, detail: str = "") -> None:
        super().__init__(f"{reason.value}: {detail}" if detail else reason.value)
        self.reason: _Reason = reason
        self.detail = detail


class AdmissionError(_RefusalError[AdmissionReason]):
    """A tx fails admission (DESIGN.md §2 step 2): never in a block."""


class InvalidBlockError(ContractError):
    """A proposed or replayed block breaks admission or carries invalid evidence."""

    def __init__(self, index: int, reason: str, detail: str) -> None:
        super().__init__(f"tx {index}: {reason}: {detail}")
        self.index = index
        """Position of the offending tx in the block; -1 for evidence."""
        self.reason = reason
        self.detail = detail


class TxRejectedError(_RefusalError[RejectReason]):
    """A business rule refuses the tx; the block stays valid and records the reason."""


class GenesisStateError(ContractError):
    """The genesis inputs contradict each other (duplicate ids or keys, missing roles)."""
