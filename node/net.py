"""A local multi-process network for development, demos and tests (`lantan net`).

`up` makes genesis and keys (if DIR has none), writes each validator's node.toml with the
others as peers, starts one OS process per validator on 127.0.0.1 and waits until every
node is ready at height >= 1. Processes are detached (own session) and recorded in
DIR/<name>/node.pid (node/net_processes.py), so `status`, `stop`, `start` and `down` work
from any shell. An observer added to a running network (node/net_observer.py) is one more
such folder.

A network made with witnesses (`up --witness NAME`, ADR 0021) has each witness's key in
DIR/<witness>/; once the validators are ready, `up` starts one `lantan witness` process
per such key (DIR/<witness>/witness.pid, witness.log, its state in witness-state/), and
`down`, `stop` and `start` handle it like a node.
"""

import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from genesis.document import build_genesis, parse_genesis
from genesis.layout import GENESIS_FILE, KEYSTORE_FILE
from genesis.network import init_local_network
from node.config import (
    CONFIG_FILE,
    PORT_MAX,
    NodeConfig,
    PeerConfig,
    load_config,
    render_config,
)
from node.net_processes import (
    LOG_FILE,
    PID_FILE,
    WITNESS_LOG_FILE,
    WITNESS_PID_FILE,
    NetError,
    ProcessState,
    process_state,
    read_pid,
    spawn,
    stop_process,
)
from node.net_state import NodeState, node_state
from node.port_probe import bind_error

WITNESS_STATE_DIR = "witness-state"
LOCAL_WITNESS_INTERVAL_S = 2.0
"""A local witness's round: two heartbeats, so a fresh receipt waits a few seconds."""
BASE_PORT = 7101
LOCAL_HEARTBEAT_MS = 1000
READY_TIMEOUT_S = 90.0
STATUS_TIMEOUT_S = 2.0
"""How long a status poll waits for a node's answer: a node that lives and answers within
this is `running`, one that does not is `not answering` (frozen, overloaded, starting)."""
Progress = Callable[[str], None]
"""Told what a long step is doing now (the CLI shows it as a spinner); may ignore it."""


def _silent(_step: str) -> None:
    return None


@dataclass(frozen=True, slots=True, kw_only=True)
class NodeView:
    name: str
    url: str
    pid: int | None
    chain_id: str | None
    height: int | None
    head_hash: str | None
    state_root: str | None
    ready: bool
    observer: bool
    """Its node.toml says observer (`net add-observer`): it syncs and never votes."""
    state: NodeState
    """Running and answering, not answering, exited without a stop, or stopped."""

    def to_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "url": self.url,
            "pid": self.pid,
            "chain_id": self.chain_id,
            "height": self.height,
            "head_hash": self.head_hash,
            "state_root": self.state_root,
            "ready": self.ready,
            "observer": self.observer,
            "state": self.state.value,
        }


def net_up(
    directory: Path,
    *,
    validators: int,
    base_port: int = BASE_PORT,
    progress: Progress = _silent,
    witnesses: tuple[str, ...] = (),
) -> list[NodeView]:
    """Create the network if needed, start every validator, wait until all are ready,
    then start the witnesses whose keys the network directory holds and the observers it
    holds (`net add-observer`), waiting while they catch up.

    Every port is checked before anything is created or started, and every node must serve
    this network's chain id before it counts as ready: a port held by another network is
    one NetError, with nothing of this network left running. witnesses names the witness
    keys a new network makes (an existing network keeps its genesis).
    """
    directory = directory.resolve()
    if directory.exists() and not directory.is_dir():
        raise NetError(f"{directory} is not a directory")
    if (directory / GENESIS_FILE).exists():
        unnamed = [w for w in witnesses if w not in witness_names(directory)]
        if unnamed:
            raise NetError(
                f"{directory} has a genesis already, without witness {', '.join(unnamed)}: "
                "--witness makes a new network only (the witnesses change the chain id)"
            )
    planned = planned_ports(directory, validators=validators, base_port=base_port)
    running = [name for name in planned if read_pid(directory / name) is not None]
    if running:
        raise NetError(
            f"{', '.join(running)} already running in {directory}; "
            f"see lantan net status --dir {directory}"
        )
    check_ports_free(planned)
    names = net_create(
        directory,
        validators=validators,
        base_port=base_port,
        progress=progress,
        witnesses=witnesses,
    )
    started: list[str] = []
    try:
        for name in names:
            progress(f"starting {name}")
            start_process(directory, name)
            started.append(name)
        wait_ready(directory, names, minimum_height=1, progress=progress)
        for name in witness_names(directory):
            if read_pid(directory / name, WITNESS_PID_FILE) is None:
                progress(f"starting witness {name}")
                start_witness(directory, name)
    except BaseException:
        for name in started:
            stop_process(directory, name)
        for name in witness_names(directory):
            stop_process(directory, name, pid_file=WITNESS_PID_FILE)
        raise
    _start_observers(directory, progress)
    return net_status(directory)


def _start_observers(directory: Path, progress: Progress) -> None:
    """Start the network's observers that are not running and wait while they catch up; if
    one does not get ready, stop them and say so (the validators stay up: they are fine)."""
    observers = [
        name
        for name in node_names(directory)
        if load_config(directory / name).observer and read_pid(directory / name) is None
    ]
    for name in observers:
        progress(f"starting observer {name}")
        start_process(directory, name)
    try:
        wait_ready(directory, observers, minimum_height=1, progress=progress)
    except NetError as error:
        for name in observers:
            stop_process(directory, name)
        raise NetError(
            f"the validators are up, but observer {', '.join(observers)} did not get ready: {error}"
        ) from None


def net_create(
    directory: Path,
    *,
    validators: int,
    base_port: int = BASE_PORT,
    progress: Progress = _silent,
    witnesses: tuple[str, ...] = (),
) -> list[str]:
    """Make genesis, keys and each validator's node.toml where missing; start nothing.

    Returns the validators' names. scripts/bench_chain.py fills their stores before the
    first start.
    """
    if not (directory / GENESIS_FILE).exists():
        progress(f"making genesis and encrypted keystores in {directory}")
        document = init_local_network(
            directory,
            validator_count=validators,
            genesis_time_ms=time.time_ns() // 1_000_000,
            witnesses=witnesses,
        )
        (directory / GENESIS_FILE).write_text(
            json.dumps(document.to_json(), indent=2, ensure_ascii=False)
        )
    names = validator_names(directory)
    for name in names:
        _write_config(directory, name, names, base_port)
    return names


def planned_ports(directory: Path, *, validators: int, base_port: int) -> dict[str, int]:
    """Each validator's port: from its node.toml when it has one, else base_port + position.

    Before genesis exists the names are not known yet; positions stand in for them.
    """
    if not (directory / GENESIS_FILE).exists():
        return {f"validator {i + 1}": base_port + i for i in range(validators)}
    names = validator_names(directory)
    ports = {}
    for position, name in enumerate(names):
        if (directory / name / CONFIG_FILE).exists():
            ports[name] = load_config(directory / name).port
        else:
            ports[name] = base_port + position
    return ports


def check_ports_free(ports: dict[str, int], option: str = "--base-port") -> None:
    """NetError naming the first port that is out of range or already bound on 127.0.0.1,
    and the option that chooses another."""
    for name, port in ports.items():
        if not 1 <= port <= PORT_MAX:
            raise NetError(f"port {port} (for {name}) is not a TCP port; choose another {option}")
        if not port_free(port):
            raise NetError(
                f"port {port} (for {name}) is already in use on 127.0.0.1 - another network? "
                f"Stop it, or choose another {option}"
            )


def port_free(port: int) -> bool:
    """Nothing listens on 127.0.0.1:port (a bind succeeds, node/port_probe.py)."""
    return bind_error("127.0.0.1", port) is None


def chain_id_of(directory: Path) -> str:
    """The chain id (hex) this network's genesis file defines."""
    return build_genesis(parse_genesis((directory / GENESIS_FILE).read_bytes())).chain_id.hex()


def validator_names(directory: Path) -> list[str]:
    document = parse_genesis((directory / GENESIS_FILE).read_bytes())
    return [v.name for v in document.validators.validators]


def witness_names(directory: Path) -> list[str]:
    """The witnesses of genesis whose key is in the network directory (a local network
    made them), in genesis order."""
    document = parse_genesis((directory / GENESIS_FILE).read_bytes())
    if document.witnesses is None:
        return []
    listed = document.witnesses.witnesses
    return [w.name for w in listed if (directory / w.name / KEYSTORE_FILE).is_file()]


def node_names(directory: Path) -> list[str]:
    """Every node directory of the network that has a node.toml, sorted."""
    return sorted(p.parent.name for p in directory.glob(f"*/{CONFIG_FILE}"))


def _write_config(directory: Path, name: str, names: list[str], base_port: int) -> None:
    node_dir = directory / name
    if (node_dir / CONFIG_FILE).exists():
        return
    (node_dir / CONFIG_FILE).write_text(
        render_config(local_config(directory, name, names, base_port))
    )


def local_config(directory: Path, name: str, names: list[str], base_port: int) -> NodeConfig:
    """node.toml of one node of a local network: the nodes listen on base_port + position
    in names, on 127.0.0.1, and each peers with all the others."""
    ports = {other: base_port + position for position, other in enumerate(names)}
    return NodeConfig(
        name=name,
        node_dir=directory / name,
        genesis=Path("..") / GENESIS_FILE,
        port=ports[name],
        heartbeat_interval_ms=LOCAL_HEARTBEAT_MS,
        peers=tuple(
            PeerConfig(name=other, url=f"http://127.0.0.1:{ports[other]}")
            for other in names
            if other != name
        ),
    )


def start_process(directory: Path, name: str, python: Path | None = None) -> int:
    """Start the node of DIR/<name> detached; return its pid. Refuses a running node.
    python: the interpreter (default: this one; scripts/bench_catchup.py runs another
    checkout's, whose install decides the node's code)."""
    node_dir = directory / name
    command = [str(python or sys.executable), "-m", "node.main", str(node_dir)]
    return spawn(node_dir, command, PID_FILE, LOG_FILE)


def start_witness(directory: Path, name: str) -> int:
    """Start `lantan witness` with the key DIR/<name> against every validator; return its
    pid. It runs in rounds until stopped; it cosigns once the nodes serve checkpoints."""
    witness_dir = directory / name
    urls = [load_config(directory / node).url for node in node_names(directory)]
    command = [
        *(sys.executable, "-m", "client.cli.main", "witness"),
        *("--genesis", str(directory / GENESIS_FILE), "--key", str(witness_dir)),
        *("--state", str(witness_dir / WITNESS_STATE_DIR), "--node", ",".join(urls)),
        *("--interval-s", str(LOCAL_WITNESS_INTERVAL_S)),
    ]
    return spawn(witness_dir, command, WITNESS_PID_FILE, WITNESS_LOG_FILE)


class StatusClients:
    """HTTP clients for status polls, one per TLS trust (a node's tls_ca_file, or the
    system's), kept for a whole wait or listing.

    A client made per request (httpx.get) builds an SSL context every time, even for an
    http:// URL: ~35 ms of CPU, and wait_ready asked twice per node every 0.2 s: half a core
    beside the nodes it waited for. Each request still opens a connection of its own (no
    keep-alive)."""

    def __init__(self) -> None:
        self._clients: dict[Path | None, httpx.Client] = {}

    def get(self, config: NodeConfig, path: str) -> httpx.Response:
        client = self._clients.get(config.tls_ca_file)
        if client is None:
            client = httpx.Client(
                timeout=STATUS_TIMEOUT_S,
                verify=config.peer_tls_verify,
                limits=httpx.Limits(max_keepalive_connections=0),
            )
            self._clients[config.tls_ca_file] = client
        return client.get(f"{config.url}{path}")

    def close(self) -> None:
        for client in self._clients.values():
            client.close()
        self._clients.clear()


def node_view(directory: Path, name: str, clients: StatusClients | None = None) -> NodeView:
    """What DIR/<name>'s node reports now (pid, chain, height, readiness); clients, when
    given, are reused across calls (StatusClients)."""
    config = load_config(directory / name)
    pid = read_pid(directory / name)
    process = ProcessState.RUNNING if pid is not None else process_state(directory / name)
    status: dict[str, object] | None = None
    ready = False
    if pid is not None:
        http = StatusClients() if clients is None else clients
        try:
            status = http.get(config, "/v1/status").json()
            ready = http.get(config, "/readyz").status_code == 200
        except (httpx.HTTPError, ValueError):
            status = None
        finally:
            if clients is None:
                http.close()
    return NodeView(
        name=name,
        url=config.url,
        pid=pid,
        chain_id=None if status is None else str(status["chain_id"]),
        height=None if status is None else int(str(status["height"])),
        head_hash=None if status is None else str(status["head_hash"]),
        state_root=None if status is None else str(status["state_root"]),
        ready=ready,
        observer=config.observer,
        state=node_state(process, answered=status is not None),
    )


def net_status(directory: Path) -> list[NodeView]:
    clients = StatusClients()
    try:
        return [node_view(directory, name, clients) for name in node_names(directory)]
    finally:
        clients.close()


def wait_ready(
    directory: Path,
    names: list[str],
    *,
    minimum_height: int,
    timeout_s: float = READY_TIMEOUT_S,
    progress: Progress = _silent,
) -> None:
    """Wait until every named node is ready at >= minimum_height on this network's chain.

    NetError on a node process that died, on a node URL that answers with another chain id
    (a process of another network holds the port), and on timeout, which counts from the
    last progress: a node catching up a long chain is waited for while its height rises.
    """
    chain_id = chain_id_of(directory)
    deadline = time.monotonic() + timeout_s
    heights: dict[str, int] = {}
    clients = StatusClients()
    try:
        while True:
            views = [node_view(directory, name, clients) for name in names]
            for view in views:
                if view.chain_id is not None and view.chain_id != chain_id:
                    raise NetError(
                        f"{view.url} serves chain {view.chain_id[:16]}, not this network's "
                        f"{chain_id[:16]} (from {directory / GENESIS_FILE}): another network "
                        "holds the port"
                    )
            waiting = [v for v in views if not v.ready or (v.height or 0) < minimum_height]
            if not waiting:
                return
            dead = [v.name for v in waiting if v.pid is None]
            if dead:
                log = directory / dead[0] / LOG_FILE
                raise NetError(f"node {dead[0]} exited{_last_error(log)}; see {log}")
            for view in waiting:
                if (view.height or 0) > heights.get(view.name, -1):
                    heights[view.name] = view.height or 0
                    deadline = time.monotonic() + timeout_s
            if time.monotonic() > deadline:
                late = waiting[0]
                raise NetError(
                    f"node {late.name} not ready after {timeout_s:.0f}s without progress: "
                    + _why_not_ready(directory, late, minimum_height, clients)
                )
            progress(
                "waiting for "
                + ", ".join(
                    f"{v.name} (height {v.height if v.height is not None else '-'})"
                    for v in waiting
                )
                + f" to reach height {minimum_height}"
            )
            time.sleep(0.2)
    finally:
        clients.close()


def _why_not_ready(
    directory: Path, view: NodeView, minimum_height: int, clients: StatusClients
) -> str:
    """What a node that is late says of itself: its height against the one waited for when
    it is ready, else the problems its /readyz lists (no quorum of peers reachable, still
    catching up, halted)."""
    if view.ready:
        return f"at height {view.height}, waiting for {minimum_height}"
    try:
        answer = clients.get(load_config(directory / view.name), "/readyz").json()
        problems = [str(problem) for problem in answer.get("problems", [])]
    except (httpx.HTTPError, ValueError, AttributeError):
        problems = []
    return "; ".join(problems) or "its /readyz does not answer"


def _last_error(log: Path) -> str:
    """': <last line of the log>' when the log has one, to name why a node died."""
    try:
        lines = [line for line in log.read_text(errors="replace").splitlines() if line.strip()]
    except OSError:
        return ""
    return f": {lines[-1].strip()[:200]}" if lines else ""


@dataclass(frozen=True, slots=True, kw_only=True)
class QuorumShortfall:
    """Too few validators run for any block to be certified: `quorum` of genesis's
    validators must sign, `running` of them answer, `stopped` lists the others."""

    quorum: int
    running: list[str]
    stopped: list[str]

    def advice(self, directory: Path) -> str:
        more = self.quorum - len(self.running)
        return (
            f"a block needs {self.quorum} of {len(self.running) + len(self.stopped)} "
            f"validators and {len(self.running)} run ({', '.join(self.running) or 'none'}): "
            f"start {more} more of {', '.join(self.stopped)} with lantan net start NAME "
            f"--dir {directory}"
        )


def quorum_shortfall(directory: Path, running: set[str]) -> QuorumShortfall | None:
    """None when the validators named in `running` reach genesis's quorum, else what is
    missing (names that are not genesis validators, observers, count for nothing)."""
    document = parse_genesis((directory / GENESIS_FILE).read_bytes())
    names = [v.name for v in document.validators.validators]
    up = [name for name in names if name in running]
    if len(up) >= document.validators.quorum:
        return None
    return QuorumShortfall(
        quorum=document.validators.quorum,
        running=up,
        stopped=[name for name in names if name not in running],
    )


def net_start(directory: Path, name: str, *, progress: Progress = _silent) -> NodeView:
    """Start one stopped node and wait until it has caught up with the others.

    A validator started while too few others run to make a quorum with it (a network
    brought back one node at a time) cannot become ready until more are started: it is
    waited for only until it answers, and the view returned says it is not ready
    (quorum_shortfall tells the operator which to start), instead of failing after
    READY_TIMEOUT_S.
    """
    require_node(directory, name)
    others = [v for v in net_status(directory) if v.name != name and v.height is not None]
    target = max((v.height or 0 for v in others), default=1)
    alone = quorum_shortfall(directory, {name} | {v.name for v in others}) is not None
    start_process(directory, name)
    if alone and name in validator_names(directory):
        wait_answering(directory, name, progress=progress)
    else:
        wait_ready(directory, [name], minimum_height=target, progress=progress)
    return node_view(directory, name)


def wait_answering(
    directory: Path, name: str, *, timeout_s: float = READY_TIMEOUT_S, progress: Progress = _silent
) -> None:
    """Wait until the node's HTTP API answers (ready or not). NetError if its process
    exits or it does not answer within timeout_s."""
    deadline = time.monotonic() + timeout_s
    clients = StatusClients()
    try:
        while True:
            view = node_view(directory, name, clients)
            if view.height is not None:
                return
            if view.pid is None:
                log = directory / name / LOG_FILE
                raise NetError(f"node {name} exited{_last_error(log)}; see {log}")
            if time.monotonic() > deadline:
                raise NetError(f"node {name} does not answer after {timeout_s:.0f}s")
            progress(f"waiting for {name} to answer")
            time.sleep(0.2)
    finally:
        clients.close()


def require_network(directory: Path) -> None:
    """NetError unless directory holds a network (a genesis file or a node.toml)."""
    if not directory.is_dir():
        raise NetError(f"no network in {directory}: the directory does not exist")
    if not (directory / GENESIS_FILE).exists() and not node_names(directory):
        raise NetError(f"no network in {directory}: no {GENESIS_FILE} and no node directories")


def require_node(directory: Path, name: str) -> None:
    """NetError naming the nodes there unless name is one of the network's nodes."""
    require_network(directory)
    names = node_names(directory)
    if name not in names:
        raise NetError(f"no node {name!r} in {directory}; its nodes: {', '.join(names)}")


def net_down(directory: Path) -> list[str]:
    """Stop the witnesses, then every node; the names of those that were running."""
    require_network(directory)
    witnesses = _witnesses_of(directory)
    stopped = [w for w in witnesses if stop_process(directory, w, pid_file=WITNESS_PID_FILE)]
    return stopped + [name for name in node_names(directory) if stop_process(directory, name)]


def _witnesses_of(directory: Path) -> list[str]:
    # A directory with node folders but no genesis (net down after a failed create) has none.
    return witness_names(directory) if (directory / GENESIS_FILE).exists() else []


def is_witness(directory: Path, name: str) -> bool:
    """Whether name is a witness this network directory runs (see witness_names)."""
    return name in _witnesses_of(directory)


def witness_pids(directory: Path) -> dict[str, int | None]:
    """Each local witness and the pid of its running process (None when stopped)."""
    return {w: read_pid(directory / w, WITNESS_PID_FILE) for w in _witnesses_of(directory)}


@dataclass(frozen=True, slots=True, kw_only=True)
class WitnessView:
    """A local witness process as `net status` lists it."""

    name: str
    pid: int | None
    """Its live process (None unless state is RUNNING)."""
    state: ProcessState

    def to_json(self) -> dict[str, object]:
        return {"name": self.name, "pid": self.pid, "state": self.state.value}


def witness_views(directory: Path) -> list[WitnessView]:
    """Each local witness: its pid and whether it runs, exited without a stop, or was
    stopped."""
    views = []
    for name in _witnesses_of(directory):
        pid = read_pid(directory / name, WITNESS_PID_FILE)
        state = process_state(directory / name, WITNESS_PID_FILE) if pid is None else None
        views.append(WitnessView(name=name, pid=pid, state=state or ProcessState.RUNNING))
    return views
