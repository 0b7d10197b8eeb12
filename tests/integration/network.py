"""Real local networks for the integration tier: node processes on 127.0.0.1, LevelDB on disk.

`LocalNet` wraps a `lantan net` directory: it starts nodes with node.net (the code the CLI
runs), talks to them over HTTP, kills them with SIGKILL and waits for heights. Every pid it
started is remembered, and `close` kills each one that is still alive, so a network never
outlives its fixture, whatever the test did.
"""

import contextlib
import dataclasses
import functools
import json
import os
import random
import signal
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from genesis.document import GenesisDocument, build_genesis, parse_genesis
from genesis.network import GENESIS_FILE, init_local_network
from node.config import CONFIG_FILE, NodeConfig, PeerConfig, load_config, render_config
from node.net import LOCAL_HEARTBEAT_MS, net_up, port_free, start_process
from node.net_layout import node_names, validator_names, witness_pids
from node.net_processes import PID_FILE, read_pid
from protocol.hashing import Hash32
from protocol.validators import ValidatorSet
from tests.kit.kdf import TEST_KDF_LIMITS

T = TypeVar("T")
NETS_STASH = pytest.StashKey[list["LocalNet"]]()
"""The networks running now, so a failing test's report can show their nodes' logs."""
WAIT_S_DEFAULT = 60.0
REAP_S = 10.0
"""How long close/kill wait for SIGKILLed processes to exit before giving up on reaping."""
PORT_RANGE = (20_000, 32_000)
"""Below Linux's ephemeral range (32768-60999): an outgoing connection's local port could
otherwise take a port between the check here and the node's bind."""
PORT_SPARE = 8
"""Ports left unused after each allocation: `net add-observer` takes the first free port
above a network's highest, which must not be the next network's."""


@dataclasses.dataclass
class _PortCursor:
    """This process's next port. Each xdist worker draws from its own slice of PORT_RANGE and
    never hands a port out twice: a random pick could land on a port another worker's network
    holds for a moment only (a node it killed and is about to restart), which port_free cannot
    see, and that network's node would then answer this one's status with its chain id."""

    next_port: int
    low: int
    high: int


PORT_RANGE_ENV = "LANTAN_TEST_PORT_RANGE"
"""`LOW-HIGH` in place of PORT_RANGE: two test runs on one box (a CI run beside a developer's)
each keep to their own ports."""


def _port_range() -> tuple[int, int]:
    """PORT_RANGE, or the range $LANTAN_TEST_PORT_RANGE names."""
    named = os.environ.get(PORT_RANGE_ENV, "")
    if not named:
        return PORT_RANGE
    low, _, high = named.partition("-")
    if not (low.isdigit() and high.isdigit() and 1024 <= int(low) < int(high) <= 65536):
        raise RuntimeError(
            f"${PORT_RANGE_ENV} must be LOW-HIGH (1024 <= LOW < HIGH), not {named!r}"
        )
    return int(low), int(high)


def _worker_slice() -> tuple[int, int]:
    """[low, high) of the port range for this xdist worker (gwN of PYTEST_XDIST_WORKER_COUNT),
    or the whole range outside xdist."""
    low, high = _port_range()
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    count = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1") or "1")
    if not worker.startswith("gw") or count < 2:
        return low, high
    index = int(worker[2:])
    width = (high - low) // count
    return low + index * width, low + (index + 1) * width


@functools.cache
def _port_cursor() -> _PortCursor:
    """The cursor of this process, made on first use."""
    low, high = _worker_slice()
    # A random start in the slice's lower half: a tier run right after another (or a network
    # a crashed run left behind) does not start on the same ports.
    return _PortCursor(next_port=random.randrange(low, (low + high) // 2), low=low, high=high)


def free_base_port(count: int) -> int:
    """A base port whose next count ports are free on 127.0.0.1 right now, from this worker's
    slice, above every port handed out before in this process."""
    cursor = _port_cursor()
    for _ in range(200):
        base = cursor.next_port
        if base + count + PORT_SPARE > cursor.high:
            base = cursor.low
        cursor.next_port = base + count + PORT_SPARE
        if all(port_free(base + offset) for offset in range(count)):
            return base
    raise RuntimeError(f"no {count} consecutive free ports found in {cursor.low}-{cursor.high}")


def reap(pids: Iterable[int], timeout_s: float = REAP_S) -> list[int]:
    """Collect the exit status of each pid this process started once it exits, so none
    stays a zombie until the session ends; waits at most timeout_s in all (never blocks:
    os.waitpid with WNOHANG in a short loop). A pid that is not a child of this process
    (or was reaped already, e.g. by node.net_processes.read_pid) counts as done. Returns the pids
    still running at the deadline."""
    deadline = time.monotonic() + timeout_s
    left = set(pids)
    while True:
        for pid in sorted(left):
            try:
                exited, _ = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                exited = pid
            if exited == pid:
                left.discard(pid)
        if not left or time.monotonic() >= deadline:
            return sorted(left)
        time.sleep(0.02)


class LocalNet:
    """A network directory and its node processes; every pid started here is tracked."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory.resolve()
        self.started_pids: set[int] = set()
        self.http = httpx.Client(timeout=30.0, limits=httpx.Limits(max_connections=32))

    @property
    def chain_id(self) -> Hash32:
        document = parse_genesis((self.directory / GENESIS_FILE).read_bytes())
        return build_genesis(document).chain_id

    # --- processes -----------------------------------------------------------------------

    def up(self, *, validators: int = 3) -> None:
        """`lantan net up` on free ports; records the validators' pids."""
        try:
            net_up(
                self.directory,
                validators=validators,
                base_port=free_base_port(validators),
                kdf_limits=TEST_KDF_LIMITS,
            )
        finally:
            self._remember_running()

    def _remember_running(self) -> None:
        for name in node_names(self.directory):
            pid = read_pid(self.directory / name)
            if pid is not None:
                self.started_pids.add(pid)

    @property
    def validators(self) -> list[str]:
        """Validator names from genesis (the initial set)."""
        return validator_names(self.directory)

    def start(self, name: str) -> int:
        """Start the node of DIR/<name> (node.net.start_process) without waiting."""
        pid = start_process(self.directory, name)
        self.started_pids.add(pid)
        return pid

    def kill(self, name: str) -> None:
        """kill -9 the node, reap it and wait until it is gone (its LevelDB lock released)."""
        node_dir = self.directory / name
        pid = read_pid(node_dir)
        assert pid is not None, f"{name} is not running"
        os.kill(pid, signal.SIGKILL)
        reap([pid])
        self._wait_gone(node_dir)

    def stop(self, name: str, *, timeout_s: float = 20.0) -> None:
        """SIGTERM the node, as `lantan net stop` does, and wait until it has exited."""
        node_dir = self.directory / name
        pid = read_pid(node_dir)
        assert pid is not None, f"{name} is not running"
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout_s
        assert not reap([pid], timeout_s), f"{name} did not stop within {timeout_s} s of SIGTERM"
        while read_pid(node_dir) is not None:
            assert time.monotonic() < deadline, f"{name} did not stop within {timeout_s} s"
            time.sleep(0.02)

    def _wait_gone(self, node_dir: Path) -> None:
        deadline = time.monotonic() + 10
        while read_pid(node_dir) is not None:
            assert time.monotonic() < deadline, f"{node_dir.name} survived SIGKILL"
            time.sleep(0.02)

    def running(self, name: str) -> bool:
        return read_pid(self.directory / name) is not None

    def close(self) -> None:
        """SIGKILL every node process this net started or finds running; reap them."""
        for name in node_names(self.directory):
            pid = read_pid(self.directory / name)
            if pid is not None:
                self.started_pids.add(pid)
        # The witnesses `net up --witness` started.
        self.started_pids.update(pid for pid in witness_pids(self.directory).values() if pid)
        for pid in sorted(self.started_pids):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        # Nodes and witnesses alike, found by name or not: none stays a zombie (<defunct>).
        reap(self.started_pids)
        for name in node_names(self.directory):
            with contextlib.suppress(AssertionError):
                self._wait_gone(self.directory / name)
            (self.directory / name / PID_FILE).unlink(missing_ok=True)
        self.http.close()

    # --- node directories ----------------------------------------------------------------

    def config(self, name: str) -> NodeConfig:
        return load_config(self.directory / name)

    def write_config(
        self,
        name: str,
        *,
        port: int,
        peers: list[str],
        observer: bool = False,
        host: str = "127.0.0.1",
    ) -> None:
        """Write DIR/<name>/node.toml for a node joining this net (observer or new validator)."""
        config = NodeConfig(
            name=name,
            node_dir=self.directory / name,
            genesis=Path("..") / GENESIS_FILE,
            host=host,
            port=port,
            observer=observer,
            heartbeat_interval_ms=LOCAL_HEARTBEAT_MS,
            peers=tuple(PeerConfig(name=peer, url=self._peer_url(peer)) for peer in peers),
        )
        (self.directory / name).mkdir(exist_ok=True)
        (self.directory / name / CONFIG_FILE).write_text(render_config(config))

    def _peer_url(self, peer: str) -> str:
        """Where a node.toml written by write_config tells its node to reach peer."""
        return self.url(peer)

    def add_peer(self, name: str, peer: str) -> None:
        """Append peer to DIR/<name>/node.toml (read at start: the node must restart)."""
        config = self.config(name)
        peers = [*config.peers, PeerConfig(name=peer, url=self.url(peer))]
        self.write_config(name, port=config.port, peers=[p.name for p in peers])

    # --- HTTP ----------------------------------------------------------------------------

    def url(self, name: str) -> str:
        return self.config(name).url

    def get(self, name: str, path: str, **params: Any) -> httpx.Response:
        url = f"{self.url(name)}{path}"
        try:
            return self.http.get(url, params=params)
        except (httpx.ReadError, httpx.RemoteProtocolError):
            # A kept-alive connection the node closed as the request left (idle timeout,
            # or a restarted node): a GET is idempotent, so ask once more on a new one
            # (RFC 9110 9.2.2), as a browser would.
            return self.http.get(url, params=params)

    def get_json(self, name: str, path: str, **params: Any) -> Any:
        response = self.get(name, path, **params)
        assert response.status_code == 200, f"{name} GET {path}: {response.text[:300]}"
        return response.json()

    def post(self, name: str, path: str, body: bytes) -> httpx.Response:
        headers = {"content-type": "application/json"}
        return self.http.post(f"{self.url(name)}{path}", content=body, headers=headers)

    def status(self, name: str) -> dict[str, Any]:
        status: dict[str, Any] = self.get_json(name, "/v1/status")
        return status

    def height(self, name: str) -> int:
        return int(self.status(name)["height"])

    def block(self, name: str, height: int) -> dict[str, Any]:
        block: dict[str, Any] = self.get_json(name, f"/v1/blocks/{height}")
        return block

    def block_hashes(self, name: str, first: int, last: int) -> dict[int, str]:
        """height -> block_hash for first..last on one node, from the paginated block list."""
        hashes: dict[int, str] = {}
        cursor: str | None = str(last + 1)
        while cursor is not None:
            page = self.get_json(name, "/v1/blocks", cursor=cursor, limit=100)
            for item in page["items"]:
                if item["height"] < first:
                    return hashes
                hashes[item["height"]] = item["block_hash"]
            cursor = page["next_cursor"]
        return hashes

    def metrics(self, name: str) -> dict[str, float]:
        """The node's /metrics as {'name{labels}': value}."""
        response = self.get(name, "/metrics")
        assert response.status_code == 200
        values = {}
        for line in response.text.splitlines():
            if line and not line.startswith("#"):
                key, _, value = line.rpartition(" ")
                values[key] = float(value)
        return values

    # --- waiting -------------------------------------------------------------------------

    def wait_heights(
        self, names: list[str], minimum: int, *, timeout_s: float = WAIT_S_DEFAULT
    ) -> dict[str, int]:
        """Wait until every named node is at height >= minimum; returns their heights."""

        def reached() -> dict[str, int] | None:
            heights = {name: self.height(name) for name in names}
            return heights if min(heights.values()) >= minimum else None

        return wait_for(reached, timeout_s, f"{names} at height >= {minimum}")

    def wait_ready(self, name: str, *, timeout_s: float = WAIT_S_DEFAULT) -> None:
        def ready() -> bool:
            # Not ready: its problems are the error wait_for says on a timeout.
            answer = self.get(name, "/readyz")
            assert answer.status_code == 200, f"{name} not ready: {answer.text[:300]}"
            return True

        wait_for(ready, timeout_s, f"{name} ready")

    def wait_synced(self, names: list[str], *, timeout_s: float = WAIT_S_DEFAULT) -> int:
        """Wait until the named nodes report one head at one height; returns that height."""

        def agreed() -> int | None:
            statuses = [self.status(name) for name in names]
            heads = {(s["height"], s["head_hash"], s["state_root"]) for s in statuses}
            return statuses[0]["height"] if len(heads) == 1 else None

        return wait_for(agreed, timeout_s, f"{names} on one head")

    def log_tail(self, name: str, lines: int = 40) -> str:
        path = self.directory / name / "node.log"
        if not path.exists():
            return f"(no log for {name})"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def wait_for(check: Callable[[], T | None], timeout_s: float, what: str) -> T:
    """Poll check until it returns a value other than None (or False); AssertionError on timeout.

    Connection errors count as "not yet": a node may be restarting.
    """
    deadline = time.monotonic() + timeout_s
    last_error: Exception | None = None
    while True:
        try:
            value = check()
            if value is not None and value is not False:
                return value
        except (httpx.HTTPError, AssertionError, KeyError, ValueError) as error:
            last_error = error
        if time.monotonic() > deadline:
            raise AssertionError(
                f"timed out after {timeout_s:.0f}s waiting for {what}: {last_error}"
            )
        time.sleep(0.1)


@contextlib.contextmanager
def local_net(
    directory: Path, *, prepare: Callable[[Path], None] | None = None
) -> Iterator[LocalNet]:
    """A running 3-validator network in directory, always torn down on exit.

    prepare(directory) may write genesis.json and keys first; net up then uses them.
    """
    directory.mkdir(parents=True, exist_ok=True)
    net = LocalNet(directory)
    try:
        if prepare is not None:
            prepare(directory)
        net.up()
        yield net
    finally:
        net.close()


def prepared_net(prepare: Callable[[Path], None]) -> Any:
    """A module's `net` fixture (`net = prepared_net(prepare)`): local_net on the module's
    net_directory, which prepare edits before any node starts (a genesis of its own),
    registered in NETS_STASH so a failure report shows its node logs."""

    @pytest.fixture(scope="module")
    def net(net_directory: Path, request: pytest.FixtureRequest) -> Iterator[LocalNet]:
        with local_net(net_directory, prepare=prepare) as running:
            request.config.stash.setdefault(NETS_STASH, []).append(running)
            yield running
            request.config.stash[NETS_STASH].remove(running)

    return net


def write_genesis(directory: Path, document: GenesisDocument) -> None:
    """Replace the genesis.json of a prepared net directory (a prepare= step)."""
    text = json.dumps(document.to_json(), indent=2, ensure_ascii=False)
    (directory / GENESIS_FILE).write_text(text)


def init_four_seat_three(directory: Path, left_out: str) -> GenesisDocument:
    """Keys for a 4-validator plan, but a genesis whose first set (q 2) leaves out left_out."""
    document: GenesisDocument = init_local_network(
        directory,
        validator_count=4,
        genesis_time_ms=time.time_ns() // 1_000_000,
        limits=TEST_KDF_LIMITS,
    )
    three = [v for v in document.validators.validators if v.name != left_out]
    return dataclasses.replace(document, validators=ValidatorSet.create(three, 2))


def dump_json(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode()
