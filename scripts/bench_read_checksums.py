#!/usr/bin/env python3
"""What LevelDB's verify_checksums costs a node's reads (stop 56), offline.

Writes --records random 32-byte keys with 81-byte values (a state tree node's record in the
tree database, ADR 0038) into a store with the tree database's options
(node/storage/leveldb_tuning.py TREE_LEVELDB_OPTIONS: 2 MiB block cache, so most random
reads miss it and read a block from the file, where the checksum is checked), compacts it,
then times --reads random point reads of present keys, get() and through an iterator's seek
(node/storage/seek_reads.py), with and without verify_checksums, alternating, --runs times.
Prints the median microseconds per read of each.

Usage: .venv/bin/python scripts/bench_read_checksums.py [--records 100000] [--reads 200000]
"""

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import plyvel

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from node.storage.leveldb_tuning import TREE_LEVELDB_OPTIONS


def timed_reads(db: Any, wanted: list[bytes], *, verify: bool, seek: bool) -> float:
    """Microseconds per read of every key in wanted."""
    started = time.perf_counter()
    if seek:
        iterator = db.iterator(verify_checksums=verify)
        for key in wanted:
            iterator.seek(key)
            next(iterator)
    else:
        get = db.get
        for key in wanted:
            get(key, verify_checksums=verify)
    return (time.perf_counter() - started) / len(wanted) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--reads", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    rng = random.Random(56)
    keys = [rng.randbytes(32) for _ in range(args.records)]
    directory = Path(tempfile.mkdtemp(prefix="lantan-checksums-"))
    try:
        options = {**TREE_LEVELDB_OPTIONS, "paranoid_checks": True}
        db = plyvel.DB(str(directory), create_if_missing=True, **options)
        with db.write_batch() as batch:
            for key in keys:
                batch.put(key, rng.randbytes(81))
        db.compact_range(start=b"\x00", stop=b"\xff" * 33)
        size = sum(entry.stat().st_size for entry in directory.iterdir())
        print(f"{args.records} records, {size / 1e6:.1f} MB on disk, {args.reads} reads a run")
        times: dict[tuple[bool, bool], list[float]] = {}
        for _ in range(args.runs):
            for seek in (False, True):
                for verify in (False, True):
                    wanted = rng.choices(keys, k=args.reads)
                    times.setdefault((seek, verify), []).append(
                        timed_reads(db, wanted, verify=verify, seek=seek)
                    )
        for (seek, verify), runs in times.items():
            shown = " ".join(f"{value:.2f}" for value in runs)
            print(
                f"{'seek' if seek else 'get '} verify_checksums={verify!s:5}: median "
                f"{statistics.median(runs):.2f} us/read (runs: {shown})"
            )
        db.close()
    finally:
        shutil.rmtree(directory)
    print(f"cpu count {os.cpu_count()}, load {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
