"""`lantan bench`: throughput and latency of a fresh local 3-validator network.

The counts are checked when the arguments are parsed (exit 2), before a network starts: the
batch needs at least one tx (its tx/s is what bench is for, and the ratio to the bound is
taken of it); the latency samples may be 0, for a throughput-only run.
"""

import argparse
from pathlib import Path
from typing import Final

from client.cli.progress import spinner
from genesis.commands import DefaultsHelpFormatter, Subparsers, guarded, port_argument, whole_number
from genesis.errors import GenesisError
from node.bench import print_result, run_bench
from node.extra import require_server_extra
from node.net import BASE_PORT
from node.net_processes import NetError, NetUsageError

require_server_extra()  # these commands run the server: refuse without the node extra

BENCH_BASE_PORT: Final = 7301
"""Not net up's BASE_PORT: bench's throwaway network must never meet one a user started. A
port in use is refused before anything starts, naming --base-port (node/net.py)."""


def register_bench(subparsers: Subparsers) -> None:
    bench = subparsers.add_parser(
        "bench",
        help="measure committed tx/s and latency",
        description="Start a fresh 3-validator network, measure, stop it. Its directory "
        "is a temp dir, removed afterwards, unless --dir names one to keep.",
        formatter_class=DefaultsHelpFormatter,
    )
    bench.add_argument(
        "--txs", type=whole_number(1), default=3000, metavar="N", help="txs in the batch run"
    )
    bench.add_argument(
        "--singles",
        type=whole_number(0),
        default=60,
        metavar="N",
        help="single-tx latency samples (0: throughput only)",
    )
    bench.add_argument(
        "--base-port",
        type=port_argument,
        default=BENCH_BASE_PORT,
        metavar="P",
        help="the first node's port; the others follow "
        f"(default: %(default)s; not net up's {BASE_PORT}, so a bench never meets your network)",
    )
    bench.add_argument(
        "--dir",
        type=Path,
        help="network directory to keep (default: a temp dir, removed afterwards)",
    )
    bench.add_argument("--json", action="store_true", help="print one JSON document")
    expected = (NetError, GenesisError, OSError, KeyboardInterrupt)
    bench.set_defaults(handler=guarded("bench", _run, expected, usage=(NetUsageError,)))


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
