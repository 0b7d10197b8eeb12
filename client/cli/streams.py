"""The process's standard streams, made safe before any command prints: its own module
because every `lantan` call loads it first (client/cli/json_failure.py), before any
command group, and `lantan --version` should load nothing more."""

import io
import sys


def prepare_stdout() -> None:
    """Never crash on Chinese text: a non-UTF-8 terminal gets escapes instead."""
    for stream in (sys.stdout, sys.stderr):
        encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "")
        if isinstance(stream, io.TextIOWrapper) and encoding != "utf8":
            stream.reconfigure(errors="backslashreplace")
