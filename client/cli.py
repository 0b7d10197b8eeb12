"""The one `lantan` console script. Thin I/O shell: parses arguments, dispatches.

Command groups register through the `lantan.commands` entry-point group (DESIGN.md §1):
each entry point names a function `register(subparsers)` that adds one group. node/
registers `node`, `net` and `bench`; when the server extra is missing, those groups
print how to install it instead of failing with an ImportError.
"""

import argparse
import sys
from collections.abc import Callable, Sequence
from importlib.metadata import entry_points

COMMAND_GROUP = "lantan.commands"
SERVER_GROUPS = ("node", "net", "bench")

Register = Callable[[argparse._SubParsersAction], None]  # type: ignore[type-arg]


def build_parser() -> argparse.ArgumentParser:
    """Assemble the parser from every installed command group."""
    parser = argparse.ArgumentParser(
        prog="lantan", description="Lantan blue carbon registry: node, audit and receipts."
    )
    subparsers = parser.add_subparsers(dest="group", metavar="COMMAND")
    registered: set[str] = set()
    for entry in sorted(entry_points(group=COMMAND_GROUP), key=lambda e: e.name):
        try:
            register: Register = entry.load()
        except ImportError as error:
            _add_missing_extra(subparsers, entry.name, str(error))
        else:
            register(subparsers)
        registered.add(entry.name)
    for name in SERVER_GROUPS:
        if name not in registered:
            _add_missing_extra(subparsers, name, "the node extra is not installed")
    return parser


def _add_missing_extra(
    subparsers: argparse._SubParsersAction,  # type: ignore[type-arg]
    name: str,
    reason: str,
) -> None:
    sub = subparsers.add_parser(name, help=f"(unavailable: {reason})")
    # Accept whatever followed, so the user gets the install hint, not a usage error.
    sub.add_argument("arguments", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    sub.set_defaults(handler=lambda _args: _explain_missing(name, reason))


def _explain_missing(name: str, reason: str) -> int:
    message = f"lantan {name}: this command is unavailable ({reason})."
    if name in SERVER_GROUPS:
        message += "\nIt is part of the validator node; install it with: pip install 'lantan[node]'"
    print(message, file=sys.stderr)
    return 2


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `lantan` script; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    result: int = handler(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
