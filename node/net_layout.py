"""What a local network's directory holds (`lantan net`): its chain, its validators',
witnesses' and nodes' names, read from the genesis file and the node folders. No process
is started or asked here (node/net_views.py asks the nodes; node/net.py starts them)."""

from pathlib import Path

from genesis.document import build_genesis, parse_genesis
from genesis.layout import GENESIS_FILE, KEYSTORE_FILE
from node.config import CONFIG_FILE
from node.net_processes import WITNESS_PID_FILE, NetError, read_pid


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


def local_witnesses(directory: Path) -> list[str]:
    # A directory with node folders but no genesis (net down after a failed create) has none.
    return witness_names(directory) if (directory / GENESIS_FILE).exists() else []


def is_witness(directory: Path, name: str) -> bool:
    """Whether name is a witness this network directory runs (see witness_names)."""
    return name in local_witnesses(directory)


def witness_pids(directory: Path) -> dict[str, int | None]:
    """Each local witness and the pid of its running process (None when stopped)."""
    return {w: read_pid(directory / w, WITNESS_PID_FILE) for w in local_witnesses(directory)}
