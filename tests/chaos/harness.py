"""Making and always removing a chaos run's namespaces, mounts, processes and directories.

`chaos_run` removes namespaces left by runs that died (their owner pid is gone), builds a
fresh fabric and enters it; on exit, on an exception, on SIGINT/SIGTERM/SIGHUP (turned
into KeyboardInterrupt so every `finally` runs) and at interpreter exit (atexit) it kills the nodes,
unmounts the tmpfs, deletes the namespaces and the network directories.
"""

import atexit
import contextlib
import os
import shutil
import signal
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import FrameType

from tests.chaos.cluster import ChaosNet
from tests.chaos.namespaces import Fabric, remove_stale

KEEP_ENV = "LANTAN_KEEP_NETS"


class ChaosRun:
    """The fabric of one run and the networks built on it."""

    def __init__(self, fabric: Fabric) -> None:
        self.fabric = fabric
        self.nets: list[ChaosNet] = []
        self.directories: list[Path] = []
        self.stale_removed: list[str] = []

    def network(
        self,
        label: str,
        *,
        validators: int,
        tmpfs_mib: Mapping[str, int] | None = None,
        relay: bool = False,
    ) -> ChaosNet:
        directory = Path(tempfile.mkdtemp(prefix=f"lantan-chaos-{label}-"))
        self.directories.append(directory)
        net = ChaosNet(
            directory, self.fabric, validators=validators, tmpfs_mib=tmpfs_mib or {}, relay=relay
        )
        self.nets.append(net)
        return net

    def close(self) -> None:
        for net in self.nets:
            with contextlib.suppress(Exception):
                net.close()
        self.nets.clear()
        self.fabric.destroy()
        if os.environ.get(KEEP_ENV) != "1":
            for directory in self.directories:
                shutil.rmtree(directory, ignore_errors=True)
        self.directories.clear()


def _interrupt_on_signal(signum: int, frame: FrameType | None) -> None:
    # As Ctrl-C does: pytest then stops the session and still runs every fixture teardown.
    raise KeyboardInterrupt(f"signal {signum}")


@contextlib.contextmanager
def chaos_run() -> Iterator[ChaosRun]:
    stale = remove_stale()
    fabric = Fabric()
    run = ChaosRun(fabric)
    run.stale_removed = stale
    atexit.register(run.close)
    previous = {
        signum: signal.signal(signum, _interrupt_on_signal)
        for signum in (signal.SIGTERM, signal.SIGHUP)
    }
    try:
        fabric.create()
        fabric.enter()
        yield run
    finally:
        run.close()
        atexit.unregister(run.close)
        for signum, handler in previous.items():
            signal.signal(signum, handler)
