#!/usr/bin/env python3
"""Scale: a chain of 10^6 txs on real validators (issue 13 item 5). A benchmark, not CI.

1. Makes a local 3-validator network (keys, genesis, node.toml; node/net.py) and forges
   --txs signed insurance.attest txs in blocks of --tx-per-block into the first validator's
   LevelDB through the real block transition (node/bench_chain.py), then copies that store
   to the second validator. The third keeps an empty store: the wiped validator.
2. Starts the two holding the chain and reports the LevelDB size and each one's RSS.
3. Times --proofs requests of each proof kind against the first (header inclusion, tx
   inclusion, consistency to the head, state), p50/p99 at the client, then RSS again.
4. Times `lantan audit --replay` against the first validator (wall and CPU seconds), next
   to the Ed25519 verify rate of this machine (scripts/bench_audit.py's measure).
5. Starts the wiped validator and times it until it holds the chain (tx/s, blocks/s, RSS).
Prints a table (or --json) with the targets met or missed; docs/PERFORMANCE.md has the
figures. Usage: .venv/bin/python scripts/bench_chain.py [--txs 1000000] [--tx-per-block 250]
"""

import argparse
import json
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_audit import verify_rates
from bench_scale import cpu_s, rss_mib, tree_mib

from genesis.document import build_genesis, parse_genesis
from genesis.layout import GENESIS_FILE
from node.bench import TxFactory, unlock
from node.bench_chain import (
    AuditRun,
    CatchUp,
    ChainBenchResult,
    ForgedChain,
    Latency,
    argument_parser,
    forge_chain,
)
from node.ledger import Ledger
from node.net import net_create, net_down, start_process
from node.net_views import node_view, wait_ready
from node.storage.leveldb import LevelDbStore

CATCHUP_TIMEOUT_S = 600.0
"""Without a new block for this long, the wiped validator counts as stuck."""


def say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def forge(net: Path, names: list[str], txs: int, tx_per_block: int, samples: int) -> ForgedChain:
    genesis = build_genesis(parse_genesis((net / GENESIS_FILE).read_bytes()))
    keys = [unlock(net / name) for name in names]
    factory = TxFactory.of_network(net)
    step = max(txs // 20, tx_per_block)

    def progress(done: int) -> None:
        if done % step < tx_per_block or done == txs:
            say(f"forged {done:,} txs")

    with LevelDbStore.open(net / names[0] / "data") as store:
        forged = forge_chain(
            Ledger(store, genesis),
            keys,
            factory,
            txs=txs,
            tx_per_block=tx_per_block,
            samples=samples,
            progress=progress,
        )
    shutil.copytree(net / names[0] / "data", net / names[1] / "data")
    return forged


def timed_get(client: httpx.Client, url: str, params: dict[str, str] | None = None) -> float:
    started = time.perf_counter()
    response = client.get(url, params=params)
    elapsed_ms = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise SystemExit(f"{url}: {response.status_code} {response.text[:200]}")
    return elapsed_ms


def time_proofs(url: str, forged: ForgedChain, count: int) -> dict[str, Latency]:
    """count requests of each proof kind, at heights and keys drawn with a fixed seed."""
    pick = random.Random(13)
    size = forged.height + 1
    kinds: dict[str, Callable[[httpx.Client], float]] = {
        "header inclusion": lambda c: timed_get(
            c, f"{url}/v1/proofs/header/{pick.randint(1, forged.height)}", {"size": str(size)}
        ),
        "tx inclusion": lambda c: timed_get(
            c, f"{url}/v1/proofs/tx/{pick.choice(forged.tx_ids).hex()}"
        ),
        "consistency to the head": lambda c: timed_get(
            c,
            f"{url}/v1/proofs/consistency",
            {"first": str(pick.randint(1, size - 1)), "second": str(size)},
        ),
        "state": lambda c: timed_get(c, f"{url}/v1/proofs/state/{pick.choice(forged.state_keys)}"),
    }
    with httpx.Client(timeout=60.0) as client:
        for request in kinds.values():
            request(client)  # the first request of a kind warms its route
        return {
            kind: Latency.of([request(client) for _ in range(count)])
            for kind, request in kinds.items()
        }


def profiled(pid: int, profile: Path | None) -> "subprocess.Popen[bytes] | None":
    """py-spy recording pid until it exits (raw collapsed stacks), when a profile is wanted."""
    if profile is None:
        return None
    profile.parent.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(
        [
            *("py-spy", "record", "--nonblocking", "--pid", str(pid), "--rate", "100"),
            *("--format", "raw", "-o", str(profile)),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def stop_profile(spy: "subprocess.Popen[bytes] | None") -> None:
    """Stop a py-spy whose process lives on (a validator): SIGINT makes it write its file."""
    if spy is not None:
        spy.send_signal(signal.SIGINT)
        spy.wait(timeout=60)


def audit(net: Path, url: str, profile: Path | None) -> AuditRun:
    """Wall and CPU seconds of `lantan audit --replay` against one node; it must be clean."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    command = [
        *("lantan", "audit", "--replay", "--json"),
        *("--nodes", url, "--genesis", str(net / GENESIS_FILE)),
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE)
    spy = profiled(process.pid, profile)
    out, _ = process.communicate()
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if spy is not None:
        spy.wait(timeout=60)
    if process.returncode != 0:
        raise SystemExit(f"audit not clean ({process.returncode}): {out[-2000:]!r}")
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return AuditRun(seconds=elapsed, cpu_s=cpu)


def catch_up(net: Path, name: str, target: int, txs: int, profile: Path | None) -> CatchUp:
    """The wiped validator, from starting its process to it holding height target."""
    started = time.perf_counter()
    pid = start_process(net, name)
    spy = profiled(pid, profile)
    try:
        wait_ready(net, [name], minimum_height=target, timeout_s=CATCHUP_TIMEOUT_S)
        seconds, cpu = time.perf_counter() - started, cpu_s(pid)
    finally:
        stop_profile(spy)
    return CatchUp(seconds=seconds, blocks=target, txs=txs, rss_mib=rss_mib(pid), cpu_s=cpu)


def run(args: argparse.Namespace, net: Path) -> ChainBenchResult:
    load_start = os.getloadavg()[0]
    names = net_create(net, validators=3, base_port=args.base_port)
    say(f"forging {args.txs:,} txs in blocks of {args.tx_per_block} into {names[0]}")
    forged = forge(net, names, args.txs, args.tx_per_block, args.proofs)
    holders, wiped = names[:2], names[2]
    started = time.perf_counter()
    for name in holders:
        start_process(net, name)
    wait_ready(net, holders, minimum_height=forged.height, timeout_s=CATCHUP_TIMEOUT_S)
    start_s = time.perf_counter() - started
    rss_start = {name: rss_mib(node_view(net, name).pid) for name in holders}
    url = node_view(net, holders[0]).url
    say(f"started on height {forged.height:,} in {start_s:.1f} s; timing proofs")
    proofs = time_proofs(url, forged, args.proofs)
    say("measuring the Ed25519 verify rate")
    one_core, all_cores, cores, per_cpu_s = verify_rates()
    audit_run = None
    if args.audit:
        say("auditing with --replay")
        audit_run = audit(net, url, args.profile and args.profile / "audit-replay.txt")
    rss_proofs = {name: rss_mib(node_view(net, name).pid) for name in holders}
    catchup = None
    if args.catchup:
        target = node_view(net, holders[0]).height or forged.height
        say(f"starting the wiped {wiped}: catch-up to height {target:,}")
        profile = args.profile and args.profile / "catchup.txt"
        catchup = catch_up(net, wiped, target, forged.txs, profile)
    return ChainBenchResult(
        txs=forged.txs,
        blocks=forged.height,
        tx_per_block=args.tx_per_block,
        forge_s=forged.seconds,
        leveldb_mib=tree_mib(net / holders[0] / "data"),
        start_s=start_s,
        rss_after_start_mib=rss_start,
        rss_after_proofs_mib=rss_proofs,
        proofs=proofs,
        audit=audit_run,
        catchup=catchup,
        verify_per_s_one_core=one_core,
        verify_per_s_all_cores=all_cores,
        verify_per_cpu_s=per_cpu_s,
        cores=cores,
        load_average=(load_start, os.getloadavg()[0]),
    )


def main() -> int:
    args = argument_parser().parse_args()
    net = (args.dir or Path(tempfile.mkdtemp(prefix="lantan-chain-"))).resolve()
    try:
        try:
            result = run(args, net)
        finally:
            net_down(net)
    finally:
        if args.dir is None:
            shutil.rmtree(net, ignore_errors=True)
    print(json.dumps(result.to_json(), indent=2) if args.json else result.table())
    return 0


if __name__ == "__main__":
    sys.exit(main())
