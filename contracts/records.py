"""Registry records in the state map: params, institutions, keys, holders, nonces, accounts,
evidence (docs/STATE.md). Pure.

Each record is a frozen dataclass whose to_json is the canonical value stored at its state
key (contracts/state_keys.py); from_json reads it back strictly, so a corrupted store fails
loudly instead of being silently reinterpreted.
"""

import enum
from dataclasses import dataclass

from contracts.body_fields import read_choice, read_hash, read_public_key, read_slug
from protocol.encoding import JsonObject
from protocol.fields import expect_object, read_int, read_list, read_object, read_str
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


ROLE_NAMES = frozenset(role.value for role in Role)
INSTITUTION_KEYS_MAX = 16
"""Signing keys one institution may hold; key.register refuses more."""
ACCOUNT_KINDS = frozenset({"enterprise", "person", "government", "ecological"})


@dataclass(frozen=True, slots=True, kw_only=True)
class Params:
    """Chain parameters fixed at genesis (`params`)."""

    tx_size_max_bytes: int = 16_384
    """Largest canonical signed tx admitted."""
    max_clock_drift_ms: int = 2_000
    """How far a proposer's time_ms may lead a validator's clock (DESIGN.md §4)."""
    buffer_min_bps: int = 1_000
    """Least share of each issuance set aside as BUFFER, in basis points (1000 = 10%)."""

    def to_json(self) -> JsonObject:
        return {
            "tx_size_max_bytes": self.tx_size_max_bytes,
            "max_clock_drift_ms": self.max_clock_drift_ms,
            "buffer_min_bps": self.buffer_min_bps,
        }

    @classmethod
    def from_json(cls, value: object) -> "Params":
        fields = ("tx_size_max_bytes", "max_clock_drift_ms", "buffer_min_bps")
        obj = expect_object(value, "params", fields)
        return cls(
            tx_size_max_bytes=read_int(obj, "tx_size_max_bytes", minimum=1024),
            max_clock_drift_ms=read_int(obj, "max_clock_drift_ms"),
            buffer_min_bps=read_int(obj, "buffer_min_bps"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Institution:
    """A member organisation (`institution/<id>`): its names, roles and keys."""

    institution_id: str
    name_zh: str
    name_en: str
    roles: tuple[str, ...]
    """Sorted Role values."""
    public_keys: tuple[PublicKey, ...]
    """Sorted Ed25519 keys that sign for the institution."""

    def has_role(self, role: Role) -> bool:
        return role.value in self.roles

    def to_json(self) -> JsonObject:
        return {
            "institution_id": self.institution_id,
            "name_zh": self.name_zh,
            "name_en": self.name_en,
            "roles": list(self.roles),
            "public_keys": [key.hex() for key in self.public_keys],
        }

    @classmethod
    def from_json(cls, value: object) -> "Institution":
        fields = ("institution_id", "name_zh", "name_en", "roles", "public_keys")
        obj = expect_object(value, "institution", fields)
        roles = read_list(obj, "roles", max_items=len(ROLE_NAMES))
        keys = read_list(obj, "public_keys", max_items=INSTITUTION_KEYS_MAX)
        return cls(
            institution_id=read_slug(obj, "institution_id"),
            name_zh=read_str(obj, "name_zh"),
            name_en=read_str(obj, "name_en"),
            roles=tuple(read_choice({"role": r}, "role", ROLE_NAMES) for r in roles),
            public_keys=tuple(read_public_key({"key": k}, "key") for k in keys),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class KeyRecord:
    """`key/<hex>`: the institution a signing key belongs to."""

    public_key: PublicKey
    institution_id: str

    def to_json(self) -> JsonObject:
        return {"public_key": self.public_key.hex(), "institution_id": self.institution_id}

    @classmethod
    def from_json(cls, value: object) -> "KeyRecord":
        obj = expect_object(value, "key record", ("public_key", "institution_id"))
        return cls(
            public_key=read_public_key(obj, "public_key"),
            institution_id=read_slug(obj, "institution_id"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class HolderRecord:
    """`holder/<hex>`: the accounts a holder key controls, sorted."""

    public_key: PublicKey
    account_ids: tuple[str, ...]

    def to_json(self) -> JsonObject:
        return {"public_key": self.public_key.hex(), "account_ids": list(self.account_ids)}

    @classmethod
    def from_json(cls, value: object) -> "HolderRecord":
        obj = expect_object(value, "holder record", ("public_key", "account_ids"))
        accounts = read_list(obj, "account_ids")
        return cls(
            public_key=read_public_key(obj, "public_key"),
            account_ids=tuple(read_slug({"id": a}, "id") for a in accounts),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class NonceRecord:
    """`nonce/<hex>`: the sender's last committed nonce (absent = 0)."""

    public_key: PublicKey
    nonce: int

    def to_json(self) -> JsonObject:
        return {"public_key": self.public_key.hex(), "nonce": self.nonce}

    @classmethod
    def from_json(cls, value: object) -> "NonceRecord":
        obj = expect_object(value, "nonce record", ("public_key", "nonce"))
        return cls(public_key=read_public_key(obj, "public_key"), nonce=read_int(obj, "nonce"))


@dataclass(frozen=True, slots=True, kw_only=True)
class Account:
    """`account/<id>`: a holder key bound by a trading centre acting as custodian."""

    account_id: str
    holder_key: PublicKey
    custodian: str
    """Institution id of the trading centre that opened the account."""
    display_name: str
    kind: str
    """One of ACCOUNT_KINDS; natural persons appear masked (e.g. 王某某)."""

    def to_json(self) -> JsonObject:
        return {
            "account_id": self.account_id,
            "holder_key": self.holder_key.hex(),
            "custodian": self.custodian,
            "display_name": self.display_name,
            "kind": self.kind,
        }

    @classmethod
    def from_json(cls, value: object) -> "Account":
        fields = ("account_id", "holder_key", "custodian", "display_name", "kind")
        obj = expect_object(value, "account", fields)
        return cls(
            account_id=read_slug(obj, "account_id"),
            holder_key=read_public_key(obj, "holder_key"),
            custodian=read_slug(obj, "custodian"),
            display_name=read_str(obj, "display_name"),
            kind=read_choice(obj, "kind", ACCOUNT_KINDS),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class EvidenceRecord:
    """`evidence/<hash>`: misbehaviour by a validator key, recorded from a block."""

    evidence_hash: Hash32
    offender: PublicKey
    height: int
    """Height of the block that recorded it."""
    evidence: JsonObject
    """The evidence itself (protocol/evidence.py JSON), so a proof carries the content."""

    def to_json(self) -> JsonObject:
        return {
            "evidence_hash": self.evidence_hash.hex(),
            "offender": self.offender.hex(),
            "height": self.height,
            "evidence": self.evidence,
        }

    @classmethod
    def from_json(cls, value: object) -> "EvidenceRecord":
        fields = ("evidence_hash", "offender", "height", "evidence")
        obj = expect_object(value, "evidence record", fields)
        return cls(
            evidence_hash=read_hash(obj, "evidence_hash"),
            offender=read_public_key(obj, "offender"),
            height=read_int(obj, "height"),
            evidence=read_object(obj, "evidence"),
        )
