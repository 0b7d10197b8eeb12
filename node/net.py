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
from dataclasses import dataclass
from pathlib import Path

from genesis.document import parse_genesis
from genesis.keystore import INTERACTIVE_LIMITS, KdfLimits
from genesis.layout import GENESIS_FILE
from genesis.network import init_local_network
from node.config import (
    CONFIG_FILE,
    PORT_MAX,
    NodeConfig,
    PeerConfig,
    load_config,
    render_config,
)
from node.net_layout import (
    local_witnesses,
    node_names,
    require_network,
    require_node,
    validator_names,
    witness_names,
)
from node.net_processes import (
    LOG_FILE,
    PID_FILE,
    WITNESS_LOG_FILE,
    WITNESS_PID_FILE,
    NetError,
    NetUsageError,
    read_pid,
    spawn,
    stop_process,
)
from node.net_views import (
    NodeView,
    Progress,
    net_status,
    node_view,
    silent,
    wait_answering,
    wait_ready,
)
from node.port_probe import bind_error

WITNESS_STATE_DIR = "witness-state"
LOCAL_WITNESS_INTERVAL_S = 2.0
"""A local witness's round: two heartbeats, so a fresh receipt waits a few seconds."""
BASE_PORT = 7101
LOCAL_HEARTBEAT_MS = 1000


def net_up(
    directory: Path,
    *,
    validators: int,
    base_port: int = BASE_PORT,
    progress: Progress = silent,
    witnesses: tuple[str, ...] = (),
    kdf_limits: KdfLimits = INTERACTIVE_LIMITS,
) -> list[NodeView]:
    """Create the network if needed, start every validator, wait until all are ready,
    then start the witnesses whose keys the network directory holds and the observers it
    holds (`net add-observer`), waiting while they catch up.

    Every port is checked before anything is created or started, and every node must serve
    this network's chain id before it counts as ready: a port held by another network is
    one NetError, with nothing of this network left running. witnesses names the witness
    keys a new network makes (an existing network keeps its genesis); kdf_limits is the
    Argon2id cost of its keystores (the test tiers pass libsodium's minimum: each node
    start unlocks its key, ~0.14 s of CPU at the interactive cost).
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
        kdf_limits=kdf_limits,
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
    progress: Progress = silent,
    witnesses: tuple[str, ...] = (),
    kdf_limits: KdfLimits = INTERACTIVE_LIMITS,
) -> list[str]:
    """Make genesis, keys (kdf_limits: their Argon2id cost) and each validator's node.toml
    where missing; start nothing.

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
            limits=kdf_limits,
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
            raise NetUsageError(
                f"port {port} (for {name}) is not a TCP port; choose another {option}"
            )
        if not port_free(port):
            raise NetError(
                f"port {port} (for {name}) is already in use on 127.0.0.1 - another network? "
                f"Stop it, or choose another {option}"
            )


def port_free(port: int) -> bool:
    """Nothing listens on 127.0.0.1:port (a bind succeeds, node/port_probe.py)."""
    return bind_error("127.0.0.1", port) is None


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


@dataclass(frozen=True, slots=True, kw_only=True)
class QuorumShortfall:
    """Too few validators count for any block to be certified: `quorum` of genesis's
    validators must sign, `counted` of them count (those that run, for `net start`; those
    that are ready, for `net status`), `others` lists the rest."""

    quorum: int
    counted: list[str]
    others: list[str]

    @property
    def validators(self) -> int:
        return len(self.counted) + len(self.others)

    def advice(self, directory: Path) -> str:
        """What to start next, when `counted` are the validators that run."""
        more = self.quorum - len(self.counted)
        return (
            f"a block needs {self.quorum} of {self.validators} "
            f"validators and {len(self.counted)} run ({', '.join(self.counted) or 'none'}): "
            f"start {more} more of {', '.join(self.others)} with lantan net start NAME "
            f"--dir {directory}"
        )

    def cannot_commit(self) -> str:
        """`net status`'s line, when `counted` are the validators that are ready."""
        return (
            f"the chain cannot commit: {len(self.counted)} of {self.validators} validators "
            f"ready, quorum {self.quorum}"
        )

    def to_json(self) -> dict[str, object]:
        """`net status --json`'s `cannot_commit`, as cannot_commit says it."""
        return {"quorum": self.quorum, "validators": self.validators, "ready": self.counted}


def quorum_shortfall(directory: Path, counted: set[str]) -> QuorumShortfall | None:
    """None when the validators named in `counted` reach genesis's quorum, else what is
    missing (names that are not genesis validators, observers, count for nothing)."""
    document = parse_genesis((directory / GENESIS_FILE).read_bytes())
    names = [v.name for v in document.validators.validators]
    up = [name for name in names if name in counted]
    if len(up) >= document.validators.quorum:
        return None
    return QuorumShortfall(
        quorum=document.validators.quorum,
        counted=up,
        others=[name for name in names if name not in counted],
    )


def net_start(directory: Path, name: str, *, progress: Progress = silent) -> NodeView:
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
        return node_view(directory, name)
    # The poll that found it ready: polled again, a node that had caught up while the chain
    # moved on was printed `catching up` (`net add-observer`, the operator's pass, stop 55).
    return wait_ready(directory, [name], minimum_height=target, progress=progress)[0]


def net_down(directory: Path) -> list[str]:
    """Stop the witnesses, then every node; the names of those that were running."""
    require_network(directory)
    witnesses = local_witnesses(directory)
    stopped = [w for w in witnesses if stop_process(directory, w, pid_file=WITNESS_PID_FILE)]
    return stopped + [name for name in node_names(directory) if stop_process(directory, name)]
