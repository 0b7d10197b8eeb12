"""The state tree: how state records become state_root (docs/STATE.md, PROTOCOL.md §5). Pure.

This is the one place that says how a state key enters the sparse Merkle tree: its UTF-8
bytes are the tree key (the tree hashes them with SHA-256), the record bytes are the value,
and the tree version is the block height (0 for genesis). The node, genesis, the auditor's
replay and proof readers all go through these functions.
"""

from collections.abc import Mapping

from protocol.hashing import Hash32
from protocol.smt import SmtStore, SparseMerkleTree
from protocol.smt_store import MemorySmtStore


def state_tree_key(state_key: str) -> bytes:
    """The sparse Merkle tree key of a state key: its UTF-8 bytes."""
    return state_key.encode("utf-8")


def update_state_tree(store: SmtStore, height: int, writes: Mapping[str, bytes | None]) -> Hash32:
    """Record one block's state writes (None deletes) as tree version `height`; its root.

    Requires height above every version the store holds.
    """
    tree_writes = {state_tree_key(key): value for key, value in writes.items()}
    return SparseMerkleTree(store).update(height, tree_writes)


def state_root_of(records: Mapping[str, bytes]) -> Hash32:
    """The state_root of a whole state (genesis): a fresh tree holding every record."""
    return update_state_tree(MemorySmtStore(), 0, records)
