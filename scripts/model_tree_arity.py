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
Counts only: no hashing, no storage. Checked against protocol/smt.py itself (MemorySmtStore
counting puts over the same kind of inserts): 4.82 and 8.04 interior nodes written per insert
at 10^4 and 10^5 records, the model 4.74 and 8.13; the 3.19 reads per insert it gives at
10^5 below 14 held levels are the ~3.3 measured on validators (PERFORMANCE.md).
Usage: python scripts/model_tree_arity.py --records 100000
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
    leaf_at: dict[str, str] = {}  # where a lone leaf sits: its prefix -> its key's path
    branches: defaultdict[str, set[str]] = defaultdict(set)  # an interior node's children
    rows = []
    for done in range(block, records + 1, block):
        paths = [digits(rng.getrandbits(KEY_BITS), arity) for _ in range(block)]
        read = set()
        for path in paths:
            prefix = ""
            for step in path:
                if under[prefix] == 0:
                    break
                read.add(prefix)  # an interior node, or the leaf this insert pushes down
                if prefix in leaf_at:
                    break
                prefix += step
        for path in paths:
            insert(path, under, leaf_at, branches)
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


def insert(
    path: str, under: Counter[str], leaf_at: dict[str, str], branches: defaultdict[str, set[str]]
) -> None:
    """Add a key: down its path to the first empty prefix, where its leaf sits. A lone leaf
    met on the way moves down a level at a time, ahead of it, until their paths part."""
    prefix = ""
    for depth, step in enumerate(path):
        if under[prefix] == 0:
            break
        other = leaf_at.pop(prefix, None)
        if other is not None:  # it becomes an interior node; the leaf goes one level down
            branches[prefix].add(other[depth])
            under[prefix + other[depth]] += 1
            leaf_at[prefix + other[depth]] = other
        under[prefix] += 1
        branches[prefix].add(step)
        prefix += step
    under[prefix] += 1
    leaf_at[prefix] = path


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
