"""Who this node sends to: node.toml's peers, then the validators that announced an address.

node.toml names each peer by institution id and address (the bootstrap list). Their keys
are read from the committed `institution/<id>` record, not from genesis, so a rotated
validator key (ADR 0022) is reached at the same address. Every other key of the current
and next validator sets is dialled at the address it announced on chain (node.announce,
ADR 0023): only a validator key's own signed tx puts an address there, and only set
members are dialled. The list is recomputed after every commit; PeerTransport.set_peers
makes a change take effect without a restart.
"""

import logging

from contracts.announcements import announced_address
from contracts.records import Institution
from contracts.state import StateView
from contracts.state_keys import institution_key
from contracts.store import load
from contracts.validator_sets import current_validator_set, next_validator_set
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


def chain_peers(state: StateView, configured: tuple[PeerConfig, ...]) -> list[Peer]:
    """bootstrap_peers, then each other current or next validator at its announced address
    (node.toml wins for a key both name: the operator's word over the chain's)."""
    peers = bootstrap_peers(state, configured)
    named = {peer.public_key for peer in peers}
    for validators in (current_validator_set(state), next_validator_set(state)):
        for validator in validators.validators:
            address = None
            if validator.public_key not in named:
                address = announced_address(state, validator.public_key)
            if address is not None:
                peers.append(
                    Peer(name=validator.name, public_key=validator.public_key, url=address)
                )
                named.add(validator.public_key)
    return peers
