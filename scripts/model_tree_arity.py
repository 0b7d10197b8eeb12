"""What a wider state tree would write and read per insert: a count model, not a benchmark.

docs/PERFORMANCE.md names a 16-ary state tree (as in Jellyfish) as the protocol-v2 lever on
the tree's growth. This counts, for random keys inserted in blocks, what each block writes
and reads in a tree of a given arity with collapsed leaves (a leaf sits at the first depth
where it is alone, as in protocol/smt.py), so the claim can be weighed before any code:
- interior nodes written per insert (every node on a block's paths is rewritten once);
- bytes written per insert: an interior node stores its present children's hashes
  (binary: 0x03 || left || right, 65 B; 16-ary: a 2-byte bitmap and 32 B per present
  child, plus a kind byte), a leaf 65 B;
- interior nodes read per insert below the levels a node holds in memory
  (node/storage/smt_top.py), each once per block.
Counts only: no hashing, no storage. The binary counts run ~20 % under protocol/smt.py's
own (it also writes again a leaf pushed down a level); the comparison between arities is
what the model is for. Usage: python scripts/model_tree_arity.py --records 100000
--tree 2:14 --tree 16:4 (arity:held levels).
"""

import argparse
import random
from collections import Counter, defaultdict
from dataclasses import dataclass

KEY_BITS = 256
LEAF_BYTES = 65


@dataclass(frozen=True, slots=True)
class BlockCounts:
    records: int
    interior_written: float
    bytes_written: float
    reads_below_held: float


def digits(key: int, arity: int) -> str:
    """The key's path: one character per level (a bit, or a hex digit)."""
    if arity == 2:
        return format(key, f"0{KEY_BITS}b")
    return format(key, f"0{KEY_BITS // 4}x")


def interior_bytes(arity: int, children: int) -> int:
    return 65 if arity == 2 else 1 + 2 + 32 * children


def model(
    *, arity: int, held: int, records: int, block: int, seed: int, report_at: set[int]
) -> list[BlockCounts]:
    rng = random.Random(seed)
    under: Counter[str] = Counter()  # keys under each path prefix
    branches: defaultdict[str, set[str]] = defaultdict(set)  # an interior node's children
    rows = []
    for done in range(block, records + 1, block):
        paths = [digits(rng.getrandbits(KEY_BITS), arity) for _ in range(block)]
        read = set()
        for path in paths:
            prefix = ""
            for step in path:
                if prefix and under[prefix] == 0:
                    break
                read.add(prefix)  # an interior node, or the leaf this insert pushes down
                if under[prefix] == 1 and prefix:
                    break
                prefix += step
        for path in paths:
            prefix = ""
            for step in path:
                under[prefix] += 1
                branches[prefix].add(step)
                prefix += step
                if under[prefix] == 0:
                    under[prefix] += 1
                    break
        written = set()
        for path in paths:
            prefix = ""
            for step in path:
                if prefix and under[prefix] < 2:
                    break
                written.add(prefix)
                prefix += step
        if done in report_at:
            interior = sum(interior_bytes(arity, len(branches[p])) for p in written)
            rows.append(
                BlockCounts(
                    records=done,
                    interior_written=len(written) / block,
                    bytes_written=(interior + LEAF_BYTES * block) / block,
                    reads_below_held=sum(1 for p in read if len(p) >= held) / block,
                )
            )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--block", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--tree", action="append", default=[], help="arity:held levels (repeatable), e.g. 2:14"
    )
    args = parser.parse_args()
    report_at = {n for n in (10_000, 100_000, 1_000_000) if n <= args.records} | {args.records}
    print(
        "| arity | held levels | records | interior nodes written / insert | "
        "bytes written / insert | node reads below the held levels / insert |"
    )
    print("| ---: | ---: | ---: | ---: | ---: | ---: |")
    for tree in args.tree or ["2:14", "16:4"]:
        arity, held = (int(part) for part in tree.split(":"))
        assert arity in (2, 16), "arity 2 or 16"
        for row in model(
            arity=arity,
            held=held,
            records=args.records,
            block=args.block,
            seed=args.seed,
            report_at=report_at,
        ):
            print(
                f"| {arity} | {held} | {row.records:,} | {row.interior_written:.2f} | "
                f"{row.bytes_written:.0f} | {row.reads_below_held:.2f} |"
            )


if __name__ == "__main__":
    main()
