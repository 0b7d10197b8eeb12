"""Registry records in the state map: params, institutions, keys, holders, nonces, accounts,
evidence (docs/STATE.md). Pure.

Each record is a frozen dataclass whose to_json is the canonical value stored at its state
key (contracts/state_keys.py); from_json reads it back strictly, so a corrupted store fails
loudly instead of being silently reinterpreted. Both come from the field declarations
(protocol/codec.py).
"""

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from contracts.body_fields import Slug, Text, choice, read_choice, read_slugs, text
from protocol.codec import JsonCodec, Wire, integer
from protocol.encoding import JsonObject, JsonValue
from protocol.errors import FieldTypeError
from protocol.fields import parse_hex, read_list
from protocol.hashing import Hash32
from protocol.signing import PUBLIC_KEY_SIZE, PublicKey


class Role(enum.Enum):
    """What an institution's keys may sign (DESIGN.md §5)."""

    ISSUER = "issuer"
    TRADING_CENTRE = "trading_centre"
    COURT = "court"
    PROCURATORATE = "procuratorate"
    AUDITOR = "auditor"
    VALIDATOR = "validator"


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


def read_roles(obj: Mapping[str, Any], name: str) -> tuple[str, ...]:
    """1..len(ROLE_NAMES) distinct role names, returned sorted."""
    roles = read_slugs(obj, name, max_items=len(ROLE_NAMES))
    for role in roles:
        read_choice({name: role}, name, ROLE_NAMES)
    return roles


def read_key_list(obj: Mapping[str, Any], name: str) -> tuple[PublicKey, ...]:
    """1..INSTITUTION_KEYS_MAX distinct public keys, returned sorted."""
    items = read_list(obj, name, max_items=INSTITUTION_KEYS_MAX)
    keys = tuple(PublicKey(parse_hex(item, name, size=PUBLIC_KEY_SIZE)) for item in items)
    if not keys or len(set(keys)) != len(keys):
        raise FieldTypeError(f"{name}: expected distinct keys, at least one")
    return tuple(sorted(keys))


def _sorted(values: tuple[str, ...]) -> JsonValue:
    return [*sorted(values)]


def _sorted_hex(keys: tuple[bytes, ...]) -> JsonValue:
    return [*sorted(key.hex() for key in keys)]


@dataclass(frozen=True, slots=True, kw_only=True)
class Institution(JsonCodec, what="institution"):
    """A member organisation (`institution/<id>`): its names, roles and keys. Its
    institution.register body states exactly these fields."""

    institution_id: Slug
    name_zh: Text
    name_en: Text
    roles: Annotated[tuple[str, ...], Wire(read_roles, _sorted)]
    """Sorted Role values."""
    public_keys: Annotated[tuple[PublicKey, ...], Wire(read_key_list, _sorted_hex)]
    """Sorted Ed25519 keys that sign for the institution."""

    def has_role(self, role: Role) -> bool:
        return role.value in self.roles


@dataclass(frozen=True, slots=True, kw_only=True)
class KeyRecord(JsonCodec, what="key record"):
    """`key/<hex>`: the institution a signing key belongs to."""

    public_key: PublicKey
    institution_id: Slug


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
class AccountDetails(JsonCodec, what="account"):
    """An account as its account.open body states it; the record adds the custodian."""

    account_id: Slug
    holder_key: PublicKey
    display_name: Annotated[str, text(128)]
    kind: Annotated[str, choice(ACCOUNT_KINDS)]
    """One of ACCOUNT_KINDS; natural persons appear masked (e.g. 王某某)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Account(AccountDetails, what="account"):
    """`account/<id>`: a holder key bound by a trading centre acting as custodian."""

    custodian: Slug
    """Institution id of the trading centre that opened the account."""


@dataclass(frozen=True, slots=True, kw_only=True)
class EvidenceRecord(JsonCodec, what="evidence record"):
    """`evidence/<hash>`: misbehaviour by a validator key, recorded from a block."""

    evidence_hash: Hash32
    offender: PublicKey
    height: int
    """Height of the block that recorded it."""
    evidence: JsonObject
    """The evidence itself (protocol/evidence.py JSON), so a proof carries the content."""
