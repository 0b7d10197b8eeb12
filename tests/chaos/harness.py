"""Making and always removing a chaos run's namespaces, mounts, processes and directories.

`chaos_run` removes what runs that died left behind (their owner pid is gone): namespaces
with whatever still runs inside, then the tmpfs mounts and directories
/tmp/lantan-chaos-<pid>-* (a directory kept with LANTAN_KEEP_NETS=1 is only unmounted).
Then it builds a fresh fabric and enters it; on exit, on an exception, on
SIGINT/SIGTERM/SIGHUP (turned into KeyboardInterrupt so every `finally` runs) and at
interpreter exit (atexit) it kills the nodes and the relay, unmounts the tmpfs, deletes
the namespaces and the network directories.
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
from tests.chaos.namespaces import Fabric, _alive, remove_stale, run

KEEP_ENV = "LANTAN_KEEP_NETS"
KEPT_MARKER = "KEPT"
"""Written into a directory kept for a post-mortem, so a later run does not delete it."""
DIRECTORY_PREFIX = "lantan-chaos-"


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
        quorum: int | None = None,
        spares: int = 0,
    ) -> ChaosNet:
        prefix = f"{DIRECTORY_PREFIX}{self.fabric.owner}-{label}-"
        directory = Path(tempfile.mkdtemp(prefix=prefix))
        self.directories.append(directory)
        net = ChaosNet(
            directory,
            self.fabric,
            validators=validators,
            tmpfs_mib=tmpfs_mib or {},
            relay=relay,
            quorum=quorum,
            spares=spares,
        )
        self.nets.append(net)
        return net

    def close(self) -> None:
        for net in self.nets:
            with contextlib.suppress(Exception):
                net.close()
        self.nets.clear()
        self.fabric.destroy()
        for directory in self.directories:
            if os.environ.get(KEEP_ENV) == "1":
                (directory / KEPT_MARKER).touch()
            else:
                shutil.rmtree(directory, ignore_errors=True)
        self.directories.clear()


def remove_stale_directories(parent: Path) -> list[str]:
    """Unmount and delete parent/lantan-chaos-<pid>-* of runs whose pid is gone (killed with
    -9: nothing of theirs ran at exit); a directory marked KEPT is only unmounted."""
    removed = []
    for directory in sorted(parent.glob(f"{DIRECTORY_PREFIX}*-*")):
        owner = directory.name[len(DIRECTORY_PREFIX) :].split("-", 1)[0]
        if not owner.isdigit() or _alive(int(owner)) or not directory.is_dir():
            continue
        for mount in _mounts_under(directory):
            run("umount", "-l", str(mount), check=False)
        if not (directory / KEPT_MARKER).exists():
            shutil.rmtree(directory, ignore_errors=True)
            removed.append(str(directory))
    return removed


def _mounts_under(directory: Path) -> list[Path]:
    mounts = []
    for line in Path("/proc/mounts").read_text().splitlines():
        target = Path(line.split()[1])
        if target.is_relative_to(directory):
            mounts.append(target)
    return sorted(mounts, reverse=True)


def _interrupt_on_signal(signum: int, frame: FrameType | None) -> None:
    # As Ctrl-C does: pytest then stops the session and still runs every fixture teardown.
    raise KeyboardInterrupt(f"signal {signum}")


@contextlib.contextmanager
def chaos_run() -> Iterator[ChaosRun]:
    stale = remove_stale()
    stale += remove_stale_directories(Path(tempfile.gettempdir()))
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
