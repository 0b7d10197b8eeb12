"""`lantan bench`: throughput and latency of a fresh local 3-validator network."""

import argparse
from pathlib import Path
from typing import TypeAlias

from node.bench import print_result, run_bench
from node.extra import require_server_extra

require_server_extra()  # these commands run the server: refuse without the node extra

Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def register_bench(subparsers: Subparsers) -> None:
    bench = subparsers.add_parser("bench", help="measure committed tx/s and latency")
    bench.add_argument("--txs", type=int, default=3000, help="txs in the batch run")
    bench.add_argument("--singles", type=int, default=60, help="single-tx latency samples")
    bench.add_argument("--base-port", type=int, default=7301)
    bench.add_argument("--dir", type=Path, help="network directory (default: a temp dir)")
    bench.add_argument("--json", action="store_true")
    bench.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    result = run_bench(txs=args.txs, singles=args.singles, base_port=args.base_port, keep=args.dir)
    print_result(result, args.json)
    return 0
