"""Linux network namespaces for the chaos tier: one host per node, joined by one bridge.

Namespace `lantan-chaos-<pid>-net` holds bridge br0 with 10.77.0.1/24: the harness's own
address (the test process joins that namespace to reach the nodes, as a client in some
third office would). Node k gets namespace `lantan-chaos-<pid>-<k>` with eth0 =
10.77.0.(10+k)/24, a veth whose other end is port p<k> of br0. The range exists only inside
these namespaces: nothing is added to the host's own network.

Partitions use nftables inside the node namespaces when `nft` works (the harness keeps
reaching every node), else link down on the bridge port (isolation) and a second bridge
(splits), which also cuts the harness off the far side. `mechanism` says which one a run
used. Nothing here needs netem: this kernel has none.
"""

import contextlib
import ctypes
import os
import shutil
import signal
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

PREFIX = "lantan-chaos-"
SUBNET = "10.77.0"
HARNESS_ADDRESS = f"{SUBNET}.1"
NODE_PORT = 7100
_TABLE = "lantan_chaos"
_CLONE_NEWNET = 0x40000000


def run(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(args), check=check, capture_output=True, text=True, timeout=30)


def skip_reason() -> str | None:
    """Why chaos tests cannot run here, or None."""
    if os.geteuid() != 0:
        return "chaos tests need root (network namespaces, nftables, tmpfs mounts)"
    if shutil.which("ip") is None:
        return "chaos tests need iproute2's `ip` (network namespaces)"
    probe = f"{PREFIX}{os.getpid()}-probe"
    made = run("ip", "netns", "add", probe, check=False)
    if made.returncode != 0:
        return f"cannot create a network namespace: {made.stderr.strip()}"
    run("ip", "netns", "del", probe, check=False)
    return None


def nft_works() -> bool:
    return shutil.which("nft") is not None and run("nft", "--version", check=False).returncode == 0


def remove_stale() -> list[str]:
    """Delete `lantan-chaos-*` namespaces whose owning harness process is gone (a run that
    was killed -9); kill any process still inside them. Returns the names removed."""
    removed = []
    listing = run("ip", "netns", "list", check=False).stdout
    for line in listing.splitlines():
        name = line.split()[0] if line.split() else ""
        if not name.startswith(PREFIX):
            continue
        owner = name[len(PREFIX) :].split("-", 1)[0]
        if owner.isdigit() and _alive(int(owner)):
            continue
        _kill_inside(name)
        run("ip", "netns", "del", name, check=False)
        removed.append(name)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _kill_inside(namespace: str) -> None:
    for pid_text in run("ip", "netns", "pids", namespace, check=False).stdout.split():
        with contextlib.suppress(ProcessLookupError, ValueError):
            os.kill(int(pid_text), signal.SIGKILL)


def _nft_apply(host: "Host", script: str) -> None:
    """Load an nftables script inside host's namespace."""
    subprocess.run(
        ["ip", "netns", "exec", host.namespace, "nft", "-f", "-"],
        input=script,
        text=True,
        check=True,
        capture_output=True,
        timeout=30,
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class Host:
    """One node's namespace and address."""

    label: str
    index: int
    namespace: str
    address: str

    @property
    def port_name(self) -> str:
        return f"p{self.index}"


class Fabric:
    """The bridge namespace and every node namespace of one run; `destroy` removes them all."""

    def __init__(self) -> None:
        self.owner = os.getpid()
        self.bridge = f"{PREFIX}{self.owner}-net"
        self.hosts: list[Host] = []
        self.mechanism = "nftables" if nft_works() else "link"
        self._namespaces: list[str] = []
        self._saved_netns: int | None = None
        self._split_bridge = False

    def create(self) -> None:
        self._add_namespace(self.bridge)
        self._ip_in(self.bridge, "link", "add", "br0", "type", "bridge")
        self._ip_in(self.bridge, "addr", "add", f"{HARNESS_ADDRESS}/24", "dev", "br0")
        self._ip_in(self.bridge, "link", "set", "br0", "up")

    def add_host(self, label: str) -> Host:
        index = len(self.hosts) + 1
        host = Host(
            label=label,
            index=index,
            namespace=f"{PREFIX}{self.owner}-{index}",
            address=f"{SUBNET}.{10 + index}",
        )
        self._add_namespace(host.namespace)
        run(
            "ip", "link", "add", "name", "eth0", "netns", host.namespace, "type", "veth",
            "peer", "name", host.port_name, "netns", self.bridge,
        )  # fmt: skip
        self._ip_in(self.bridge, "link", "set", host.port_name, "master", "br0")
        self._ip_in(self.bridge, "link", "set", host.port_name, "up")
        self._ip_in(host.namespace, "addr", "add", f"{host.address}/24", "dev", "eth0")
        self._ip_in(host.namespace, "link", "set", "eth0", "up")
        self.hosts.append(host)
        return host

    def _add_namespace(self, name: str) -> None:
        run("ip", "netns", "add", name)
        self._namespaces.append(name)
        self._ip_in(name, "link", "set", "lo", "up")

    def _ip_in(self, namespace: str, *args: str) -> None:
        run("ip", "-n", namespace, *args)

    # --- the harness's own place on the network ------------------------------------------

    def enter(self) -> None:
        """Move this thread (and every thread and process it starts later) into the bridge
        namespace, so the harness reaches 10.77.0.x; `leave` moves it back."""
        libc = ctypes.CDLL(None, use_errno=True)
        self._saved_netns = os.open("/proc/self/ns/net", os.O_RDONLY)
        target = os.open(f"/var/run/netns/{self.bridge}", os.O_RDONLY)
        try:
            if libc.setns(target, _CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), "setns into the chaos bridge namespace")
        finally:
            os.close(target)

    def leave(self) -> None:
        if self._saved_netns is None:
            return
        libc = ctypes.CDLL(None, use_errno=True)
        libc.setns(self._saved_netns, _CLONE_NEWNET)
        os.close(self._saved_netns)
        self._saved_netns = None

    # --- partitions ----------------------------------------------------------------------

    def split(self, groups: Sequence[Iterable[Host]]) -> None:
        """Hosts talk only within their group; hosts in no group (the observer) reach all."""
        sets = [list(group) for group in groups]
        if self.mechanism == "nftables":
            for group in sets:
                others = [h.address for g in sets if g is not group for h in g]
                for host in group:
                    self._nft_drop(host, others)
            return
        # Link fallback: one group alone is cut off entirely; otherwise the later groups move
        # to a second bridge (the harness, on br0, then reaches only the first group).
        if len(sets) == 2 and len(sets[0]) == 1:
            self._ip_in(self.bridge, "link", "set", sets[0][0].port_name, "down")
            return
        if not self._split_bridge:
            self._ip_in(self.bridge, "link", "add", "br1", "type", "bridge")
            self._ip_in(self.bridge, "link", "set", "br1", "up")
            self._split_bridge = True
        for group in sets[1:]:
            for host in group:
                self._ip_in(self.bridge, "link", "set", host.port_name, "master", "br1")

    def isolate(self, host: Host) -> None:
        self.split([[host], [h for h in self.hosts if h != host]])

    def cut_one_way(self, source: Host, target: Host) -> None:
        """Source's requests to target's node port are dropped; target still reaches source.

        Peers post every message as an HTTP request, so this cuts messages source -> target
        only (target's own posts to source, and their answers, pass). nftables only."""
        assert self.mechanism == "nftables", "a one-way cut needs nftables"
        script = (
            f"table inet {_TABLE} {{\n"
            f"  chain output {{ type filter hook output priority 0; "
            f"ip daddr {target.address} tcp dport {NODE_PORT} drop; }}\n"
            "}\n"
        )
        _nft_apply(source, script)

    def heal(self) -> None:
        for host in self.hosts:
            if self.mechanism == "nftables":
                run("ip", "netns", "exec", host.namespace, "nft", "delete", "table", "inet",
                    _TABLE, check=False)  # fmt: skip
            else:
                self._ip_in(self.bridge, "link", "set", host.port_name, "master", "br0")
                self._ip_in(self.bridge, "link", "set", host.port_name, "up")

    def _nft_drop(self, host: Host, addresses: list[str]) -> None:
        if not addresses:
            return
        peers = "{ " + ", ".join(addresses) + " }"
        script = (
            f"table inet {_TABLE} {{\n"
            f"  chain input {{ type filter hook input priority 0; ip saddr {peers} drop; }}\n"
            f"  chain output {{ type filter hook output priority 0; ip daddr {peers} drop; }}\n"
            "}\n"
        )
        _nft_apply(host, script)

    # --- teardown ------------------------------------------------------------------------

    def destroy(self) -> None:
        """Kill whatever still runs inside, delete every namespace (veths go with them)."""
        self.leave()
        for namespace in reversed(self._namespaces):
            _kill_inside(namespace)
            run("ip", "netns", "del", namespace, check=False)
        self._namespaces.clear()
