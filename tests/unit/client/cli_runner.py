"""Run the `tx`, `query` and `witness` groups in-process, without relying on installed entry
points."""

import argparse

from client.cli.query import register_query
from client.cli.tx import register_tx
from client.cli.witness import register_witness


def run_cli(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="lantan")
    subparsers = parser.add_subparsers(dest="group", required=True)
    register_tx(subparsers)
    register_query(subparsers)
    register_witness(subparsers)
    args = parser.parse_args(list(argv))
    result: int = args.handler(args)
    return result
