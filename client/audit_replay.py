"""Replay for the auditor: re-execute every block from genesis in memory. Pure: no I/O.

The state is a contracts MemoryState and the state tree a MemorySmtStore, as the node
keeps them in LevelDB (node/ledger.py): SMT keys are the UTF-8 state keys, version = height.
A candidate block executes on a branch (nothing changes until adopt()), so two blocks
served for one height (a fork) can both be checked against the same parent state.
"""

from dataclasses import dataclass

from contracts.context import BlockContext
from contracts.execution import StateWrites, apply_block
from contracts.state import MemoryState, StateOverlay
from contracts.validator_sets import next_validator_set
from genesis.document import Genesis
from protocol.block import Block
from protocol.hashing import Hash32
from protocol.results import TxResult
from protocol.smt import MemorySmtStore, SparseMerkleTree
from protocol.validators import ValidatorSet


class BranchSmtStore:
    """An SmtStore over a base store at base_version that keeps its own writes apart."""

    def __init__(self, base: MemorySmtStore, base_version: int) -> None:
        self._base = base
        self._base_version = base_version
        self._nodes: dict[Hash32, bytes] = {}
        self._values: dict[Hash32, bytes] = {}
        self._roots: dict[int, Hash32] = {}

    def get_node(self, node_hash: Hash32) -> bytes | None:
        return self._nodes.get(node_hash) or self._base.get_node(node_hash)

    def put_node(self, node_hash: Hash32, preimage: bytes) -> None:
        self._nodes[node_hash] = preimage

    def get_root(self, version: int) -> Hash32 | None:
        return self._roots.get(version) or self._base.get_root(version)

    def put_root(self, version: int, root: Hash32) -> None:
        self._roots[version] = root

    def latest_version(self) -> int | None:
        return max(self._roots, default=self._base_version)

    def get_value(self, value_hash: Hash32) -> bytes | None:
        return self._values.get(value_hash) or self._base.get_value(value_hash)

    def put_value(self, value_hash: Hash32, value: bytes) -> None:
        self._values[value_hash] = value

    def merge(self) -> None:
        """Make this branch's writes part of the base store."""
        self._base.nodes.update(self._nodes)
        self._base.values.update(self._values)
        for version, root in sorted(self._roots.items()):
            self._base.put_root(version, root)


@dataclass(frozen=True, slots=True, kw_only=True)
class Execution:
    """A block executed on top of the replayed state, not yet adopted."""

    height: int
    writes: StateWrites
    results: tuple[TxResult, ...]
    state_root: Hash32
    next_validators: ValidatorSet
    branch: BranchSmtStore


class ReplayState:
    """The state after the last adopted block, rebuilt from genesis by execution alone."""

    def __init__(self, genesis: Genesis) -> None:
        self.chain_id = genesis.chain_id
        self.state = MemoryState(genesis.state)
        self.smt = MemorySmtStore()
        writes = {key.encode("utf-8"): value for key, value in genesis.state.items()}
        root = SparseMerkleTree(self.smt).update(0, writes)
        assert root == genesis.header.state_root, "genesis header does not commit to its state"
        self.height = 0
        self.tx_count = 0

    def execute(self, block: Block) -> Execution:
        """Execute block on the current state. Requires height == self.height + 1.

        Raises contracts.errors.ContractError when the block does not execute (an
        inadmissible tx: bad signature, wrong nonce, expired; or invalid evidence).
        """
        header = block.header
        assert header.height == self.height + 1, (header.height, self.height)
        ctx = BlockContext(chain_id=self.chain_id, height=header.height, time_ms=header.time_ms)
        writes, results = apply_block(self.state, ctx, block.txs, block.evidence)
        branch = BranchSmtStore(self.smt, self.height)
        smt_writes = {key.encode("utf-8"): value for key, value in writes.items()}
        state_root = SparseMerkleTree(branch).update(header.height, smt_writes)
        after = StateOverlay(self.state)
        for key, value in writes.items():
            if value is None:
                after.delete(key)
            else:
                after.set(key, value)
        return Execution(
            height=header.height,
            writes=writes,
            results=results,
            state_root=state_root,
            next_validators=next_validator_set(after),
            branch=branch,
        )

    def adopt(self, execution: Execution) -> None:
        """Make an executed block the new head of the replayed chain."""
        assert execution.height == self.height + 1, (execution.height, self.height)
        self.state.apply(execution.writes)
        execution.branch.merge()
        self.height = execution.height
        self.tx_count += len(execution.results)
