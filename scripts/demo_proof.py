"""Fresh-process check of a stopped node's LevelDB: the retired range is RETIRED for the case.

Opens the store directly (the node must be stopped: LevelDB allows one process), reads the
committed head header, and verifies sparse Merkle inclusion proofs of the case's
retirement record and of every serial block it names against that header's state_root.
"""

import argparse
import sys
from pathlib import Path
from typing import Any

from node.storage.leveldb import LevelDbStore
from protocol.block import Block
from protocol.encoding import decode
from protocol.smt import SparseMerkleTree
from protocol.smt_proof import verify_inclusion


def proven_record(tree: SparseMerkleTree, height: int, root: bytes, key: str) -> Any:
    """The record at key, after checking its inclusion proof against root."""
    value = tree.get(key.encode(), height)
    if value is None:
        raise SystemExit(f"FAILED: no record {key} at height {height}")
    verify_inclusion(root, key.encode(), value, tree.prove(key.encode(), height))
    return decode(value)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--case", required=True)
    args = parser.parse_args()
    with LevelDbStore.open(args.data_dir, create=False) as store:
        height = store.head_height()
        assert height is not None
        stored = store.get_block(height)
        assert stored is not None
        header = Block.from_json(decode(stored)).header
        tree = SparseMerkleTree(store.smt)
        if tree.root(height) != header.state_root:
            raise SystemExit("FAILED: stored SMT root differs from the header's state_root")
        retirements = [
            decode(value) for _, value in store.list_state("retirement/", after=None, limit=100)
        ]
        judicial = [r for r in retirements if isinstance(r, dict) and r["case_id"] == args.case]
        if not judicial:
            raise SystemExit(f"FAILED: no retirement for case {args.case}")
        total = 0
        for retirement in judicial:
            key = f"retirement/{retirement['retirement_id']}"
            proven = proven_record(tree, height, header.state_root, key)
            for first, _last in proven["ranges"]:
                block_key = f"serials/{proven['batch_id']}/{first:016d}"
                block = proven_record(tree, height, header.state_root, block_key)
                if block["status"] != "retired" or block["case_id"] != args.case:
                    raise SystemExit(f"FAILED: {block_key} is {block['status']}")
                total += block["last_serial"] - block["first_serial"] + 1
    print(f"fresh process: store at height {height}, state_root {header.state_root.hex()[:16]}…")
    print(
        f"SMT proofs verified: {total:,} kg RETIRED for case {args.case} "
        f"({len(judicial)} retirement record(s), serial blocks checked)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
