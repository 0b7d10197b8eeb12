"""What an audit found: one Finding per problem, with its code, height, node and evidence.

Pure data (no I/O). Codes are stable strings that scripts may match on; an ERROR finding
makes `lantan audit` exit non-zero, a WARNING does not (docs/PROTOCOL.md §11).
"""

import enum
from dataclasses import dataclass, field

from protocol.encoding import JsonObject


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"


class FindingCode(enum.Enum):
    """Every way a chain, a node or a checkpoint can fail the audit."""

    # A node's answers
    NODE_UNREACHABLE = "NODE_UNREACHABLE"
    WRONG_CHAIN = "WRONG_CHAIN"
    NOT_A_NODE = "NOT_A_NODE"
    """The URL answers, but its /v1/status is not a Lantan node's: nothing of it is audited."""
    """The node serves another chain than the genesis file defines: nothing of it is audited."""
    BLOCK_MISSING = "BLOCK_MISSING"
    BLOCK_MALFORMED = "BLOCK_MALFORMED"
    # Header links (PROTOCOL.md §11.1)
    HEADER_FIELD_MISMATCH = "HEADER_FIELD_MISMATCH"
    PREV_HASH_MISMATCH = "PREV_HASH_MISMATCH"
    HISTORY_ROOT_MISMATCH = "HISTORY_ROOT_MISMATCH"
    TIME_NOT_INCREASING = "TIME_NOT_INCREASING"
    VALIDATORS_HASH_MISMATCH = "VALIDATORS_HASH_MISMATCH"
    PROPOSER_NOT_VALIDATOR = "PROPOSER_NOT_VALIDATOR"
    VALIDATOR_SET_UNKNOWN = "VALIDATOR_SET_UNKNOWN"
    # Commit certificates (§8.2)
    CERTIFICATE_MISSING = "CERTIFICATE_MISSING"
    CERTIFICATE_MALFORMED = "CERTIFICATE_MALFORMED"
    CERTIFICATE_WRONG_BLOCK = "CERTIFICATE_WRONG_BLOCK"
    CERTIFICATE_DUPLICATE_SIGNER = "CERTIFICATE_DUPLICATE_SIGNER"
    CERTIFICATE_NON_VALIDATOR = "CERTIFICATE_NON_VALIDATOR"
    CERTIFICATE_BAD_SIGNATURE = "CERTIFICATE_BAD_SIGNATURE"
    CERTIFICATE_BELOW_QUORUM = "CERTIFICATE_BELOW_QUORUM"
    # Block bodies and served results (§11.2)
    TX_ROOT_MISMATCH = "TX_ROOT_MISMATCH"
    EVIDENCE_ROOT_MISMATCH = "EVIDENCE_ROOT_MISMATCH"
    EVIDENCE_OVER_BOUND = "EVIDENCE_OVER_BOUND"
    TX_SIGNATURE_INVALID = "TX_SIGNATURE_INVALID"
    RESULTS_MISMATCH = "RESULTS_MISMATCH"
    # Replay (§11.3)
    BLOCK_NOT_EXECUTABLE = "BLOCK_NOT_EXECUTABLE"
    REPLAY_RESULTS_ROOT_MISMATCH = "REPLAY_RESULTS_ROOT_MISMATCH"
    REPLAY_STATE_ROOT_MISMATCH = "REPLAY_STATE_ROOT_MISMATCH"
    REPLAY_NEXT_VALIDATORS_MISMATCH = "REPLAY_NEXT_VALIDATORS_MISMATCH"
    # Agreement between nodes
    FORK = "FORK"
    NODE_DIVERGES = "NODE_DIVERGES"
    # Checkpoints (§10, §11.4)
    CHECKPOINT_UNAVAILABLE = "CHECKPOINT_UNAVAILABLE"
    CHECKPOINT_INVALID = "CHECKPOINT_INVALID"
    CHECKPOINT_ROOT_MISMATCH = "CHECKPOINT_ROOT_MISMATCH"
    CONSISTENCY_PROOF_INVALID = "CONSISTENCY_PROOF_INVALID"
    CONSISTENCY_PROOF_UNAVAILABLE = "CONSISTENCY_PROOF_UNAVAILABLE"
    SAVED_CHECKPOINT_INVALID = "SAVED_CHECKPOINT_INVALID"
    SAVED_CHECKPOINT_NOT_EXTENDED = "SAVED_CHECKPOINT_NOT_EXTENDED"
    ROLLBACK = "ROLLBACK"
    """A node serves another block under the saved checkpoint, and less than it."""
    NODE_BEHIND_SAVED_CHECKPOINT = "NODE_BEHIND_SAVED_CHECKPOINT"
    """A node's head is below the saved checkpoint: it cannot be checked against it yet."""


WARNINGS = frozenset(
    {
        FindingCode.CHECKPOINT_UNAVAILABLE,
        FindingCode.CONSISTENCY_PROOF_UNAVAILABLE,
        FindingCode.NODE_BEHIND_SAVED_CHECKPOINT,
    }
)
"""Codes that do not fail the audit: a node may not have a quorum note yet, an older
node may not serve consistency proofs (the auditor recomputes the roots anyway), and a
node behind the saved checkpoint may be catching up (nothing it serves contradicts it)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Finding:
    """One problem: its code, the height it concerns, the nodes that served it, and why."""

    code: FindingCode
    height: int | None
    """The block height (or, for checkpoints, size - 1) the finding is about."""
    nodes: tuple[str, ...]
    """URLs of the nodes that served the offending data (empty for the saved checkpoint)."""
    detail: str
    evidence: JsonObject | None = field(default=None, compare=False)
    """Transferable evidence (both certificates, both signed checkpoints) for a fork."""

    @property
    def severity(self) -> Severity:
        return Severity.WARNING if self.code in WARNINGS else Severity.ERROR

    def summary(self) -> str:
        """One line: `CODE at height H (nodes): detail`."""
        where = "" if self.height is None else f" at height {self.height}"
        who = f" [{', '.join(self.nodes)}]" if self.nodes else ""
        return f"{self.code.value}{where}{who}: {self.detail}"

    def to_json(self) -> JsonObject:
        return {
            "code": self.code.value,
            "severity": self.severity.value,
            "height": self.height,
            "nodes": list(self.nodes),
            "detail": self.detail,
            "evidence": self.evidence,
        }


def has_errors(findings: list[Finding]) -> bool:
    return any(f.severity is Severity.ERROR for f in findings)
