"""What every client command group shares: error handling, exit codes, node options.

A command handler returns an exit code; expected failures (ClientError, GenesisError)
end as one line on stderr, never a traceback (STYLE.md §7). Output is UTF-8 JSON with
Chinese text kept readable (ensure_ascii=False).
"""

import argparse
import json
from pathlib import Path
from typing import Any, Final, TypeAlias

from client.api import DEFAULT_NODE_URL, NODES_ENV
from client.cli.streams import prepare_stdout
from client.errors import ClientError, UsageError
from genesis import commands
from genesis.errors import GenesisError, GenesisUsageError

EXIT_OK: Final = 0
EXIT_FAILURE: Final = commands.EXIT_FAILURE
"""The tx was rejected, a node refused it, or something could not be done."""
EXIT_USAGE: Final = commands.EXIT_USAGE
"""Arguments that cannot work (argparse uses 2 as well)."""
EXIT_PENDING: Final = 3
"""Submitted, but not committed before --timeout-ms: it may still commit."""

Subparsers: TypeAlias = commands.Subparsers
Handler: TypeAlias = commands.Handler


def guarded(command: str, handler: Handler) -> Handler:
    """Run handler; expected failures become one line on stderr and an exit code: EXIT_USAGE
    for arguments that cannot work, EXIT_FAILURE for the rest (and Ctrl-C)."""

    def run(args: argparse.Namespace) -> int:
        prepare_stdout()
        return handler(args)

    expected = (ClientError, GenesisError, KeyboardInterrupt)
    usage = (UsageError, GenesisUsageError)
    return commands.guarded(command, run, expected, usage=usage)


def add_node_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--node",
        metavar="URL[,URL...]",
        help=f"node API base URLs (default: ${NODES_ENV}, else {DEFAULT_NODE_URL})",
    )


def add_json_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON document")


def print_json(value: Any) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2))


def refuse_existing_out(out: Path, *, force: bool, option: str = "--out") -> None:
    """Raise UsageError (exit 2) if option (--out, --pdf) names an existing file and --force
    was not given: checked before any work (a key unlocked, a node asked, a receipt
    verified), as every command that writes a file does."""
    if out.exists() and not force:
        raise UsageError(f"{out} exists; choose another {option} or pass --force")
