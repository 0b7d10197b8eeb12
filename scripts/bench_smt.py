"""Benchmark the state tree (protocol/smt.py) on MemorySmtStore.

For each tree size: build it in one batch, then time batches of random writes on top
(4 in 5 update a present key, 1 in 5 inserts a new one) and report the cost per key;
then time proof generation and verification. Goal: per-key update cost at 10^6 keys
within 2x of the cost at 10^4.

Usage: .venv/bin/python scripts/bench_smt.py [--sizes 10000 1000000] [--batches 1000 10000]
"""

import argparse
import random
import statistics
import time

from protocol.encoding import encode
from protocol.smt import MemorySmtStore, SparseMerkleTree
from protocol.smt_proof import verify_inclusion, verify_non_inclusion


def account_key(index: int) -> bytes:
    return f"account/{index:08d}".encode()


def account_value(balance: int) -> bytes:
    return encode({"balance_kg_co2e": balance, "holder": "xiangshan-county"})


def random_writes(rng: random.Random, size: int, count: int) -> dict[bytes, bytes | None]:
    writes: dict[bytes, bytes | None] = {}
    while len(writes) < count:
        fresh = rng.randrange(5) == 0
        index = size + rng.randrange(10 * size) if fresh else rng.randrange(size)
        writes[account_key(index)] = account_value(rng.randrange(10**9))
    return writes


def timed_update_ns(tree: SparseMerkleTree, version: int, writes: dict[bytes, bytes | None]) -> int:
    started = time.process_time_ns()
    tree.update(version, writes)
    return time.process_time_ns() - started


def bench_size(size: int, batch_sizes: list[int], repeats: int, proof_count: int) -> None:
    rng = random.Random(size)
    store = MemorySmtStore()
    tree = SparseMerkleTree(store)
    initial: dict[bytes, bytes | None] = {
        account_key(index): account_value(index) for index in range(size)
    }
    build_ns = timed_update_ns(tree, 0, initial)
    print(f"size {size:>9,}: build {build_ns / 1e9:7.2f} s ({build_ns / size / 1e3:6.2f} us/key)")
    version = 0
    for batch_size in batch_sizes:
        per_key_us = []
        nodes_before = len(store.nodes)
        for _ in range(repeats):
            version += 1
            writes = random_writes(rng, size, batch_size)
            per_key_us.append(timed_update_ns(tree, version, writes) / batch_size / 1e3)
        nodes_per_key = (len(store.nodes) - nodes_before) / repeats / batch_size
        print(
            f"  batch {batch_size:>6,}: median {statistics.median(per_key_us):6.2f} us/key"
            f" (min {min(per_key_us):6.2f}, max {max(per_key_us):6.2f}, {repeats} batches),"
            f" {nodes_per_key:.1f} new nodes/key"
        )
    bench_proofs(tree, rng, size, proof_count)
    print(f"  store: {len(store.nodes):,} nodes over {version + 1} versions")


def bench_proofs(tree: SparseMerkleTree, rng: random.Random, size: int, count: int) -> None:
    root = tree.root()
    present = [account_key(rng.randrange(size)) for _ in range(count)]
    absent = [f"absent/{rng.randrange(10**12)}".encode() for _ in range(count)]
    started = time.process_time_ns()
    proofs = [tree.prove(key) for key in present]
    prove_ns = time.process_time_ns() - started
    values = [tree.get(key) for key in present]
    started = time.process_time_ns()
    for key, value, proof in zip(present, values, proofs, strict=True):
        assert value is not None
        verify_inclusion(root, key, value, proof)
    verify_ns = time.process_time_ns() - started
    absent_proofs = [tree.prove(key) for key in absent]
    started = time.process_time_ns()
    for key, proof in zip(absent, absent_proofs, strict=True):
        verify_non_inclusion(root, key, proof)
    non_inclusion_ns = time.process_time_ns() - started
    depth = statistics.mean(len(proof.siblings) for proof in proofs)
    print(
        f"  proofs ({count:,} each): prove {prove_ns / count / 1e3:6.2f} us,"
        f" verify inclusion {verify_ns / count / 1e3:6.2f} us,"
        f" verify non-inclusion {non_inclusion_ns / count / 1e3:6.2f} us,"
        f" mean siblings {depth:.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument("--batches", type=int, nargs="+", default=[1_000, 10_000])
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--proofs", type=int, default=1_000)
    args = parser.parse_args()
    for size in args.sizes:
        bench_size(size, args.batches, args.repeats, args.proofs)


if __name__ == "__main__":
    main()
