"""`lantan` commands run in the test process through the entry point's main(), for tests
that check a command's exit code, stdout and stderr: a process of its own costs ~1.2-1.7 s
of CPU of imports per command on the CI box (test_genesis_cli's 40 cost ~75 s).

The one in-process runner: the unit tier's `keys`, `genesis`, `tx`, `query` and `witness`
tests and the receipts tier's `receipt get` / `verify` use it, so each runs the parser the
user runs (every group, no abbreviated options, --json failures as documents), not a
parser of its own groups."""

import contextlib
import io
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from client.cli.main import main as lantan_main

LANTAN_MODULE = [sys.executable, "-m", "client.cli.main"]
"""`lantan` as a process of its own, for the tests that need its process (run by module:
the installed console script, and a forked copy of it, are
tests/integration/lantan_cli.py's LANTAN and lantan())."""


def run_lantan(*args: str | Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """`lantan ARGS` through main(): its exit code (argparse's SystemExit included) and what
    it wrote to stdout and stderr. stdin is read as from a pipe, never a terminal, so no
    command can stop to prompt; an unexpected exception propagates (and fails the test, as
    a traceback and exit 1 of a process would)."""
    arguments = [*map(str, args)]
    stdout, stderr = io.StringIO(), io.StringIO()
    with _standard_streams(io.StringIO(stdin), stdout, stderr):
        try:
            code = lantan_main(arguments)
        except SystemExit as stop:  # argparse's usage errors and --help
            code = stop.code if isinstance(stop.code, int) else 1
    return subprocess.CompletedProcess(
        [*LANTAN_MODULE, *arguments], code, stdout.getvalue(), stderr.getvalue()
    )


@contextlib.contextmanager
def _standard_streams(
    stdin: io.StringIO, stdout: io.StringIO, stderr: io.StringIO
) -> Iterator[None]:
    saved = sys.stdin
    sys.stdin = stdin
    try:
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            yield
    finally:
        sys.stdin = saved
