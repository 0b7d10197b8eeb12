"""The header and body checks of a block against its parent, as typed problems. Pure.

PROTOCOL.md §11.1-§11.2 written once: a validator (node/ledger.py) refuses a proposal at
the first problem, the auditor (client/audit/block.py) records every problem as a finding.
Each check returns BlockProblems (a kind plus the claimed and expected values) and never
raises; each caller maps the kinds to its own errors. The execution checks (results_root,
state_root, next_validators_hash) use the same kinds and live in contracts/transition.py.
"""

import enum
from dataclasses import dataclass

from protocol.block import BLOCK_EVIDENCE_MAX, Block, BlockHeader, evidence_root, tx_root
from protocol.hashing import Hash32
from protocol.tx import PROTOCOL_VERSION
from protocol.validators import ValidatorSet


class BlockProblemKind(enum.Enum):
    """Every way a block can disagree with its parent, its body or its execution."""

    # Header links (§11.1)
    PROTOCOL_VERSION = "protocol_version"
    CHAIN_ID = "chain_id"
    HEIGHT = "height"
    PREV_HASH = "prev_hash"
    HISTORY_ROOT = "history_root"
    VALIDATORS_HASH = "validators_hash"
    TIME_NOT_INCREASING = "time_not_increasing"
    TIME_AHEAD = "time_ahead"
    """Only for a live proposal: time_ms past the validator's clock plus the allowed drift."""
    PROPOSER_NOT_VALIDATOR = "proposer_not_validator"
    # Body (§11.2)
    TX_ROOT = "tx_root"
    EVIDENCE_ROOT = "evidence_root"
    EVIDENCE_COUNT = "evidence_count"
    """More evidence items than BLOCK_EVIDENCE_MAX (ADR 0016)."""
    # Execution (§11.3, contracts/transition.py)
    NOT_EXECUTABLE = "not_executable"
    RESULTS_ROOT = "results_root"
    STATE_ROOT = "state_root"
    NEXT_VALIDATORS_HASH = "next_validators_hash"


Claim = int | bytes | None


@dataclass(frozen=True, slots=True, kw_only=True)
class BlockProblem:
    """One problem of a block: its kind, what the block claims and what was expected."""

    kind: BlockProblemKind
    claimed: Claim = None
    """The block's value (a header field); None where the block claims nothing."""
    expected: Claim = None
    """The value the check computed or the parent implies (the local clock for TIME_AHEAD)."""
    note: str = ""
    """Why, where no pair of values says it: the contract error of NOT_EXECUTABLE."""

    @property
    def detail(self) -> str:
        """One sentence for logs, errors and audit findings."""
        kind, claimed, expected = self.kind, _show(self.claimed), _show(self.expected)
        if kind is BlockProblemKind.TIME_NOT_INCREASING:
            return f"time_ms does not increase: {claimed} <= previous {expected}"
        if kind is BlockProblemKind.TIME_AHEAD:
            # Operators grep logs for this sentence (docs/RELIABILITY.md): keep its words.
            ahead_ms = int(self.claimed or 0) - int(self.expected or 0)
            return f"time_ms is {ahead_ms} ms ahead"
        if kind is BlockProblemKind.PROPOSER_NOT_VALIDATOR:
            return f"proposer {claimed} is not a validator of this height"
        if kind is BlockProblemKind.NOT_EXECUTABLE:
            return f"block does not execute: {self.note}"
        if kind is BlockProblemKind.EVIDENCE_COUNT:
            return f"block carries {claimed} evidence items, more than {expected}"
        return f"{kind.value} {claimed} != expected {expected}"


@dataclass(frozen=True, slots=True, kw_only=True)
class BlockParent:
    """What a block at height h is checked against: the chain up to h-1."""

    header: BlockHeader
    history_root: Hash32
    """RFC 9162 root over headers 0 .. h-1."""
    validators: ValidatorSet
    """The set that must certify height h (the parent state's next set)."""
    chain_id: Hash32


def check_header(
    header: BlockHeader, parent: BlockParent, *, now_ms: int | None = None, drift_ms: int = 0
) -> list[BlockProblem]:
    """Every problem of header's links to parent (§11.1), in a fixed order.

    now_ms is the validator's clock for a live proposal; None (synced blocks, audits)
    skips the clock check, which no later reader can repeat.
    """
    kinds = BlockProblemKind
    pairs: tuple[tuple[BlockProblemKind, Claim, Claim], ...] = (
        (kinds.PROTOCOL_VERSION, header.protocol_version, PROTOCOL_VERSION),
        (kinds.CHAIN_ID, header.chain_id, parent.chain_id),
        (kinds.HEIGHT, header.height, parent.header.height + 1),
        (kinds.PREV_HASH, header.prev_hash, parent.header.block_hash()),
        (kinds.HISTORY_ROOT, header.history_root, parent.history_root),
        (kinds.VALIDATORS_HASH, header.validators_hash, parent.validators.hash()),
    )
    problems = mismatches(pairs)
    if header.time_ms <= parent.header.time_ms:
        problems.append(
            BlockProblem(
                kind=kinds.TIME_NOT_INCREASING,
                claimed=header.time_ms,
                expected=parent.header.time_ms,
            )
        )
    if now_ms is not None and header.time_ms > now_ms + drift_ms:
        problems.append(
            BlockProblem(kind=kinds.TIME_AHEAD, claimed=header.time_ms, expected=now_ms)
        )
    # Not "this round's proposer": Tendermint re-proposes a locked valid block in later
    # rounds (Alg. 1 line 16), and its header keeps the validator that first built it.
    if not parent.validators.contains(header.proposer):
        problems.append(BlockProblem(kind=kinds.PROPOSER_NOT_VALIDATOR, claimed=header.proposer))
    return problems


def check_body(block: Block) -> list[BlockProblem]:
    """tx_root and evidence_root of block's header against its body, and the evidence
    bound (§11.2)."""
    header = block.header
    problems = mismatches(
        (
            (BlockProblemKind.TX_ROOT, header.tx_root, tx_root(block.txs)),
            (BlockProblemKind.EVIDENCE_ROOT, header.evidence_root, evidence_root(block.evidence)),
        )
    )
    if len(block.evidence) > BLOCK_EVIDENCE_MAX:
        kind = BlockProblemKind.EVIDENCE_COUNT
        problems.append(
            BlockProblem(kind=kind, claimed=len(block.evidence), expected=BLOCK_EVIDENCE_MAX)
        )
    return problems


@dataclass(frozen=True, slots=True)
class BodyChecked:
    """A block whose body check_body found sound; made by checked_body, so a caller that
    checked it once (block sync's parse ahead) hands that on and no one hashes it again."""

    block: Block


def checked_body(block: Block) -> BodyChecked | None:
    """block as BodyChecked when check_body finds no problem, else None."""
    return None if check_body(block) else BodyChecked(block)


def mismatches(pairs: tuple[tuple[BlockProblemKind, Claim, Claim], ...]) -> list[BlockProblem]:
    """A problem for every (kind, claimed, expected) whose values differ, in order."""
    return [
        BlockProblem(kind=kind, claimed=claimed, expected=expected)
        for kind, claimed, expected in pairs
        if claimed != expected
    ]


def _show(value: Claim) -> str:
    return value.hex() if isinstance(value, bytes) else str(value)
