"""`lantan bench`: throughput and latency of a fresh local 3-validator network."""

import argparse
from pathlib import Path

from client.cli.progress import spinner
from genesis.commands import Subparsers, guarded
from genesis.errors import GenesisError
from node.bench import print_result, run_bench
from node.extra import require_server_extra
from node.net_processes import NetError

require_server_extra()  # these commands run the server: refuse without the node extra


def register_bench(subparsers: Subparsers) -> None:
    bench = subparsers.add_parser(
        "bench",
        help="measure committed tx/s and latency",
        description="Start a fresh 3-validator network, measure, stop it. Its directory "
        "is a temp dir, removed afterwards, unless --dir names one to keep.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    bench.add_argument("--txs", type=int, default=3000, help="txs in the batch run")
    bench.add_argument("--singles", type=int, default=60, help="single-tx latency samples")
    bench.add_argument("--base-port", type=int, default=7301, help="the first node's port")
    bench.add_argument("--dir", type=Path, help="network directory to keep (default: a temp dir)")
    bench.add_argument("--json", action="store_true", help="print one JSON document")
    bench.set_defaults(handler=guarded("bench", _run, (NetError, GenesisError, OSError)))


def _run(args: argparse.Namespace) -> int:
    with spinner("starting", as_json=args.json) as shown:
        result = run_bench(
            txs=args.txs,
            singles=args.singles,
            base_port=args.base_port,
            keep=args.dir,
            progress=shown.step,
        )
    print_result(result, args.json)
    return 0
