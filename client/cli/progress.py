"""Signs of life during long waits: a rich spinner on stderr, or nothing at all.

Shown only when stderr is a terminal and the command was not asked for --json, so pipes,
scripts and tests see exactly the output they always did. Every wait over ~2 s of the CLI
(network start, bench, receipt fetch, audit) reports its current step through `Spinner`.
"""

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType

from rich.console import Console
from rich.status import Status


def wanted(*, as_json: bool = False) -> bool:
    """Progress is drawn only for a person: a terminal on stderr, no --json."""
    return not as_json and sys.stderr.isatty()


class Spinner:
    """`with Spinner("starting", enabled=...) as s: s.step("waiting")`; silent when disabled."""

    def __init__(self, first_step: str, *, enabled: bool) -> None:
        self._status: Status | None = None
        if enabled:
            self._status = Console(stderr=True).status(first_step, spinner="dots")

    def step(self, text: str) -> None:
        if self._status is not None:
            self._status.update(text)

    def __enter__(self) -> "Spinner":
        if self._status is not None:
            self._status.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._status is not None:
            self._status.stop()


@contextmanager
def spinner(first_step: str, *, as_json: bool = False) -> Iterator[Spinner]:
    """A Spinner that shows itself only when `wanted`."""
    with Spinner(first_step, enabled=wanted(as_json=as_json)) as shown:
        yield shown
