"""node.announce: a validator's or witness's node address, signed by its key and kept on
chain (ADR 0023, ADR 0025). Pure.

The sender announces its own key's address: the key must be an active key of an
institution holding the validator or the witness role. `node_address/<key hex>` keeps the
newest address and the height it was announced at. Nodes dial the addresses of the keys
of the current and next validator sets only (node/peer_directory.py), never a witness's:
a witness's address is for auditors (GET /v1/witnesses). The address format is bounded
where the body is read (contracts/bodies_governance.py NodeAnnounceBody).
"""

from contracts.bodies_governance import NodeAnnounceBody
from contracts.context import TxEnv
from contracts.errors import TxRejectedError
from contracts.reasons import RejectReason
from contracts.records import NodeAddress, Role
from contracts.roles import institution_of_key
from contracts.state import StateView
from contracts.state_keys import node_address_key
from contracts.store import load, save
from protocol.signing import PublicKey

ANNOUNCING_ROLES = (Role.VALIDATOR, Role.WITNESS)
"""Roles whose keys may announce an address (a witness's since ADR 0025)."""


def apply_node_announce(env: TxEnv, body: NodeAnnounceBody) -> None:
    if body.public_key != env.sender:
        raise TxRejectedError(RejectReason.ANNOUNCER_NOT_SENDER, body.public_key.hex())
    institution = institution_of_key(env.state, body.public_key)
    if institution is None or not any(institution.has_role(r) for r in ANNOUNCING_ROLES):
        raise TxRejectedError(RejectReason.SIGNER_LACKS_ROLE, "sender is not validator/witness")
    record = NodeAddress(public_key=body.public_key, address=body.address, height=env.ctx.height)
    save(env.state, node_address_key(body.public_key), record)


def announced_address(view: StateView, public_key: PublicKey) -> str | None:
    """The newest address announced by public_key, or None."""
    record = load(view, node_address_key(public_key), NodeAddress.from_json)
    return None if record is None else record.address
