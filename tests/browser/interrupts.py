"""SIGTERM interrupts the browser tier like Ctrl-C does, so its networks are taken down.

The nodes of a test network run in their own sessions (node.net starts them detached), so
they outlive a pytest process that dies. Ctrl-C raises KeyboardInterrupt and pytest runs
every fixture's teardown; SIGTERM (a cancelled CI job, `timeout`) would end pytest at once,
with no teardown and the nodes left running. While `sigterm_interrupts` is active, the
first SIGTERM raises KeyboardInterrupt instead; later ones are ignored until the block
ends, so the teardown (net_down) is not cut short. SIGKILL still ends pytest at once.
"""

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType


@contextlib.contextmanager
def sigterm_interrupts() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may set handlers (an xdist worker's fixtures run there)
        return
    interrupted = False

    def interrupt(signum: int, _frame: FrameType | None) -> None:
        nonlocal interrupted
        if interrupted:
            return
        interrupted = True
        raise KeyboardInterrupt(f"{signal.Signals(signum).name}: tearing the networks down")

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
