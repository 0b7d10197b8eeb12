#!/usr/bin/env python3
"""Scale: does a node stay the same size and speed as its chain grows? (issue 20)

Starts a local 3-validator network on LevelDB (temp dir, removed afterwards unless --keep),
then loads it with signed insurance.attest txs in waves that stay inside each sender's
mempool quota, and after every --every committed txs reports, per validator, the resident
memory (VmRSS), the LevelDB size on disk, and the committed tx/s of the last stretch.
Signing happens before each wave's clock starts (it is the client's cost, not the chain's).

The acceptance of issue 20 reads the last row against the first: RSS within 1.25x and tx/s
within 0.8x. This is a benchmark, never a test; numbers go to docs/PERFORMANCE.md. On a box
shared with other work tx/s follows the neighbours, so each row also gives every validator's
CPU time per committed tx over the stretch (all its threads, LevelDB's compaction included).
Usage: .venv/bin/python scripts/bench_scale.py [--txs 100000] [--every 10000] [--json]
"""

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from node.bench import SENDERS, TxFactory, run_batches
from node.mempool import SENDER_TXS_MAX
from node.net import net_down, net_up
from node.net_views import net_status

WAVE_PER_SENDER = SENDER_TXS_MAX * 3 // 4
"""Txs per sender in one wave: below the mempool quota, so no submission meets a 429."""
COMMIT_LIMIT_S = 900.0
"""A wave is slow, not lost, on a loaded box: wait long before calling it a failure."""


@dataclass(frozen=True, slots=True)
class Row:
    committed: int
    tx_per_s: float
    rss_mib: dict[str, float]
    rss_anon_mib: dict[str, float]
    """Of rss_mib, the anonymous part (heap, arenas); the rest maps files (libraries)."""
    leveldb_mib: dict[str, float]
    chain_height: int
    cpu_ms_per_tx: dict[str, float]
    """CPU time (user + system, every thread) a validator spent per tx of this stretch."""
    thread_ms_per_tx: dict[str, float]
    """The first validator's CPU per tx of this stretch by thread kind, from its
    lantan_thread_cpu_seconds_total (`native`: LevelDB's compaction thread)."""
    store_memory: dict[str, float]
    """The first validator's LevelDB memory by database (MiB, LevelDB's own count: memtables
    and block cache), the MiB its flushes and compactions wrote so far by database, and its
    held state-tree nodes (node/storage/smt_top.py)."""


def rss_mib(pid: int | None, field: str = "VmRSS") -> float:
    if pid is None:
        return 0.0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_s(pid: int | None) -> float:
    """CPU seconds the process used so far (utime + stime of /proc/PID/stat)."""
    if pid is None:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tree_mib(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / (1024 * 1024)


def scrape(client: httpx.Client, url: str, prefixes: dict[str, str]) -> dict[str, float]:
    """A node's metric samples whose line starts with a prefix, keyed by the prefix's key
    plus the rest of the sample's name (a single label's value, quotes and brace dropped)."""
    found: dict[str, float] = {}
    for line in client.get(f"{url}/metrics").text.splitlines():
        for key, prefix in prefixes.items():
            if line.startswith(prefix):
                labelled, _, value = line.rpartition(" ")
                found[key + labelled[len(prefix) :].rstrip('"}')] = float(value)
    return found


def thread_cpu_s(client: httpx.Client, url: str) -> dict[str, float]:
    """A node's lantan_thread_cpu_seconds_total by thread kind (node/metrics/thread_cpu.py)."""
    return scrape(client, url, {"": 'lantan_thread_cpu_seconds_total{thread="'})


def store_memory(client: httpx.Client, url: str) -> dict[str, float]:
    """A node's LevelDB memory and bytes its compactions wrote so far, by database (MiB),
    and its held state-tree nodes (count)."""
    found = scrape(
        client,
        url,
        {
            "leveldb_": 'lantan_store_native_memory_bytes{database="',
            "held_tree_nodes": "lantan_state_tree_held_nodes ",
            "compacted_": 'lantan_store_compaction_written_bytes_total{database="',
        },
    )
    return {
        key: value if key == "held_tree_nodes" else round(value / (1024 * 1024), 1)
        for key, value in found.items()
    }


def per_tx_ms(now: dict[str, float], before: dict[str, float], txs: int) -> dict[str, float]:
    return {name: round((now[name] - before.get(name, 0.0)) * 1000 / txs, 3) for name in now}


def measure(
    net: Path,
    client: httpx.Client,
    *,
    committed: int,
    tx_per_s: float,
    stretch_txs: int,
    cpu_before: dict[str, float],
    threads_before: dict[str, float],
) -> Row:
    """The row after a stretch of stretch_txs; cpu_before and threads_before are updated to
    the CPU seconds now (per validator, and per thread kind of the first one)."""
    views = net_status(net)
    cpu_now = {v.name: cpu_s(v.pid) for v in views}
    cpu_ms_per_tx = per_tx_ms(cpu_now, cpu_before, stretch_txs)
    cpu_before.update(cpu_now)
    threads_now = thread_cpu_s(client, views[0].url)
    thread_ms_per_tx = per_tx_ms(threads_now, threads_before, stretch_txs)
    threads_before.update(threads_now)
    return Row(
        cpu_ms_per_tx=cpu_ms_per_tx,
        thread_ms_per_tx=thread_ms_per_tx,
        store_memory=store_memory(client, views[0].url),
        committed=committed,
        tx_per_s=round(tx_per_s, 1),
        rss_mib={v.name: round(rss_mib(v.pid), 1) for v in views},
        rss_anon_mib={v.name: round(rss_mib(v.pid, "RssAnon"), 1) for v in views},
        leveldb_mib={v.name: round(tree_mib(net / v.name / "data"), 1) for v in views},
        chain_height=max(v.height or 0 for v in views),
    )


def load(net: Path, total: int, every: int, report: Callable[[Row], None]) -> list[Row]:
    rows: list[Row] = []
    urls = [view.url for view in net_status(net)]
    factory = TxFactory.of_network(net)
    wave = WAVE_PER_SENDER * len(SENDERS)
    committed, stretch_txs, stretch_s = 0, 0, 0.0
    views = net_status(net)
    cpu_before = {view.name: cpu_s(view.pid) for view in views}
    with httpx.Client(timeout=120.0) as client:
        threads_before = thread_cpu_s(client, views[0].url)
        while committed < total:
            count = min(wave, total - committed, every - stretch_txs)
            txs = factory.round_robin(count)
            stretch_s += run_batches(client, urls, txs, commit_limit_s=COMMIT_LIMIT_S)
            committed += count
            stretch_txs += count
            if stretch_txs == every or committed == total:
                row = measure(
                    net,
                    client,
                    committed=committed,
                    tx_per_s=stretch_txs / stretch_s,
                    stretch_txs=stretch_txs,
                    cpu_before=cpu_before,
                    threads_before=threads_before,
                )
                rows.append(row)
                report(row)
                stretch_txs, stretch_s = 0, 0.0
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--txs", type=int, default=100_000)
    parser.add_argument("--every", type=int, default=10_000)
    parser.add_argument("--base-port", type=int, default=19_400)
    parser.add_argument("--keep", type=Path, default=None, help="network dir to keep")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    net = args.keep or Path(tempfile.mkdtemp(prefix="lantan-scale-"))

    def report(row: Row) -> None:
        if args.json:
            return
        rss = " ".join(f"{name}={mib:.0f}" for name, mib in sorted(row.rss_mib.items()))
        anon = "/".join(f"{mib:.0f}" for _, mib in sorted(row.rss_anon_mib.items()))
        disk = max(row.leveldb_mib.values())
        cpu = "/".join(f"{ms:.2f}" for _, ms in sorted(row.cpu_ms_per_tx.items()))
        busiest = sorted(row.thread_ms_per_tx.items(), key=lambda item: -item[1])[:4]
        threads = " ".join(f"{name}={ms:.3f}" for name, ms in busiest)
        memory = " ".join(f"{name}={value:g}" for name, value in sorted(row.store_memory.items()))
        print(
            f"{row.committed:>8} txs  height {row.chain_height:>6}  {row.tx_per_s:>7.1f} tx/s"
            f"  RSS MiB {rss} (anon {anon})  LevelDB {disk:.0f} MiB  CPU ms/tx {cpu}"
            f"  (first by thread: {threads}; {memory})",
            flush=True,
        )

    started = time.perf_counter()
    try:
        net_up(net, validators=3, base_port=args.base_port)
        try:
            rows = load(net, args.txs, args.every, report)
        finally:
            net_down(net)
    finally:
        if args.keep is None:
            shutil.rmtree(net, ignore_errors=True)
    first, last = rows[0], rows[-1]
    summary = {
        "rows": [asdict(row) for row in rows],
        "rss_ratio_last_to_first": round(
            max(last.rss_mib.values()) / max(first.rss_mib.values()), 3
        ),
        "tx_per_s_ratio_last_to_first": round(last.tx_per_s / first.tx_per_s, 3),
        # The speed the CPU time allows, last stretch against first (higher is faster):
        # what tx/s would show on a quiet box.
        "cpu_speed_ratio_last_to_first": round(
            sum(first.cpu_ms_per_tx.values()) / max(sum(last.cpu_ms_per_tx.values()), 1e-9), 3
        ),
        "wall_seconds": round(time.perf_counter() - started, 1),
    }
    if args.json:
        print(json.dumps(summary))
    else:
        print(
            f"RSS last/first {summary['rss_ratio_last_to_first']} (goal <= 1.25); "
            f"tx/s last/first {summary['tx_per_s_ratio_last_to_first']} (goal >= 0.8; "
            f"by CPU ms per tx {summary['cpu_speed_ratio_last_to_first']}); "
            f"{summary['wall_seconds']} s"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
