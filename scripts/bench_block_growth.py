#!/usr/bin/env python3
"""Does a block cost more as the chain grows? (issue 20 item 2) A benchmark, not CI.

Offline, one process, the real block transition and LevelDB store (node/bench_chain.py's
forge), no network:

    forge --dir D --sizes 10000,100000
        makes a local network's keys and genesis in D/net, forges insurance.attest txs in
        blocks of 250 into the first validator's store and, at each size, copies the store
        to D/at-<size>/data with the next --next-blocks blocks of txs already signed
        (D/at-<size>/next.jsonl): every run on a size executes the same bytes.
    run --dir D --size N [--blocks 20] [--warmup 3] [--count]
        copies D/at-<size>/data to a temp dir, opens it as a node does (Ledger over
        LevelDbStore), and builds and commits the next blocks exactly as the forge did:
        per block wall ms and CPU ms of the process (all threads: LevelDB's compaction
        included) and of the main thread; the chained hash of every header built (a
        byte-for-byte compare of two code versions on one snapshot); --count counts the
        LevelDB reads per block by key kind (slower: do not time with it); --pace-ms makes
        each block take that long (a network's pace: LevelDB's compaction thread gets the
        idle time a validator leaves it); --settle waits for the compactions still owed
        after the last block and counts them too.

Run it under py-spy (`py-spy record --format speedscope -o F -- python ... run ...`) for
the per-function shares. docs/PERFORMANCE.md "A block's cost at 10^4 and 10^5 txs" has
the figures.
"""

import argparse
import copy
import hashlib
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx
from bench_audit import verify_rates
from bench_scale import WAVE_PER_SENDER, cpu_s, rss_mib

from genesis.document import build_genesis, parse_genesis
from genesis.layout import GENESIS_FILE
from node.bench import SENDERS, TxFactory, run_batches, unlock
from node.bench_chain import certify, forge_chain
from node.ledger import Ledger
from node.net import net_create, net_down, start_process
from node.net_views import node_view, wait_ready
from node.storage import overlay as overlay_module
from node.storage.leveldb import LevelDbStore
from node.storage.smt_top import SmtTopLevels
from protocol.encoding import decode
from protocol.signing import SigningKey
from protocol.tx import SignedTx

TX_PER_BLOCK = 250


def say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def _network(root: Path) -> tuple[Path, list[str], list[SigningKey]]:
    net = root / "net"
    names = net_create(net, validators=3, base_port=19_700)
    return net, names, [unlock(net / name) for name in names]


def forge(root: Path, sizes: list[int], next_blocks: int) -> None:
    net, names, keys = _network(root)
    genesis = build_genesis(parse_genesis((net / GENESIS_FILE).read_bytes()))
    factory = TxFactory.of_network(net)
    data = net / names[0] / "data"
    done = 0
    for size in sorted(sizes):
        with LevelDbStore.open(data) as store:
            ledger = Ledger(store, genesis)
            forge_chain(
                ledger, keys, factory, txs=size - done, tx_per_block=TX_PER_BLOCK, samples=1
            )
            say(f"forged {size:,} txs, height {ledger.height}")
        done = size
        at = root / f"at-{size}"
        shutil.rmtree(at, ignore_errors=True)
        shutil.copytree(data, at / "data")
        # The next blocks' txs from a copy of the factory: the forge goes on from here.
        ahead = copy.copy(factory)
        ahead.nonces = dict(factory.nonces)
        with (at / "next.jsonl").open("w") as out:
            for _ in range(next_blocks):
                batch = ahead.round_robin(TX_PER_BLOCK)
                out.write(json.dumps([tx.canonical_bytes().hex() for tx in batch]) + "\n")


def _count_reads() -> Counter[str]:
    """Count every read an overlay passes to its snapshot, by key kind."""
    counts: Counter[str] = Counter()
    original = overlay_module._WriteSet.get

    def get(self: overlay_module._WriteSet, key: bytes) -> bytes | None:
        if key not in self.writes:
            counts[key.split(b"/", 2)[0].decode() + "/" + key.split(b"/", 2)[1][:5].decode()] += 1
        return original(self, key)

    overlay_module._WriteSet.get = get  # type: ignore[method-assign]
    return counts


def run(
    root: Path,
    size: int,
    blocks: int,
    *,
    warmup: int,
    count: bool,
    top_levels: int | None = None,
    split: int = 1,
    settle_s: float = 0.0,
    pace_ms: float = 0.0,
) -> dict[str, object]:
    net = root / "net"
    names = sorted(p.name for p in net.iterdir() if (p / "node.toml").exists())
    keys = [unlock(net / name) for name in names]
    genesis = build_genesis(parse_genesis((net / GENESIS_FILE).read_bytes()))
    lines = (root / f"at-{size}" / "next.jsonl").read_text().splitlines()
    assert len(lines) >= warmup + blocks, f"only {len(lines)} blocks of txs prepared"
    batches = [
        tuple(SignedTx.from_json(decode(bytes.fromhex(raw))) for raw in json.loads(line))
        for line in lines[: warmup + blocks]
    ]
    if split > 1:  # the same txs in smaller blocks (the network's, under load)
        step = TX_PER_BLOCK // split
        batches = [b[i : i + step] for b in batches for i in range(0, len(b), step)]
        warmup, blocks = warmup * split, blocks * split
    counts = _count_reads() if count else None
    work = Path(tempfile.mkdtemp(prefix="lantan-growth-"))
    try:
        shutil.copytree(root / f"at-{size}" / "data", work / "data")
        walls, cpus, threads = [], [], []
        chain = hashlib.sha256()
        log_offset = 0
        rejected = 0
        top = (
            None
            if top_levels is None
            else SmtTopLevels(levels=top_levels, entries_max=2 * 2**top_levels)
        )
        with LevelDbStore.open(work / "data", smt_top=top) as store:
            ledger = Ledger(store, genesis)
            for index, txs in enumerate(batches):
                if index == warmup:
                    log_offset = _leveldb_log_size(work / "data")
                    if counts is not None:
                        counts.clear()
                started = time.perf_counter()
                cpu, thread = time.process_time(), time.thread_time()
                prepared = ledger.build(
                    txs=txs,
                    evidence=(),
                    time_ms=ledger.head().time_ms + 1,
                    proposer=keys[0].public_key,
                )
                ledger.commit(prepared, certify(ledger, prepared, keys))
                wall = time.perf_counter() - started
                if pace_ms > wall * 1000:  # a network's pace: LevelDB's thread gets idle time
                    time.sleep(pace_ms / 1000 - wall)
                if index >= warmup:
                    walls.append(wall * 1000)
                    cpus.append((time.process_time() - cpu) * 1000)
                    threads.append((time.thread_time() - thread) * 1000)
                chain.update(prepared.block.header.canonical_bytes())
                rejected += sum(r.reason is not None for r in prepared.results)
            threads_cpu = _threads_cpu_s()
            compactions, written = _compactions_since(work / "data", log_offset)
            # The blocks' compaction debt: what LevelDB still compacts after the last one.
            settled_s = _settle(work / "data", settle_s)
            settled, settled_written = _compactions_since(work / "data", log_offset)
        # What LevelDB's background threads did after the last block counts too.
        tail_cpu = time.process_time()
        result: dict[str, object] = {
            "size": size,
            "blocks": blocks,
            "block_wall_ms": _spread(walls),
            "block_cpu_ms": _spread(cpus),
            "main_thread_cpu_ms": _spread(threads),
            "us_per_tx_cpu": round(statistics.median(cpus) * 1000 * split / TX_PER_BLOCK, 1),
            "close_cpu_ms": round((time.process_time() - tail_cpu) * 1000, 1),
            "threads_cpu_s_whole_run": threads_cpu,
            "compactions": compactions,
            "compaction_mb_written_per_block": round(written / 1e6 / blocks, 2),
            "compaction_mb_written_per_1000_tx": round(
                written / 1e6 * 1000 * split / (blocks * TX_PER_BLOCK), 1
            ),
            "settled_s": settled_s,
            "settled_compactions": settled,
            "settled_compaction_mb_written_per_1000_tx": round(
                settled_written / 1e6 * 1000 * split / (blocks * TX_PER_BLOCK), 1
            ),
            "headers_sha256": chain.hexdigest(),
            "rejected_txs": rejected,
            "smt_top_entries": len(store._smt_top),
            "load_average": os.getloadavg()[0],
        }
        if counts is not None:
            result["reads_per_block"] = {
                kind: round(n / blocks, 1) for kind, n in sorted(counts.items())
            }
        return result
    finally:
        if "LANTAN_GROWTH_KEEP" not in os.environ:
            shutil.rmtree(work, ignore_errors=True)


def run_network(
    root: Path, size: int, txs: int, profile: Path | None, base_port: int
) -> dict[str, object]:
    """Three validator processes started on copies of the store at size, loaded with txs
    insurance.attest txs in waves as scripts/bench_scale.py sends them (one untimed wave
    first); each validator's CPU per tx and the committed tx/s."""
    work = Path(tempfile.mkdtemp(prefix="lantan-growth-net-"))
    net = work / "net"
    shutil.copytree(root / "net", net, ignore=shutil.ignore_patterns("data", "*.log", "*.pid"))
    names = sorted(p.name for p in net.iterdir() if (p / "node.toml").exists())
    for name in names:
        toml = net / name / "node.toml"
        text = toml.read_text()
        for index in range(len(names)):  # the forge's ports, 19,700 on, moved to base_port
            old, new = 19_700 + index, base_port + index
            text = text.replace(f":{old}", f":{new}").replace(f"port = {old}", f"port = {new}")
        toml.write_text(text)
        shutil.copytree(root / f"at-{size}" / "data", net / name / "data")
    first = [
        SignedTx.from_json(decode(bytes.fromhex(raw)))
        for raw in json.loads((root / f"at-{size}" / "next.jsonl").open().readline())
    ]
    factory = TxFactory.of_network(net)
    by_key = {key.public_key: name for name, key in factory.keys.items()}
    for tx in first[: len(SENDERS)]:
        factory.nonces[by_key[tx.tx.sender]] = tx.tx.nonce - 1
    factory.serial = size
    wave = WAVE_PER_SENDER * len(SENDERS)
    spy = None
    try:
        for name in names:
            start_process(net, name)
        wait_ready(net, names, minimum_height=1, timeout_s=120)
        urls = [node_view(net, name).url for name in names]
        pids = {name: _pid(node_view(net, name).pid) for name in names}
        with httpx.Client(timeout=120.0) as client:
            run_batches(client, urls, factory.round_robin(wave), commit_limit_s=600)
            if profile is not None:
                spy = subprocess.Popen(
                    [
                        *("py-spy", "record", "--nonblocking", "--rate", "100"),
                        *("--pid", str(pids[names[0]]), "--format", "raw", "-o", str(profile)),
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            cpu_before = {name: cpu_s(pid) for name, pid in pids.items()}
            threads_before = _task_cpu_s(pids[names[0]])
            log_offset = _leveldb_log_size(net / names[0] / "data")
            seconds, sent = 0.0, 0
            while sent < txs:
                count = min(wave, txs - sent)
                seconds += run_batches(client, urls, factory.round_robin(count), commit_limit_s=600)
                sent += count
            cpu_ms_per_tx = {
                name: round((cpu_s(pid) - cpu_before[name]) * 1000 / sent, 3)
                for name, pid in pids.items()
            }
            threads_after = _task_cpu_s(pids[names[0]])
            native = _native_threads(pids[names[0]], set(threads_after))
            compactions, written = _compactions_since(net / names[0] / "data", log_offset)
        if spy is not None:
            spy.send_signal(signal.SIGINT)
            spy.wait(timeout=60)
        return {
            "size": size,
            "txs": sent,
            "tx_per_s": round(sent / seconds, 1),
            "cpu_ms_per_tx": cpu_ms_per_tx,
            "rss_mib": {name: round(rss_mib(pid), 1) for name, pid in pids.items()},
            # The first validator's CPU per tx in threads py-spy sees (Python) and in the
            # others (LevelDB's compaction), which no Python profile shows.
            "first_python_threads_ms_per_tx": round(
                sum(
                    threads_after[t] - threads_before.get(t, 0.0)
                    for t in threads_after
                    if t not in native
                )
                * 1000
                / sent,
                3,
            ),
            "first_native_threads_ms_per_tx": round(
                sum(threads_after[t] - threads_before.get(t, 0.0) for t in native) * 1000 / sent,
                3,
            ),
            "first_compactions": compactions,
            "first_compaction_mb_written_per_1000_tx": round(written / 1e6 * 1000 / sent, 1),
            "height": max(node_view(net, name).height or 0 for name in names),
            "load_average": os.getloadavg()[0],
        }
    finally:
        if spy is not None and spy.poll() is None:
            spy.kill()
        net_down(net)
        if "LANTAN_GROWTH_KEEP" not in os.environ:
            shutil.rmtree(work, ignore_errors=True)


def _pid(pid: int | None) -> int:
    assert pid is not None, "a validator process is not running"
    return pid


def _leveldb_log_size(data: Path) -> int:
    log = data / "LOG"
    return log.stat().st_size if log.exists() else 0


def _settle(data: Path, limit_s: float) -> float:
    """Wait (at most limit_s) until LevelDB's LOG shows no compaction running and has
    been quiet for a second; the seconds waited."""
    started = time.monotonic()
    size, quiet_since = -1, started
    while time.monotonic() - started < limit_s:
        text = (data / "LOG").read_text("ascii", "replace")
        busy = text.count("Compacting ") > text.count("Compacted ")
        if len(text) != size or busy:
            size, quiet_since = len(text), time.monotonic()
        elif time.monotonic() - quiet_since >= 1.0:
            break
        time.sleep(0.1)
    return round(time.monotonic() - started, 1)


def _compactions_since(data: Path, offset: int) -> tuple[int, int]:
    """(compactions, bytes of the tables they wrote) in LevelDB's LOG after offset; memtable
    flushes log "Level-0 table" lines instead and are not counted."""
    with (data / "LOG").open("rb") as log:
        log.seek(offset)
        text = log.read().decode("ascii", "replace")
    written = sum(
        int(line.rsplit(",", 1)[1].split()[0])
        for line in text.splitlines()
        if "Generated table" in line
    )
    return text.count("Compacting "), written


def _task_cpu_s(pid: int) -> dict[str, float]:
    """CPU seconds of each thread of process pid, by thread id (/proc)."""
    found: dict[str, float] = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        found[task.name] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return found


def _native_threads(pid: int, tids: set[str]) -> set[str]:
    """The thread ids of pid that run no Python (py-spy dump lists the Python ones)."""
    dump = subprocess.run(
        ["py-spy", "dump", "--nonblocking", "--pid", str(pid)],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    python = {line.split()[1] for line in dump.splitlines() if line.startswith("Thread ")}
    return tids - python


def _threads_cpu_s() -> dict[str, float]:
    """CPU seconds of each of this process's threads so far: the main one and the others
    (LevelDB's compaction thread), by thread id (/proc)."""
    found: dict[str, float] = {}
    for task in Path("/proc/self/task").iterdir():
        name = "main" if task.name == str(os.getpid()) else f"other {task.name}"
        fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        seconds = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        found[name] = round(found.get(name, 0.0) + seconds, 2)
    return found


def _spread(values: list[float]) -> dict[str, float]:
    return {
        "median": round(statistics.median(values), 1),
        "min": round(min(values), 1),
        "max": round(max(values), 1),
        "sum": round(sum(values), 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    forging = commands.add_parser("forge")
    forging.add_argument("--dir", type=Path, required=True)
    forging.add_argument("--sizes", default="10000,100000")
    forging.add_argument("--next-blocks", type=int, default=40)
    running = commands.add_parser("run")
    running.add_argument("--dir", type=Path, required=True)
    running.add_argument("--size", type=int, required=True)
    running.add_argument("--blocks", type=int, default=20)
    running.add_argument("--warmup", type=int, default=3)
    running.add_argument("--count", action="store_true")
    running.add_argument("--top-levels", type=int, help="state tree levels held (smt_top.py)")
    running.add_argument("--split", type=int, default=1, help="cut each block into this many")
    running.add_argument("--bound", action="store_true", help="also measure Ed25519 verify/s")
    running.add_argument(
        "--settle",
        type=float,
        default=0.0,
        help="seconds at most to wait after the last block for LevelDB's compactions",
    )
    running.add_argument(
        "--pace-ms", type=float, default=0.0, help="sleep so that each block takes this long"
    )
    network = commands.add_parser("net")
    network.add_argument("--dir", type=Path, required=True)
    network.add_argument("--size", type=int, required=True)
    network.add_argument("--txs", type=int, default=5000)
    network.add_argument("--profile", type=Path)
    network.add_argument("--base-port", type=int, default=19_710)
    args = parser.parse_args()
    if args.command == "net":
        measured = run_network(args.dir, args.size, args.txs, args.profile, args.base_port)
        one_core, all_cores, _cores, per_cpu_s = verify_rates()
        tx_per_s = measured["tx_per_s"]
        assert isinstance(tx_per_s, float)
        # Each attest carries one signature: the two-core verify rate is the bound in tx/s.
        measured |= {
            "ed25519_verify_per_s_all_cores": round(all_cores),
            "ratio_to_bound": round(tx_per_s / all_cores, 4),
        }
        print(json.dumps(measured))
        return 0
    if args.command == "forge":
        forge(args.dir, [int(s) for s in args.sizes.split(",")], args.next_blocks)
        return 0
    result = run(
        args.dir,
        args.size,
        args.blocks,
        warmup=args.warmup,
        count=args.count,
        top_levels=args.top_levels,
        split=args.split,
        settle_s=args.settle,
        pace_ms=args.pace_ms,
    )
    if args.bound:
        one_core, all_cores, _cores, per_cpu_s = verify_rates()
        result["ed25519_verify_per_s_all_cores"] = round(all_cores)
        result["ed25519_verify_per_s_one_core"] = round(one_core)
        result["ed25519_verify_per_cpu_s"] = round(per_cpu_s)
        # Each attest carries one signature: the bound in tx per CPU second of one core.
        median_cpu_ms = result["block_cpu_ms"]["median"]  # type: ignore[index]
        tx_per_cpu_s = TX_PER_BLOCK * 1000 / median_cpu_ms
        result["tx_per_cpu_s"] = round(tx_per_cpu_s)
        result["ratio_to_verify_per_cpu_s"] = round(tx_per_cpu_s / per_cpu_s, 3)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
