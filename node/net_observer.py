"""`lantan net add-observer`: an observer node (syncs and serves, never votes) joining a
running local network (node/net.py).

Its node.toml goes beside the validators' (DIR/<name>/, the same genesis, every validator
as a peer, a port of its own); it is started like any node of the network, so `net
status`, `stop`, `start` and `down` handle it by its folder.
"""

import re
from pathlib import Path

from genesis.layout import GENESIS_FILE
from node.config import CONFIG_FILE, NodeConfig, PeerConfig, load_config, render_config
from node.net import LOCAL_HEARTBEAT_MS, check_ports_free, net_start, port_free
from node.net_layout import node_names, require_network, validator_names, witness_names
from node.net_processes import NetError, read_pid, stop_process
from node.net_views import NodeView, Progress

NAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
"""A node's name is its folder in DIR and its name in logs and metrics: kept to a slug."""
PORT_TRIES_MAX = 100
"""Ports tried above the network's highest before asking for --port."""


def net_add_observer(
    directory: Path, name: str, *, port: int | None = None, progress: Progress = lambda _: None
) -> NodeView:
    """Write DIR/<name>/node.toml for an observer, start it and wait until it has caught up
    with the validators (as `net start` waits: while its height rises). Requires a network
    with a validator running. port: its own (default: the first free one above the
    network's nodes). A node that fails to start is stopped; its folder stays, with its log.
    """
    directory = directory.resolve()
    _check_joinable(directory, name)
    chosen = _free_port_above(directory) if port is None else port
    check_ports_free({name: chosen}, "--port")
    (directory / name).mkdir()
    config = observer_config(directory, name, chosen)
    (directory / name / CONFIG_FILE).write_text(render_config(config))
    try:
        return net_start(directory, name, progress=progress)
    except NetError as error:
        stop_process(directory, name)
        raise NetError(
            f"{error}. Observer {name} is configured in {directory / name}: start it again "
            f"with lantan net start {name} --dir {directory}, or remove that folder"
        ) from error
    except BaseException:
        stop_process(directory, name)
        raise


def observer_config(directory: Path, name: str, port: int) -> NodeConfig:
    """node.toml of an observer of a local network: on 127.0.0.1:port, the network's
    genesis, every validator as a peer (at the URL its own node.toml gives)."""
    return NodeConfig(
        name=name,
        node_dir=directory / name,
        genesis=Path("..") / GENESIS_FILE,
        port=port,
        observer=True,
        heartbeat_interval_ms=LOCAL_HEARTBEAT_MS,
        peers=tuple(
            PeerConfig(name=validator, url=load_config(directory / validator).url)
            for validator in validator_names(directory)
        ),
    )


def _check_joinable(directory: Path, name: str) -> None:
    """NetError unless name is a free slug and a validator of the network is running."""
    require_network(directory)
    if not (directory / GENESIS_FILE).is_file():
        raise NetError(f"no network in {directory}: no {GENESIS_FILE}")
    if NAME_PATTERN.fullmatch(name) is None:
        raise NetError(
            f"{name!r} is not a node name: lowercase letters, digits and '-', "
            "starting with a letter or digit, at most 63"
        )
    validators = validator_names(directory)
    if name in validators or name in witness_names(directory) or name in node_names(directory):
        raise NetError(f"{name!r} is taken in {directory}: its nodes are {_nodes(directory)}")
    if (directory / name).exists():
        raise NetError(f"{name!r} is taken: {directory / name} exists")
    if not any(read_pid(directory / validator) is not None for validator in validators):
        raise NetError(
            f"the network in {directory} is not running (no validator is): start it with "
            f"lantan net up --dir {directory}"
        )


def _nodes(directory: Path) -> str:
    return ", ".join(node_names(directory))


def _free_port_above(directory: Path) -> int:
    """The first free port above every port the network's nodes are configured with."""
    highest = max(load_config(directory / node).port for node in node_names(directory))
    for port in range(highest + 1, min(highest + 1 + PORT_TRIES_MAX, 65536)):
        if port_free(port):
            return port
    raise NetError(f"no free port in {highest + 1}-{highest + PORT_TRIES_MAX}; choose --port")
