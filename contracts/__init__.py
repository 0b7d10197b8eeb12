"""The blue-carbon state machine (DESIGN.md §5): admission, execution, genesis state. Pure.

Public API: check_admissible (nodes, before the mempool), the block transition
(contracts/transition.py: the node's ledger) and the in-memory chain replay built on it
(contracts/replay.py: auditors, the web's serial history), apply_block (the per-tx body
of the transition; tests and benchmarks), genesis_state (genesis/), the validator-set
readers and record_evidence's duplicate check for proposers. State keys and record
schemas: contracts/state_keys.py, contracts/state_tree.py and docs/STATE.md.
"""

from contracts.admission import admit_signed_tx, check_admissible, committed_nonce, parse_signed_tx
from contracts.context import BlockContext
from contracts.errors import (
    AdmissionError,
    ContractError,
    GenesisStateError,
    InvalidBlockError,
    TxRejectedError,
)
from contracts.evidence import is_evidence_recorded
from contracts.execution import StateWrites, apply_block
from contracts.genesis_state import genesis_state
from contracts.reasons import AdmissionReason, RejectReason
from contracts.records import Account, Institution, Params, Role
from contracts.state import MemoryState, StateOverlay, StateView
from contracts.tx_types import TxType
from contracts.validator_sets import current_validator_set, next_validator_set

__all__ = [
    "Account",
    "AdmissionError",
    "AdmissionReason",
    "BlockContext",
    "ContractError",
    "GenesisStateError",
    "Institution",
    "InvalidBlockError",
    "MemoryState",
    "Params",
    "RejectReason",
    "Role",
    "StateOverlay",
    "StateView",
    "StateWrites",
    "TxRejectedError",
    "TxType",
    "admit_signed_tx",
    "apply_block",
    "check_admissible",
    "committed_nonce",
    "current_validator_set",
    "genesis_state",
    "is_evidence_recorded",
    "next_validator_set",
    "parse_signed_tx",
]
