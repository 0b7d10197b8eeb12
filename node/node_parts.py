"""One assembled node: the parts node/assembly.py opens and wires, that the server's
background tasks (node/lifespan.py) and HTTP app (node/server.py) run. No I/O here.
"""

from dataclasses import dataclass, field

from node.chain_view import ChainView
from node.checkpoint_follow import CheckpointFollower
from node.checkpoint_signing import CheckpointSigning
from node.config import NodeConfig
from node.ledger import Ledger
from node.peering import PeerInbox
from node.readiness import Readiness
from node.runtime import NodeRuntime
from node.service import NodeService
from node.storage.leveldb import LevelDbStore
from node.sync import BlockSync
from node.transport import PeerTransport
from protocol.signing import SigningKey


@dataclass
class Node:
    config: NodeConfig
    store: LevelDbStore
    ledger: Ledger
    service: NodeService
    view: ChainView
    runtime: NodeRuntime | None
    transport: PeerTransport | None
    sync: BlockSync
    inbox: PeerInbox
    readiness: Readiness
    key: SigningKey | None
    checkpoint_signing: CheckpointSigning = field(default_factory=CheckpointSigning)
    checkpoint_follower: CheckpointFollower | None = None
    """An observer's: it fetches the signed checkpoints it cannot sign or be sent."""


def consensus_position(node: Node) -> tuple[int, int | None] | None:
    """The height and round a validator is deciding, for its log lines (None: observer)."""
    replica = None if node.runtime is None else node.runtime.replica
    return None if replica is None else (replica.height, replica.round)
