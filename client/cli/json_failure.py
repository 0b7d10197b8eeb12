"""With --json, a failure is a JSON document on stdout too (CLI.md "Common options").

A script that reads `lantan ... --json` parses stdout; a failure used to leave it empty, so
the script's own JSON parser failed with a message about the empty input instead of the
reason. Every command's failure is still the one line on stderr (`lantan <command>: error:
<what>`, STYLE.md §7); when --json was given and the command wrote nothing to stdout, that
line's message and the exit code are also printed there as `{"error": ..., "exit_code": N}`.
A command that already printed its document (a receipt VALID offline whose key status then
failed) keeps it as the one document.
"""

import json
import sys
from collections.abc import Callable, Sequence
from typing import Any, TextIO

from client.cli.streams import prepare_stdout

_ERROR_MARK = ": error: "


class _Watched:
    """A text stream that passes everything through and remembers what a failure needs:
    whether anything was written, and the last line that says `...: error: ...`."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.written = False
        self.last_error: str | None = None
        self._partial = ""

    def write(self, text: str) -> int:
        if text:
            self.written = True
            self._partial += text
            *lines, self._partial = self._partial.split("\n")
            for line in lines:
                if _ERROR_MARK in line:
                    self.last_error = line.split(_ERROR_MARK, 1)[1]
        return self.stream.write(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)

    def unfinished_line(self) -> str | None:
        """What was written after the last newline, if anything."""
        return self._partial.strip() or None


def wants_json(arguments: Sequence[str]) -> bool:
    return "--json" in arguments


def run_with_json_failure(run: Callable[[], int]) -> int:
    """run(), and if it fails (a non-zero exit code, or argparse's SystemExit) having written
    nothing on stdout, print the failure as one JSON document there."""
    prepare_stdout()  # before wrapping: it reconfigures the real streams
    stdout, stderr = _Watched(sys.stdout), _Watched(sys.stderr)
    sys.stdout, sys.stderr = stdout, stderr
    try:
        try:
            code = run()
        except SystemExit as exit_:  # argparse: a usage error, after its message
            code = exit_.code if isinstance(exit_.code, int) else 2
            if code == 0:
                raise
    finally:
        sys.stdout, sys.stderr = stdout.stream, stderr.stream
    if code != 0 and not stdout.written:
        message = stderr.last_error or stderr.unfinished_line() or "failed"
        print(json.dumps({"error": message, "exit_code": code}, ensure_ascii=False))
    return code
