"""Bodies of the governance txs of ADR 0019: role.grant, role.revoke, key.rotate, key.revoke;
and of ADR 0023: node.announce. Pure.

Declared like contracts/bodies_registry.py: protocol/codec.py reads each strictly.
"""

from dataclasses import dataclass
from typing import Annotated

from contracts.body_fields import Body, Slug, choice, text
from contracts.records import NODE_ADDRESS_LENGTH_MAX, ROLE_NAMES, check_node_address
from protocol.errors import FieldTypeError
from protocol.signing import PublicKey


@dataclass(frozen=True, slots=True, kw_only=True)
class RoleChangeBody(Body):
    """role.grant / role.revoke: one role of an institution, endorsed by q validators."""

    institution_id: Slug
    role: Annotated[str, choice(ROLE_NAMES)]


@dataclass(frozen=True, slots=True, kw_only=True)
class KeyRotateBody(Body):
    """key.rotate: public_key is replaced by new_public_key; both sign the tx."""

    public_key: PublicKey
    new_public_key: PublicKey

    def check(self) -> None:
        if self.new_public_key == self.public_key:
            raise FieldTypeError("new_public_key: equals public_key")


@dataclass(frozen=True, slots=True, kw_only=True)
class KeyRevokeBody(Body):
    """key.revoke: public_key signs no more; signed by it, or by q validators if it is lost."""

    public_key: PublicKey


@dataclass(frozen=True, slots=True, kw_only=True)
class NodeAnnounceBody(Body):
    """node.announce: the address other nodes dial to reach public_key's node (ADR 0023)."""

    public_key: PublicKey
    address: Annotated[str, text(NODE_ADDRESS_LENGTH_MAX)]

    def check(self) -> None:
        check_node_address(self.address)
