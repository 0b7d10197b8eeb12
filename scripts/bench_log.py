"""History-log benchmark: MerkleLog append, roots and proofs at 10**6 leaves in memory.

Run: .venv/bin/python scripts/bench_log.py [--leaves N] [--proofs N]. Prints microseconds
per operation; never asserted by tests (speed is measured, not tested).
"""

import argparse

from bench_timing import per_op_us

from protocol.log import MemoryLogStore, MerkleLog
from protocol.merkle import verify_consistency, verify_inclusion


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--leaves", type=int, default=1_000_000)
    parser.add_argument("--proofs", type=int, default=10_000)
    arguments = parser.parse_args()
    size: int = arguments.leaves
    count: int = arguments.proofs
    log = MerkleLog(MemoryLogStore())
    # Header-sized leaves (JCS headers are ~600 bytes); leaf i differs in its first bytes.
    padding = bytes(600)
    per_op_us(
        "append (600-byte leaf, SHA-256 + nodes)",
        size,
        lambda i: log.append(i.to_bytes(8, "big") + padding),
    )

    # Spread the probed indices over the whole log with a stride coprime to size.
    def spread(i: int) -> int:
        return (i * 7_919 + 1) % size

    root = log.root()
    per_op_us(f"root at size {size}", count, lambda i: log.root())
    per_op_us(f"root at a past size <= {size}", count, lambda i: log.root(spread(i) + 1))
    per_op_us(f"inclusion proof at size {size}", count, lambda i: log.inclusion_proof(spread(i)))
    per_op_us(
        f"consistency proof (m, {size})", count, lambda i: log.consistency_proof(spread(i) + 1)
    )
    inclusion = [log.inclusion_proof(spread(i)) for i in range(count)]
    leaves = [log.leaf_hash(spread(i)) for i in range(count)]
    per_op_us(
        f"verify inclusion at size {size}",
        count,
        lambda i: verify_inclusion(spread(i), size, leaves[i], inclusion[i], root),
    )
    old_roots = [log.root(spread(i) + 1) for i in range(count)]
    consistency = [log.consistency_proof(spread(i) + 1) for i in range(count)]
    per_op_us(
        f"verify consistency (m, {size})",
        count,
        lambda i: verify_consistency(spread(i) + 1, size, old_roots[i], root, consistency[i]),
    )
    lengths = f"inclusion {len(inclusion[0])}, consistency {len(consistency[0])}"
    print(f"hashes in the first proofs at size {size}: {lengths}")


if __name__ == "__main__":
    main()
