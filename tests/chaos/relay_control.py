"""The harness's side of the delay/loss relay (tests/chaos/relay.py): start, steer, read, stop.

The relay runs as its own process inside the bridge namespace (so the fabric's teardown
kills it with everything else) and is steered over a Unix socket in the network's
directory. Link names are "<from>><to>", e.g. "xiamen-ptc>ningbo-ptc".
"""

import contextlib
import json
import select
import socket
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path
from typing import Any

from tests.chaos.namespaces import NODE_PORT, Host
from tests.chaos.relay import RELAY_PORT_BASE, LinkFaults

READY_TIMEOUT_S = 60.0


def link_name(source: str, target: str) -> str:
    return f"{source}>{target}"


def relay_url(target: Host) -> str:
    """What a node.toml names as the peer `target` when its links go through the relay."""
    return f"http://127.0.0.1:{RELAY_PORT_BASE + target.index}"


def link_specs(
    hosts: Mapping[str, Host], *, sources: list[str], targets: list[str], seed: int = 0
) -> list[dict[str, Any]]:
    """One relay link from every source to every other target, as the relay reads them."""
    return [
        {
            "name": link_name(source, target),
            "namespace_path": f"/var/run/netns/{hosts[source].namespace}",
            "listen_port": RELAY_PORT_BASE + hosts[target].index,
            "target": [hosts[target].address, NODE_PORT],
            "seed": seed,
        }
        for source in sources
        for target in targets
        if source != target
    ]


class RelayProcess:
    """The relay for the given links, started with `prefix` (e.g. `ip netns exec BRIDGE`)."""

    def __init__(self, directory: Path, specs: list[dict[str, Any]], *, prefix: list[str]) -> None:
        self.control_path = directory / "relay.sock"
        self.links: list[str] = [str(spec["name"]) for spec in specs]
        links_path = directory / "relay-links.json"
        links_path.write_text(json.dumps(specs, indent=2))
        self._log = (directory / "relay.log").open("ab")
        self._process = subprocess.Popen(
            [*prefix, sys.executable, "-m", "tests.chaos.relay", str(self.control_path),
             str(links_path)],
            stdout=subprocess.PIPE,
            stderr=self._log,
            stdin=subprocess.DEVNULL,
            cwd=Path(__file__).resolve().parents[2],
        )  # fmt: skip
        self._await_ready()

    def _await_ready(self) -> None:
        stdout = self._process.stdout
        assert stdout is not None
        ready, _, _ = select.select([stdout], [], [], READY_TIMEOUT_S)
        line = stdout.readline() if ready else b""
        if line.strip() != b"ready":
            self.close()
            raise AssertionError(f"the relay did not start: {line!r} (see relay.log)")

    def command(self, payload: dict[str, Any]) -> dict[str, Any]:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as control:
            control.settimeout(10.0)
            control.connect(str(self.control_path))
            control.sendall(json.dumps(payload).encode() + b"\n")
            answer: dict[str, Any] = json.loads(control.makefile("rb").readline())
            return answer

    def set_faults(self, faults: Mapping[str, LinkFaults]) -> None:
        self.command({"op": "set", "faults": {name: asdict(f) for name, f in faults.items()}})

    def clear(self) -> None:
        self.set_faults({name: LinkFaults() for name in self.links})

    def stats(self) -> dict[str, Any]:
        return self.command({"op": "stats"})

    def close(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            self._process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._process.wait(timeout=20)
        if self._process.stdout is not None:
            self._process.stdout.close()
        self._log.close()
        self.control_path.unlink(missing_ok=True)
