"""A chain rebuilt in memory by execution alone, one adopted block at a time. Pure: no I/O.

The auditor's replay (client/audit/replay.py) and the web's serial history
(node/web/serial_history.py) both follow a chain this way; the node itself executes on its
LevelDB overlay (node/ledger.py). The state is a MemoryState and, unless turned off, the
state tree a LatestMemorySmtStore (the latest version's nodes only: a replay never goes
back), with the tree version = height (contracts/state_tree.py). A
candidate block executes on a branch (nothing changes until adopt()), so two blocks served
for one height (a fork) can both be checked against the same parent state.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from contracts.admission import VerifySignature
from contracts.execution import StateWrites
from contracts.state import MemoryState
from contracts.state_tree import update_state_tree
from contracts.transition import Transition, verify_execution
from protocol.block import Block
from protocol.block_check import BlockProblem, BlockProblemKind
from protocol.hashing import Hash32
from protocol.results import TxResult
from protocol.signing import verify_signature
from protocol.smt_store import BranchSmtStore, LatestMemorySmtStore
from protocol.validators import ValidatorSet


@dataclass(frozen=True, slots=True, kw_only=True)
class Execution:
    """A block executed on top of the replayed chain, not yet adopted."""

    transition: Transition
    branch: BranchSmtStore | None
    """The block's state-tree writes, kept apart until adopt(); None without a tree."""

    @property
    def height(self) -> int:
        return self.transition.height

    @property
    def writes(self) -> StateWrites:
        return self.transition.writes

    @property
    def results(self) -> tuple[TxResult, ...]:
        return self.transition.results

    @property
    def state_root(self) -> Hash32 | None:
        return self.transition.state_root

    @property
    def next_validators(self) -> ValidatorSet:
        return self.transition.next_validators


class ReplayState(Protocol):
    """The state a replay executes on, moved on by each adopted block's writes."""

    def get(self, key: str) -> bytes | None: ...

    def apply(self, writes: Mapping[str, bytes | None]) -> None: ...


class ChainReplay:
    """The state after the last adopted block of one chain, from its height-0 records."""

    def __init__(
        self,
        chain_id: Hash32,
        records: Mapping[str, bytes],
        *,
        with_tree: bool = True,
        verify: VerifySignature = verify_signature,
        state: ReplayState | None = None,
    ) -> None:
        """with_tree=False skips the state tree (state_root is then not checked); verify
        checks tx signatures (a reader of blocks its own node committed may trust them);
        state replaces the in-memory copy of records (e.g. a node's cursor over its stored
        state tree, node/committed_state.py), which then must hold the same records."""
        self.chain_id = chain_id
        self.state: ReplayState = MemoryState(records) if state is None else state
        self.smt = LatestMemorySmtStore() if with_tree else None
        self.genesis_state_root = (
            None if self.smt is None else update_state_tree(self.smt, 0, records)
        )
        self.height = 0
        self.tx_count = 0
        self._verify = verify

    def execute(
        self, block: Block, *, trace: bool = False
    ) -> tuple[Execution | None, list[BlockProblem]]:
        """Execute block on the current state and compare its header's roots.

        The execution is None exactly when the block does not execute (a NOT_EXECUTABLE
        problem), which includes a block claiming another height than the next one.
        """
        if block.header.height != self.height + 1:
            # A served block may claim any height (the header check names that); it cannot
            # run on this state, and an assert would let one bad answer stop an audit.
            note = f"height {block.header.height} does not follow the replayed {self.height}"
            return None, [BlockProblem(kind=BlockProblemKind.NOT_EXECUTABLE, note=note)]
        branch = None if self.smt is None else BranchSmtStore(self.smt, self.height)
        transition, problems = verify_execution(
            self.state,
            block,
            chain_id=self.chain_id,
            tree=branch,
            verify=self._verify,
            trace=trace,
        )
        execution = None if transition is None else Execution(transition=transition, branch=branch)
        return execution, problems

    def adopt(self, execution: Execution) -> None:
        """Make an executed block the new head of the replayed chain."""
        assert execution.height == self.height + 1, (execution.height, self.height)
        self.state.apply(execution.writes)
        if execution.branch is not None:
            execution.branch.merge()
        self.height = execution.height
        self.tx_count += len(execution.results)
