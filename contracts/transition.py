"""The block transition: execute a block on a state, and check what its header claims. Pure.

Every executor of blocks goes through here (docs/STATE.md "Where the rules live"): the
node's ledger builds and validates proposals with execute_block and check_execution on its
LevelDB overlay, and the in-memory chain replay (contracts/replay.py) serves the auditor's
replay and the web's serial history. Header and body links are checked by
protocol/block_check.py; the execution problems here use the same BlockProblem kinds, so
a validator (first problem refuses the block) and an auditor (every problem is a finding)
cannot disagree by omission.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from contracts.admission import VerifySignature
from contracts.context import BlockContext
from contracts.errors import ContractError
from contracts.execution import StateWrites, TxChanges, apply_block
from contracts.state import StateView
from contracts.state_tree import update_state_tree
from contracts.validator_sets import next_validator_set
from protocol.block import Block, BlockHeader, results_root
from protocol.block_check import BlockProblem, BlockProblemKind, Claim, mismatches
from protocol.evidence import Evidence
from protocol.hashing import Hash32
from protocol.results import TxResult
from protocol.signing import verify_signature
from protocol.smt import SmtStore
from protocol.tx import SignedTx
from protocol.validators import ValidatorSet


@dataclass(frozen=True, slots=True, kw_only=True)
class Transition:
    """A block executed on a state: its writes and results, and the roots they give."""

    height: int
    writes: StateWrites
    """Every state write of the block (None deletes), in sorted key order."""
    results: tuple[TxResult, ...]
    results_root: Hash32
    state_root: Hash32 | None
    """The state tree's root after the writes; None when executed without a tree."""
    next_validators: ValidatorSet
    """The set that certifies the next block: next_validators_hash's preimage."""
    tx_changes: tuple[TxChanges, ...]
    """Per tx, in block order, what it changed; empty unless execution was traced."""


def block_context(chain_id: Hash32, header: BlockHeader) -> BlockContext:
    """What execution may read of a header, on the chain the executor follows."""
    return BlockContext(chain_id=chain_id, height=header.height, time_ms=header.time_ms)


def execute_block(
    state: StateView,
    ctx: BlockContext,
    txs: Sequence[SignedTx],
    evidence: Sequence[Evidence],
    *,
    tree: SmtStore | None,
    verify: VerifySignature = verify_signature,
    trace: bool = False,
) -> Transition:
    """Execute a block on state; record its writes as version ctx.height of tree, if given.

    state is not changed: the caller applies transition.writes when it adopts the block.
    Requires a state built from genesis_state and, with a tree, that tree holds state's
    version ctx.height - 1. Raises contracts.errors.InvalidBlockError when a tx is
    inadmissible or evidence is invalid (the block does not execute).
    """
    changes: list[TxChanges] | None = [] if trace else None
    writes, results = apply_block(state, ctx, txs, evidence, verify=verify, tx_changes=changes)
    return Transition(
        height=ctx.height,
        writes=writes,
        results=results,
        results_root=results_root(results),
        state_root=None if tree is None else update_state_tree(tree, ctx.height, writes),
        next_validators=next_validator_set(_WrittenView(state, writes)),
        tx_changes=() if changes is None else tuple(changes),
    )


def check_execution(header: BlockHeader, transition: Transition) -> list[BlockProblem]:
    """Every root the header claims that execution does not give (§11.3), in a fixed order.

    state_root is compared only when the transition was executed with a tree.
    """
    kinds = BlockProblemKind
    pairs: list[tuple[BlockProblemKind, Claim, Claim]] = [
        (kinds.RESULTS_ROOT, header.results_root, transition.results_root),
    ]
    if transition.state_root is not None:
        pairs.append((kinds.STATE_ROOT, header.state_root, transition.state_root))
    next_hash = transition.next_validators.hash()
    pairs.append((kinds.NEXT_VALIDATORS_HASH, header.next_validators_hash, next_hash))
    return mismatches(tuple(pairs))


def verify_execution(
    state: StateView,
    block: Block,
    *,
    chain_id: Hash32,
    tree: SmtStore | None,
    verify: VerifySignature = verify_signature,
    trace: bool = False,
) -> tuple[Transition | None, list[BlockProblem]]:
    """Execute block and compare its header's roots: the transition (None when the block
    does not execute) and every problem found, NOT_EXECUTABLE included."""
    ctx = block_context(chain_id, block.header)
    try:
        transition = execute_block(
            state, ctx, block.txs, block.evidence, tree=tree, verify=verify, trace=trace
        )
    except ContractError as error:
        return None, [BlockProblem(kind=BlockProblemKind.NOT_EXECUTABLE, note=str(error))]
    return transition, check_execution(block.header, transition)


class _WrittenView:
    """state as it is after writes, for reading the next validator set without copying."""

    def __init__(self, state: StateView, writes: Mapping[str, bytes | None]) -> None:
        self._state = state
        self._writes = writes

    def get(self, key: str) -> bytes | None:
        if key in self._writes:
            return self._writes[key]
        return self._state.get(key)
