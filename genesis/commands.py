"""What every `lantan` command group shares, whichever package registers it (client/cli/,
genesis/cli.py, genesis/keys_cli.py, node/cli.py, node/net_cli.py, node/bench_cli.py): the
subparsers type, a group with its required ACTION, the help formatter that shows defaults,
and the guard that ends an expected failure as one line on stderr, `lantan <command>: error:
<message>`, with EXIT_FAILURE (STYLE.md §7).

It lives in genesis/, the lowest package with commands, so that every group can import it.
"""

import argparse
import contextlib
import signal
import stat
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Final, TypeAlias

from genesis.errors import GenesisError, GenesisUsageError

EXIT_FAILURE: Final = 1
"""The command could not do what was asked; the reason is the one line on stderr."""
EXIT_USAGE: Final = 2
"""Arguments that cannot work (argparse exits with 2 as well)."""
EXIT_SIGNAL_BASE: Final = 128
"""A command ended by signal N exits 128 + N, as a shell reports it: 130 for Ctrl-C."""


class TerminatedError(KeyboardInterrupt):
    """SIGTERM, raised where Ctrl-C would be (terminate_as_interrupt), so the same cleanup
    runs: worker processes shut down, files closed."""

    signal_number = signal.SIGTERM


@contextlib.contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """Within the body, SIGTERM raises TerminatedError in the main thread instead of ending
    the process at once (which left a worker process's semaphores to the resource tracker,
    with a warning). The previous handler is restored after."""

    def raise_terminated(_signal: int, _frame: object) -> None:
        raise TerminatedError

    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may set a handler (a caller running a command in a test)
        return
    previous = signal.signal(signal.SIGTERM, raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


TCP_PORT_MAX: Final = 65535
"""A TCP port is 1..65535 (the socket layer would take 70000 as 70000 mod 65536)."""


def whole_number(minimum: int, maximum: int | None = None, note: str = "") -> Callable[[str], int]:
    """argparse `type` of every numeric option with a range, the one rule (CLI.md: a number
    out of its range is a usage error): a whole number in minimum..maximum (>= minimum when
    maximum is None); anything else is refused by argparse, naming the option, exit 2.
    note, when given, says why the range is what it is."""
    expected = f">= {minimum}" if maximum is None else f"{minimum}..{maximum}"

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < minimum or (maximum is not None and value > maximum):
            why = f" ({note})" if note else ""
            raise argparse.ArgumentTypeError(
                f"expected a whole number {expected}, not {text!r}{why}"
            )
        return value

    return parse


def port_argument(text: str) -> int:
    """argparse `type` of a port option (--port, --base-port): 1..65535, whole_number's rule."""
    return whole_number(1, TCP_PORT_MAX)(text)


Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
Handler = Callable[[argparse.Namespace], int]


def add_group(
    subparsers: Subparsers,
    name: str,
    summary: str,
    *,
    description: str | None = None,
    metavar: str = "ACTION",
) -> Subparsers:
    """Add the command group `name` (summary: its line in `lantan --help`) and return the
    subparsers of its actions, one of which must be given (args.<name>_action)."""
    group = subparsers.add_parser(name, help=summary, description=description)
    return group.add_subparsers(dest=f"{name}_action", metavar=metavar, required=True)


class DefaultsHelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """`(default: X)` after an option's help only where X says something: not for None, False
    or an empty list (a flag, an option that is off, a required one), and not twice when the
    help already says its default in words (`(default: a temp dir)`)."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        default = action.default
        if default is None or default is False or default == [] or action.required:
            return action.help
        if "(default:" in (action.help or ""):
            return action.help
        return super()._get_help_string(action)


def report_failure(command: str, message: object) -> int:
    """Say on stderr why `lantan <command>` failed; returns EXIT_FAILURE."""
    print(f"lantan {command}: error: {message}", file=sys.stderr)
    return EXIT_FAILURE


def failure_text(error: BaseException) -> str:
    """The message of an expected failure: "terminated" for SIGTERM, "interrupted" for
    Ctrl-C, else the error's text."""
    if isinstance(error, TerminatedError):
        return "terminated"
    return "interrupted" if isinstance(error, KeyboardInterrupt) else str(error)


def exit_code_of(error: BaseException) -> int:
    """EXIT_FAILURE, or 128 + the signal's number for Ctrl-C (130) and SIGTERM (143)."""
    if isinstance(error, TerminatedError):
        return EXIT_SIGNAL_BASE + error.signal_number
    if isinstance(error, KeyboardInterrupt):
        return EXIT_SIGNAL_BASE + signal.SIGINT
    return EXIT_FAILURE


def guarded(
    command: str,
    handler: Handler,
    expected: tuple[type[BaseException], ...],
    *,
    describe: Callable[[BaseException], str] = failure_text,
    usage: tuple[type[BaseException], ...] = (),
) -> Handler:
    """Run handler; an expected failure becomes report_failure(command, describe(error)),
    and the exit code EXIT_USAGE when it is one of usage (checked first: a usage error
    may be a subclass of an expected one), 128 + the signal for Ctrl-C or SIGTERM, else
    EXIT_FAILURE.

    Nothing else is caught, a ProtocolError included: one raised by the handler is a
    value the command failed to check where it read it, and its traceback shows where.
    BrokenPipeError always passes through: the reader of stdout has gone, and
    client/cli/main.py ends quietly."""

    def run(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except BrokenPipeError:
            raise
        except usage as error:
            report_failure(command, describe(error))
            return EXIT_USAGE
        except expected as error:
            report_failure(command, describe(error))
            return exit_code_of(error)

    return run


def genesis_guarded(command: str, handler: Handler) -> Handler:
    """guarded for the `keys` and `genesis` groups: a GenesisError, an OSError or Ctrl-C is
    one line on stderr, exit code 2 for a GenesisUsageError (as argparse's own), else 1."""
    expected = (GenesisError, OSError, KeyboardInterrupt)
    return guarded(
        command, handler, expected, describe=_genesis_failure, usage=(GenesisUsageError,)
    )


def _genesis_failure(error: BaseException) -> str:
    if isinstance(error, OSError):
        return f"{error.filename or ''}: {error.strerror or error}".lstrip(": ")
    return failure_text(error)


def read_passphrase_file_warned(path: Path) -> bytes:
    """read_passphrase_file(path), and a warning on stderr when others than its owner may
    read it: every command that unlocks a keystore with a passphrase file says so, the key
    commands and `lantan tx` alike."""
    # Here, not at the top: the keystore module loads contracts and consensus (~0.2 s of
    # CPU), and every command group imports this module for its parser helpers.
    from genesis.keystore import read_passphrase_file

    passphrase = read_passphrase_file(path)
    with contextlib.suppress(OSError):
        if stat.S_IMODE(path.stat().st_mode) & 0o077:
            print(
                f"warning: passphrase file {path} is readable by others (chmod 600)",
                file=sys.stderr,
            )
    return passphrase
