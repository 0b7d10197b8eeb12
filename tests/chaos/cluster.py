"""A network whose nodes each live in their own namespace, configured like separate offices.

Every validator (and one observer) gets a node.toml with its own address 10.77.0.x, port
7100 and its peers' real addresses, exactly what an operator in each province writes; the
process starts with `ip netns exec <its namespace> python -m node.main <dir>`. The HTTP
helpers of tests/integration/network.py (LocalNet) work unchanged once the harness sits in
the bridge namespace (Fabric.enter).
"""

import contextlib
import dataclasses
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import httpx

from genesis.network import (
    GENESIS_FILE,
    default_quorum,
    init_local_network,
    local_network_plan,
)
from node.net_layout import validator_names
from node.net_processes import LOG_FILE, PID_FILE, read_pid
from protocol.validators import ValidatorSet
from tests.chaos.namespaces import NODE_PORT, Fabric, Host, run
from tests.chaos.relay_control import RelayProcess, link_specs, relay_url
from tests.integration.network import LocalNet, wait_for

OBSERVER = "observer"
REPO_ROOT = Path(__file__).resolve().parents[2]
HTTP_TIMEOUT_S = 4.0
"""Short: a partitioned node's packets are dropped, and a probe must not hang for 30 s."""
SLOW_ANSWER_TRIES = 3
"""A GET whose answer did not come within HTTP_TIMEOUT_S is asked again, up to this many
times in all: on a loaded box a node that took the connection can take more than 4 s to
answer (stop 52: three scenarios failed on one `/v1/status` read that timed out while the
node was up and committing). A node that does not take the connection fails at once."""


def faketime_library() -> Path | None:
    """Debian's libfaketime (package faketime), whatever the architecture's lib directory."""
    found = sorted(Path("/usr/lib").glob("*/faketime/libfaketime.so.1"))
    return found[0] if found else None


def get_patiently(ask: Callable[[], httpx.Response]) -> httpx.Response:
    """ask() (an idempotent GET), asked again while its answer times out, SLOW_ANSWER_TRIES
    times in all; the last timeout is raised."""
    for _ in range(SLOW_ANSWER_TRIES - 1):
        with contextlib.suppress(httpx.ReadTimeout):
            return ask()
    return ask()


def set_clock_offset(clock_file: Path, offset_s: float) -> None:
    """The wall-clock offset of a node started with this clock_file (libfaketime reads it
    within a second); written whole, so it never reads half a line."""
    part = clock_file.with_suffix(".part")
    part.write_text(f"{offset_s:+g}\n")
    part.replace(clock_file)


class ChaosNet(LocalNet):
    """n validators and one observer, each in its own namespace of fabric."""

    def __init__(
        self,
        directory: Path,
        fabric: Fabric,
        *,
        validators: int,
        tmpfs_mib: Mapping[str, int] = {},
        relay: bool = False,
        quorum: int | None = None,
        spares: int = 0,
    ) -> None:
        """quorum: the genesis quorum (default: genesis's default, 2 of 3, 3 of 4). spares:
        institutions past the first `validators` with keys and the validator role but
        outside the genesis set (a validators.update may add them); their nodes follow the
        chain like the others and are in `names` (and so in every check), after the
        genesis validators."""
        super().__init__(directory)
        self.http.close()
        self.http = httpx.Client(timeout=HTTP_TIMEOUT_S, limits=httpx.Limits(max_connections=32))
        self.fabric = fabric
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.mounts: list[Path] = []
        document = init_local_network(
            self.directory,
            validator_count=validators + spares,
            genesis_time_ms=time.time_ns() // 10**6,
            quorum=None if spares else quorum,
        )
        # The spares are the plan's last validators (the set lists keys in key order).
        planned = {v.name for v in document.validators.validators}
        in_plan_order = [p.name for p in local_network_plan(validators + spares)]
        self.spares = [name for name in in_plan_order if name in planned][validators:]
        if spares:
            first = [v for v in document.validators.validators if v.name not in self.spares]
            chosen = quorum if quorum is not None else default_quorum(validators)
            document = dataclasses.replace(document, validators=ValidatorSet.create(first, chosen))
        (self.directory / GENESIS_FILE).write_text(json.dumps(document.to_json(), indent=2))
        self.names = [*validator_names(self.directory), *self.spares, OBSERVER]
        self.hosts: dict[str, Host] = {name: fabric.add_host(name) for name in self.names}
        self.relay: RelayProcess | None = None
        if relay:
            specs = link_specs(self.hosts, sources=self.names, targets=self.validators)
            prefix = ["ip", "netns", "exec", fabric.bridge]
            self.relay = RelayProcess(directory, specs, prefix=prefix)
        for name in self.names:
            self._write_node_toml(name)
        for name, size in tmpfs_mib.items():
            self.mount_tmpfs(name, size)

    def get(self, name: str, path: str, **params: Any) -> httpx.Response:
        return get_patiently(lambda: super(ChaosNet, self).get(name, path, **params))

    @property
    def validators(self) -> list[str]:
        return self.names[:-1]

    def _write_node_toml(self, name: str) -> None:
        self.write_config(
            name,
            host=self.hosts[name].address,
            port=NODE_PORT,
            peers=[other for other in self.validators if other != name],
            observer=name == OBSERVER,
        )

    def _peer_url(self, peer: str) -> str:
        """The peer's real address, or the relay's listener for it on this host's loopback."""
        if self.relay is not None:
            return relay_url(self.hosts[peer])
        return f"http://{self.hosts[peer].address}:{NODE_PORT}"

    # --- disks ---------------------------------------------------------------------------

    def data_dir(self, name: str) -> Path:
        return self.directory / name / "data"

    def mount_tmpfs(self, name: str, size_mib: int) -> None:
        """A small tmpfs as the node's data directory (before its first start)."""
        path = self.data_dir(name)
        path.mkdir(parents=True, exist_ok=True)
        run("mount", "-t", "tmpfs", "-o", f"size={size_mib}m,mode=0700", "tmpfs", str(path))
        self.mounts.append(path)

    def mount_node_tmpfs(self, name: str, size_mib: int) -> None:
        """A small tmpfs under the node's whole directory (its keystore, signer state, log
        and data), as on a host with one disk; before its first start. What init wrote
        there is copied onto the tmpfs."""
        path = self.directory / name
        aside = self.directory / f".{name}.before-tmpfs"
        path.rename(aside)
        path.mkdir(mode=0o700)
        run("mount", "-t", "tmpfs", "-o", f"size={size_mib}m,mode=0700", "tmpfs", str(path))
        self.mounts.append(path)
        run("cp", "-a", f"{aside}/.", f"{path}/")
        shutil.rmtree(aside)

    def data_bytes(self, name: str) -> int:
        total = 0
        for path in self.data_dir(name).rglob("*"):
            with contextlib.suppress(OSError):
                if path.is_file() and not path.name.startswith("filler"):
                    total += path.stat().st_size
        return total

    # --- processes -----------------------------------------------------------------------

    def up(self, *, validators: int = 0) -> None:
        for name in self.names:
            self.start(name)
        for name in self.names:
            self.wait_ready(name, timeout_s=120)
        self.wait_heights(self.names, 1, timeout_s=120)

    def start(self, name: str, *, clock_offset_s: float = 0, clock_file: Path | None = None) -> int:
        """Start the node in its namespace; clock_offset_s != 0 runs it under libfaketime,
        and so does clock_file: its wall clock then follows the offset written in that file
        (`set_clock_offset`), read again every second, so its clock can jump while it runs."""
        node_dir = self.directory / name
        running = read_pid(node_dir)
        assert running is None, f"{name} is already running (pid {running})"
        prefix = ["ip", "netns", "exec", self.hosts[name].namespace]
        if clock_offset_s or clock_file is not None:
            library = faketime_library()
            assert library is not None, "clock skew needs libfaketime (apt-get install faketime)"
            if clock_file is None:
                clock = [f"FAKETIME={clock_offset_s:+g}"]
            else:
                set_clock_offset(clock_file, clock_offset_s)
                clock = [f"FAKETIME_TIMESTAMP_FILE={clock_file}", "FAKETIME_CACHE_DURATION=1"]
            # The wall clock only: asyncio's timers run on the monotonic clock, as on a
            # real host whose NTP is off.
            prefix += ["env", f"LD_PRELOAD={library}", *clock, "FAKETIME_DONT_FAKE_MONOTONIC=1"]
        with (node_dir / LOG_FILE).open("ab") as log:
            process = subprocess.Popen(
                [*prefix, sys.executable, "-m", "node.main", str(node_dir)],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                cwd=node_dir,
                env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
            )
        self.processes[name] = process
        self.started_pids.add(process.pid)
        (node_dir / PID_FILE).write_text(f"{process.pid}\n")
        return process.pid

    def pid(self, name: str) -> int:
        pid = read_pid(self.directory / name)
        assert pid is not None, f"{name} is not running"
        return pid

    def kill(self, name: str) -> None:
        os.kill(self.pid(name), signal.SIGKILL)
        self.processes[name].wait(timeout=20)
        (self.directory / name / PID_FILE).unlink(missing_ok=True)

    def stop(self, name: str, *, timeout_s: float = 15.0) -> None:
        """SIGTERM, then SIGKILL after timeout_s."""
        process = self.processes[name]
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=20)
        (self.directory / name / PID_FILE).unlink(missing_ok=True)

    def exited(self, name: str) -> int | None:
        return self.processes[name].poll()

    def rss_kib(self, name: str) -> int:
        with contextlib.suppress(OSError, AssertionError):
            for line in Path(f"/proc/{self.pid(name)}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def proposer(self) -> str:
        """The proposer that a majority of reachable validators names for the current round."""

        def named() -> str | None:
            votes: dict[str, int] = {}
            for name in self.validators:
                with contextlib.suppress(httpx.HTTPError, AssertionError):
                    proposer = self.status(name)["proposer"]
                    if proposer:
                        votes[proposer] = votes.get(proposer, 0) + 1
            return max(votes, key=lambda p: votes[p]) if votes else None

        return wait_for(named, 30, "a proposer")

    def close(self) -> None:
        if self.relay is not None:
            self.relay.close()
        for process in self.processes.values():
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGCONT)
                process.kill()
        for process in self.processes.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=20)
        for name in self.names:
            (self.directory / name / PID_FILE).unlink(missing_ok=True)
        for path in self.mounts:
            run("umount", "-l", str(path), check=False)
        self.mounts.clear()
        self.http.close()
