"""Registry records in the state map: params, institutions, keys, holders, nonces, accounts,
evidence (docs/STATE.md). Pure.

Each record is a frozen dataclass whose to_json is the canonical value stored at its state
key (contracts/state_keys.py); from_json reads it back strictly, so a corrupted store fails
loudly instead of being silently reinterpreted. Both come from the field declarations
(protocol/codec.py).
"""

import enum
import re
from dataclasses import dataclass
from typing import Annotated, Self

from contracts.body_fields import Slug, choice
from protocol.codec import PUBLIC_KEY, JsonCodec, copy_fields, integer, items
from protocol.encoding import JsonObject
from protocol.errors import FieldTypeError
from protocol.hashing import Hash32
from protocol.signing import PublicKey


class Role(enum.Enum):
    """What an institution's keys may sign (DESIGN.md §5)."""

    ISSUER = "issuer"
    TRADING_CENTRE = "trading_centre"
    COURT = "court"
    PROCURATORATE = "procuratorate"
    AUDITOR = "auditor"
    VALIDATOR = "validator"
    WITNESS = "witness"
    """Runs a witness (ADR 0021): its keys may announce their node address (ADR 0025).
    Who cosigns is genesis's witness policy, not this role; validators never dial it."""
    VERIFIER = "verifier"
    """An accredited verification body (ADR 0026): its keys sign verification.attest.
    Suspended by role.revoke; its earlier attestations stay valid."""
    LENDER = "lender"
    """A bank lending against pledged credits (ADR 0032): its keys co-sign credits.pledge,
    release and enforce pledges made to it."""


ROLE_NAMES = frozenset(role.value for role in Role)
INSTITUTION_KEYS_MAX = 16
"""Signing keys one institution may hold; key.register refuses more."""
ACCOUNT_KINDS = frozenset({"enterprise", "person", "government", "ecological"})


@dataclass(frozen=True, slots=True, kw_only=True)
class Params(JsonCodec, what="params"):
    """Chain parameters fixed at genesis (`params`); every field is required on the wire."""

    tx_size_max_bytes: Annotated[int, integer(minimum=1024)] = 16_384
    """Largest canonical signed tx admitted."""
    max_clock_drift_ms: int = 2_000
    """How far a proposer's time_ms may lead a validator's clock (DESIGN.md §4)."""
    buffer_min_bps: int = 1_000
    """Least share of each issuance set aside as BUFFER, in basis points (1000 = 10%)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Institution(JsonCodec, what="institution"):
    """A member organisation (`institution/<id>`): its names, roles and keys."""

    institution_id: Slug
    name_zh: str
    name_en: str
    roles: Annotated[tuple[str, ...], items(choice(ROLE_NAMES), max_items=len(ROLE_NAMES))]
    """Sorted Role values."""
    public_keys: Annotated[tuple[PublicKey, ...], items(PUBLIC_KEY, max_items=INSTITUTION_KEYS_MAX)]
    """Sorted Ed25519 keys that sign for the institution."""

    def has_role(self, role: Role) -> bool:
        return role.value in self.roles


class KeyStatus(enum.Enum):
    """Whether a registered key still signs for its institution (ADR 0019)."""

    ACTIVE = "active"
    ROTATED = "rotated"
    """Replaced by key.rotate: the new key signs instead."""
    REVOKED = "revoked"
    """Withdrawn by key.revoke (its holder or a validator quorum)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class _ActiveKeyWire(JsonCodec, what="key record"):
    """The wire form of an active key: the two fields every record had before ADR 0019."""

    public_key: PublicKey
    institution_id: Slug


@dataclass(frozen=True, slots=True, kw_only=True)
class _ChangedKeyWire(_ActiveKeyWire):
    """The wire form of a rotated or revoked key: two fields more."""

    status: KeyStatus
    status_height: Annotated[int, integer(minimum=1)]

    def check(self) -> None:
        if self.status is KeyStatus.ACTIVE:
            # An active key has one form only (without status), so one state has one root.
            raise FieldTypeError("key record: status active is written without status")


@dataclass(frozen=True, slots=True, kw_only=True)
class KeyRecord(JsonCodec, what="key record"):
    """`key/<hex>`: the institution a signing key belongs to, and whether it still signs.

    An active key is written as {public_key, institution_id}, byte for byte as before
    ADR 0019; a rotated or revoked one adds status and status_height (the height of the
    block whose tx changed it). Signatures in txs executed after that tx are refused;
    earlier ones stay valid.
    """

    public_key: PublicKey
    institution_id: Slug
    status: KeyStatus = KeyStatus.ACTIVE
    status_height: int | None = None
    """Height at which status became ROTATED or REVOKED; None while ACTIVE."""

    @property
    def active(self) -> bool:
        return self.status is KeyStatus.ACTIVE

    def to_json(self) -> JsonObject:
        assert self.active or self.status_height is not None, self
        wire = _ActiveKeyWire if self.active else _ChangedKeyWire
        return copy_fields(wire, self).to_json()

    @classmethod
    def from_json(cls, value: object) -> Self:
        if isinstance(value, dict) and "status" in value:
            return copy_fields(cls, _ChangedKeyWire.from_json(value))
        active = _ActiveKeyWire.from_json(value)
        return copy_fields(cls, active, status=KeyStatus.ACTIVE, status_height=None)


@dataclass(frozen=True, slots=True, kw_only=True)
class HolderRecord(JsonCodec, what="holder record"):
    """`holder/<hex>`: the accounts a holder key controls, sorted."""

    public_key: PublicKey
    account_ids: tuple[Slug, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class NonceRecord(JsonCodec, what="nonce record"):
    """`nonce/<hex>`: the sender's last committed nonce (absent = 0)."""

    public_key: PublicKey
    nonce: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Account(JsonCodec, what="account"):
    """`account/<id>`: a holder key bound by a trading centre acting as custodian."""

    account_id: Slug
    holder_key: PublicKey
    custodian: Slug
    """Institution id of the trading centre that opened the account."""
    display_name: str
    kind: Annotated[str, choice(ACCOUNT_KINDS)]
    """One of ACCOUNT_KINDS; natural persons appear masked (e.g. 王某某)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class EvidenceRecord(JsonCodec, what="evidence record"):
    """`evidence/<hash>`: misbehaviour by a validator key, recorded from a block."""

    evidence_hash: Hash32
    offender: PublicKey
    height: int
    """Height of the block that recorded it."""
    evidence: JsonObject
    """The evidence itself (protocol/evidence.py JSON), so a proof carries the content."""


NODE_ADDRESS_LENGTH_MAX = 128
"""The longest node address a node.announce may carry (ADR 0023)."""
_NODE_ADDRESS = re.compile(
    r"(?P<scheme>https?)://(?P<host>[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
    r"(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*):(?P<port>[1-9][0-9]{0,4})"
)


def check_node_address(address: str) -> None:
    """Raise FieldTypeError unless address is `http[s]://<host>:<port>` exactly: lowercase
    DNS name or IPv4 host, port 1..65535 without leading zeros, no path, user or query,
    at most NODE_ADDRESS_LENGTH_MAX characters. One spelling per address (ADR 0023)."""
    match = _NODE_ADDRESS.fullmatch(address)
    if len(address) > NODE_ADDRESS_LENGTH_MAX or match is None:
        raise FieldTypeError(f"address: expected http[s]://<host>:<port>, got {address[:80]!r}")
    if int(match["port"]) > 65_535:
        raise FieldTypeError(f"address: port {match['port']} is over 65535")


@dataclass(frozen=True, slots=True, kw_only=True)
class NodeAddress(JsonCodec, what="node address"):
    """`node_address/<key hex>`: where the node of a validator key listens (ADR 0023)."""

    public_key: PublicKey
    address: str
    """`http[s]://<host>:<port>`, as check_node_address accepts it."""
    height: Annotated[int, integer(minimum=1)]
    """The height of the block whose node.announce wrote it."""

    def __post_init__(self) -> None:
        check_node_address(self.address)
