#!/usr/bin/env python3
"""The state tree on a node's LevelDB store as the state grows, without the network (issue 20).

Commits blocks of --per-block new records (random keys, as insurance.attest creates) plus
three account updates, the way a validator does: overlay, tree update, one batch. After every
--every records it prints, per block: the tree update's CPU time, the LevelDB node reads per
insert that missed the held upper levels (node/storage/smt_top.py), the commit's CPU time,
and the CPU seconds of the main thread against LevelDB's background threads (compaction).
--top-levels 1 holds only the root: the store as it was before the held levels. Each row
also gives the CPU ms per record of the whole process (all threads: the figure to compare
between 10,000 and 100,000 records), the database's size on disk, and at the end LevelDB's
own compaction table (bytes read and written per level). --leveldb NAME=VALUE overrides one
of node/storage/leveldb_tuning.py's LEVELDB_OPTIONS options (or adds a plyvel.DB option)
to measure it.

Usage: .venv/bin/python scripts/bench_smt_leveldb.py [--records 100000] [--top-levels 14]
       [--leveldb compression=none] [--leveldb write_buffer_size=16777216]
"""

import argparse
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from contracts.state_tree import update_state_tree
from node.storage import LevelDbStore, leveldb_tuning
from node.storage.smt_top import TOP_LEVELS, SmtTopLevels, held_entries_max

RECORD = b'{"policy":"' + b"p" * 240 + b'","serial":'
"""--record padded: 240 repeated bytes (snappy shrinks it ~10x; the figures before 2026-12-03)."""


def policy_record(rng: random.Random, height: int) -> bytes:
    """--record policy: shaped like an insurance.attest record (contracts/insurance.py), with
    random ids, so it compresses about as a node's records do."""
    return (
        b'{"attested_by":"inst-' + rng.randbytes(8).hex().encode() + b'","body":{'
        b'"coverage":"carbon_account_comprehensive","insurer":"bench insurer",'
        b'"policy_id":"bench-policy-' + str(rng.getrandbits(40)).encode() + b'",'
        b'"policyholder":"bench","subject_id":"acct-' + rng.randbytes(16).hex().encode() + b'",'
        b'"subject_kind":"account"},"height":' + str(height).encode() + b"}"
    )


class CountedReads:
    """The tree database of a store, counting the reads the held upper levels did not
    answer (every node read goes to it; the held levels' own misses also count the
    commit's lookups of the nodes it writes, which read nothing)."""

    def __init__(self, db: Any) -> None:
        self._db = db
        self.reads = 0

    def get(self, key: bytes) -> bytes | None:
        self.reads += 1
        value: bytes | None = self._db.get(key)
        return value

    def __getattr__(self, name: str) -> Any:
        return getattr(self._db, name)


def thread_cpu_s() -> tuple[float, float]:
    """CPU seconds of this process's main thread and of all its other threads."""
    tick = os.sysconf("SC_CLK_TCK")
    main, other = 0.0, 0.0
    for tid in os.listdir("/proc/self/task"):
        fields = Path(f"/proc/self/task/{tid}/stat").read_text().rsplit(")", 1)[1].split()
        seconds = (int(fields[11]) + int(fields[12])) / tick
        if int(tid) == os.getpid():
            main += seconds
        else:
            other += seconds
    return main, other


def leveldb_option(text: str) -> tuple[str, object]:
    """NAME=VALUE: an integer, none (compression off) or snappy."""
    name, _, value = text.partition("=")
    if value in ("none", "snappy"):
        return name, None if value == "none" else value
    return name, int(value)


def directory_mib(directory: Path) -> float:
    return sum(path.stat().st_size for path in directory.rglob("*") if path.is_file()) / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--every", type=int, default=10_000)
    parser.add_argument("--per-block", type=int, default=250)
    parser.add_argument("--top-levels", type=int, default=TOP_LEVELS)
    parser.add_argument("--record", choices=("padded", "policy"), default="padded")
    parser.add_argument("--leveldb", type=leveldb_option, action="append", default=[])
    args = parser.parse_args()
    leveldb_tuning.LEVELDB_OPTIONS.update(dict(args.leveldb))
    held = SmtTopLevels(levels=args.top_levels, entries_max=held_entries_max(args.top_levels))
    directory = Path(tempfile.mkdtemp(prefix="lantan-smt-bench-"))
    rng = random.Random(20)
    blocks_per_row = args.every // args.per_block
    try:
        with LevelDbStore.open(directory / "data", smt_top=held) as store:
            counted = store._tree_db = CountedReads(store._tree_db)
            update_s = commit_s = 0.0
            cpu_before = thread_cpu_s()
            for height in range(args.records // args.per_block):
                writes: dict[str, bytes | None] = {
                    f"insurance/{rng.getrandbits(64):016x}": (
                        RECORD + str(height).encode()
                        if args.record == "padded"
                        else policy_record(rng, height)
                    )
                    for _ in range(args.per_block)
                }
                writes.update({f"account/{sender}": str(height).encode() for sender in "abc"})
                overlay = store.begin()
                started = time.thread_time()
                update_state_tree(overlay.smt, height, writes)
                overlay.state.apply(writes)
                update_s += time.thread_time() - started
                overlay.record_block(
                    height=height,
                    block=b"block" * 200,
                    certificate=None if height == 0 else b"certificate",
                    results=[b"result"] * args.per_block,
                    tx_ids=[rng.randbytes(32) for _ in range(args.per_block)],
                )
                started = time.thread_time()
                store.commit(overlay)
                commit_s += time.thread_time() - started
                if (height + 1) % blocks_per_row == 0:
                    cpu_now = thread_cpu_s()
                    cpu_s = sum(cpu_now) - sum(cpu_before)
                    print(
                        f"{(height + 1) * args.per_block:>8} records"
                        f"  update {update_s * 1000 / blocks_per_row:6.1f} ms/block"
                        f"  reads/insert {counted.reads / args.every:4.1f}"
                        f"  commit {commit_s * 1000 / blocks_per_row:5.1f} ms/block"
                        f"  CPU s main {cpu_now[0] - cpu_before[0]:5.2f}"
                        f" other threads {cpu_now[1] - cpu_before[1]:5.2f}"
                        f"  held {len(held):,}"
                        f"  CPU ms/record {cpu_s * 1000 / args.every:5.3f}"
                        f"  disk {directory_mib(directory / 'data'):6.1f} MiB",
                        flush=True,
                    )
                    update_s = commit_s = 0.0
                    counted.reads = 0
                    cpu_before = cpu_now
            print(store.leveldb_stats())
    finally:
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
