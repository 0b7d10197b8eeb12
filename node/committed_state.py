"""The committed state at one past height, read from the store's versioned state tree.

The sparse Merkle tree keeps every version (its nodes are content-addressed and never
pruned), so the state after block h is readable at any time without a copy in memory. A
replay that walks the chain block by block (node/web/serial_history.py) reads the state
before each block here instead of keeping a full MemoryState of its own: its memory is
then what it indexes, not the size of the state.
"""

from collections.abc import Mapping

from contracts.state_tree import state_tree_key
from protocol.smt import SmtStore, SparseMerkleTree


class CommittedStateCursor:
    """A contracts StateView of the state after block `height`, that a replay advances.

    apply() takes the writes of the next block and moves to it: the store committed those
    very writes at height + 1 (the replay checks its results against the stored ones), so
    there is nothing to keep. Reads walk the tree from that height's root; the values read
    at one height are remembered until apply() (the txs of a block read the same params,
    institutions and holdings over and over), so memory is one block's reads at most.
    """

    def __init__(self, smt: SmtStore, height: int) -> None:
        self._tree = SparseMerkleTree(smt)
        self.height = height
        self._read: dict[str, bytes | None] = {}

    def get(self, key: str) -> bytes | None:
        if key not in self._read:
            self._read[key] = self._tree.get(state_tree_key(key), version=self.height)
        return self._read[key]

    def apply(self, writes: Mapping[str, bytes | None]) -> None:
        del writes  # already in the store at height + 1
        self.height += 1
        self._read = {}
