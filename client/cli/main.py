"""The one `lantan` console script. Thin I/O shell: parses arguments, dispatches.

Command groups register through the `lantan.commands` entry-point group (DESIGN.md §1):
each entry point names a function `register(subparsers)` that adds one group. node/
registers `node`, `net` and `bench`; when the server extra is missing, those groups
print how to install it instead of failing with an ImportError.
"""

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from importlib.metadata import PackageNotFoundError, entry_points, version
from typing import Any

from client.cli.completion import SHELLS, completion_script
from client.cli.json_failure import run_with_json_failure, wants_json

COMMAND_GROUP = "lantan.commands"
SERVER_GROUPS = ("node", "net", "bench")
EXIT_BROKEN_PIPE = 141
"""128 + SIGPIPE, what a shell reports for `yes | head`: the reader went away."""

Register = Callable[[argparse._SubParsersAction], None]  # type: ignore[type-arg]


class _Parser(argparse.ArgumentParser):
    """No abbreviated options, here and in every group and action (argparse makes each
    subparser of this class): `audit --node URL` had been read as `--nodes URL`, silently
    replacing the nodes given before it. Each command refuses what it does not take itself
    (_CommandSubparsers)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **{**kwargs, "allow_abbrev": False})
        self.register("action", "parsers", _CommandSubparsers)


class _CommandSubparsers(argparse._SubParsersAction):  # type: ignore[type-arg]
    """Subparsers whose chosen command reports the arguments it does not recognize.

    argparse leaves them on the namespace for the top parser, which said `lantan: error:
    unrecognized arguments: --json` under `usage: lantan [-h] [--version] COMMAND ...`:
    nothing about what `lantan witness` does take. The innermost command errs first."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        super().__call__(parser, namespace, values, option_string)
        leftover = vars(namespace).pop(argparse._UNRECOGNIZED_ARGS_ATTR, None)
        if leftover:
            command: argparse.ArgumentParser = self._name_parser_map[values[0]]
            command.error(f"unrecognized arguments: {' '.join(leftover)}")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """Assemble the parser from every installed command group, or from the one named `only`.

    Loading one group is what keeps `lantan <group> ...` quick: each group imports its own
    stack (the receipt PDF, the audit replay, the node), about a second of CPU for all of
    them together against a fraction for one.
    """
    parser = _Parser(
        prog="lantan", description="Lantan blue carbon registry: node, audit and receipts."
    )
    parser.add_argument("--version", action="version", version=f"lantan {_version()}")
    subparsers = parser.add_subparsers(dest="group", metavar="COMMAND")
    registered: set[str] = set()
    for entry in sorted(entry_points(group=COMMAND_GROUP), key=lambda e: e.name):
        if only is not None and entry.name != only:
            continue
        try:
            register: Register = entry.load()
        except ImportError as error:
            _add_missing_extra(subparsers, entry.name, str(error))
        else:
            register(subparsers)
        registered.add(entry.name)
    for name in SERVER_GROUPS:
        if name not in registered and only in (None, name):
            _add_missing_extra(subparsers, name, "the node extra is not installed")
    completion = subparsers.add_parser(
        "completion",
        help="print a shell completion script",
        description='Enable with: eval "$(lantan completion bash)" in ~/.bashrc '
        '(zsh: eval "$(lantan completion zsh)" in ~/.zshrc, after compinit).',
    )
    completion.add_argument("shell", choices=SHELLS)
    completion.set_defaults(handler=lambda args: _print_completion(parser, args.shell))
    return parser


def _version() -> str:
    try:
        return version("lantan")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "(not installed)"


def _print_completion(parser: argparse.ArgumentParser, shell: str) -> int:
    print(completion_script(shell, parser), end="")
    return 0


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
    arguments = sys.argv[1:] if argv is None else list(argv)
    try:
        if wants_json(arguments):
            result = run_with_json_failure(lambda: _run(arguments))
        else:
            result = _run(arguments)
        sys.stdout.flush()
    except BrokenPipeError:
        # `lantan ... | head`: the reader has gone. Point stdout at /dev/null so the flush
        # at exit cannot raise again, and end quietly as other Unix tools do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    return result


NO_GROUP = ""
"""build_parser(only=NO_GROUP) loads no command group: `lantan --version` needs none."""


def _invoked_group(argv: Sequence[str]) -> str | None:
    """The group named by the first argument, if any; NO_GROUP for `--version` alone (it
    had loaded every group, ~0.5 s of imports, to print one line). Anything else (an option
    such as --help, an unknown word, `completion`, which lists every group) needs the
    whole parser."""
    if not argv:
        return None
    if list(argv) == ["--version"]:
        return NO_GROUP
    names = {entry.name for entry in entry_points(group=COMMAND_GROUP)} | set(SERVER_GROUPS)
    return argv[0] if argv[0] in names else None


def _run(arguments: list[str]) -> int:
    parser = build_parser(only=_invoked_group(arguments))
    args = parser.parse_args(arguments)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    result: int = handler(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
