"""Who this node sends to: node.toml's peers with their keys as the chain has them now.

node.toml names each peer by institution id and address (the bootstrap list). Their keys
are read from the committed `institution/<id>` record, not from genesis, so a rotated
validator key (ADR 0022) is reached at the same address. The list is recomputed after
every commit; PeerTransport.set_peers makes a change take effect without a restart.
"""

import logging

from contracts.records import Institution
from contracts.state import StateView
from contracts.state_keys import institution_key
from contracts.store import load
from node.config import PeerConfig
from node.transport import Peer

log = logging.getLogger("lantan.node")


def bootstrap_peers(state: StateView, configured: tuple[PeerConfig, ...]) -> list[Peer]:
    """One Peer per current key of each configured institution, at its configured address."""
    peers = []
    for peer in configured:
        institution = load(state, institution_key(peer.name), Institution.from_json)
        if institution is None:
            log.warning("peer %s is no institution of this chain; ignored", peer.name)
            continue
        for public_key in institution.public_keys:
            peers.append(Peer(name=peer.name, public_key=public_key, url=peer.url))
    return peers
