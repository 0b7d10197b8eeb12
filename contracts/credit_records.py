"""Credit records in the state map: projects, verifications, issuance batches, serial
blocks and holdings (docs/STATE.md). Pure.

Serials of a batch are the integers first_serial..last_serial; every serial lies in exactly
one serial block, and the blocks of a batch partition its range (DESIGN.md §5).
"""

import enum
from dataclasses import dataclass

from contracts.body_fields import read_date, read_hash, read_optional_slug, read_slug
from protocol.encoding import JsonObject
from protocol.fields import expect_object, read_int, read_list, read_str
from protocol.hashing import Hash32

ECOSYSTEMS = frozenset(
    {"salt_marsh", "mudflat", "mangrove", "seagrass", "shellfish", "algae", "mariculture"}
)


class SerialStatus(enum.Enum):
    """RETIRED and CANCELLED are terminal; FROZEN and BUFFER never move."""

    ACTIVE = "active"
    FROZEN = "frozen"
    RETIRED = "retired"
    CANCELLED = "cancelled"
    BUFFER = "buffer"


@dataclass(frozen=True, slots=True, kw_only=True)
class Project:
    """`project/<id>`: a verified blue carbon sink registered by an issuer."""

    project_id: str
    name_zh: str
    name_en: str
    ecosystem: str
    location: str
    accounting_standard: str
    """E.g. "HY/T 0305-2021", "HY/T 0349-2022", "VM0033"."""
    owner: str
    issuer: str
    """Institution id of the issuer that registered it (only it may issue for it)."""
    document_hashes: tuple[Hash32, ...]

    def to_json(self) -> JsonObject:
        return {
            "project_id": self.project_id,
            "name_zh": self.name_zh,
            "name_en": self.name_en,
            "ecosystem": self.ecosystem,
            "location": self.location,
            "accounting_standard": self.accounting_standard,
            "owner": self.owner,
            "issuer": self.issuer,
            "document_hashes": [h.hex() for h in self.document_hashes],
        }

    @classmethod
    def from_json(cls, value: object) -> "Project":
        obj = expect_object(value, "project", PROJECT_FIELDS)
        hashes = read_list(obj, "document_hashes")
        return cls(
            project_id=read_slug(obj, "project_id"),
            name_zh=read_str(obj, "name_zh"),
            name_en=read_str(obj, "name_en"),
            ecosystem=read_str(obj, "ecosystem"),
            location=read_str(obj, "location"),
            accounting_standard=read_str(obj, "accounting_standard"),
            owner=read_str(obj, "owner"),
            issuer=read_slug(obj, "issuer"),
            document_hashes=tuple(read_hash({"h": h}, "h") for h in hashes),
        )


PROJECT_FIELDS = (
    "project_id",
    "name_zh",
    "name_en",
    "ecosystem",
    "location",
    "accounting_standard",
    "owner",
    "issuer",
    "document_hashes",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Verification:
    """`verification/<id>`: a monitoring period's verified sink, and how much of it is issued."""

    verification_id: str
    project_id: str
    period_start: str
    period_end: str
    verification_body: str
    report_hashes: tuple[Hash32, ...]
    verified_kg: int
    issued_kg: int
    """Issued so far from this verification, buffer included; never above verified_kg."""

    def to_json(self) -> JsonObject:
        return {
            "verification_id": self.verification_id,
            "project_id": self.project_id,
            "period_start": self.period_start,
            "period_end": self.period_end,
            "verification_body": self.verification_body,
            "report_hashes": [h.hex() for h in self.report_hashes],
            "verified_kg": self.verified_kg,
            "issued_kg": self.issued_kg,
        }

    @classmethod
    def from_json(cls, value: object) -> "Verification":
        fields: tuple[str, ...] = ("verification_id", "project_id", "period_start")
        fields += ("period_end", "verification_body", "report_hashes", "verified_kg", "issued_kg")
        obj = expect_object(value, "verification", fields)
        return cls(
            verification_id=read_slug(obj, "verification_id"),
            project_id=read_slug(obj, "project_id"),
            period_start=read_date(obj, "period_start"),
            period_end=read_date(obj, "period_end"),
            verification_body=read_str(obj, "verification_body"),
            report_hashes=tuple(read_hash({"h": h}, "h") for h in read_list(obj, "report_hashes")),
            verified_kg=read_int(obj, "verified_kg"),
            issued_kg=read_int(obj, "issued_kg"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class IssuanceBatch:
    """`batch/<id>`: a vintage batch; serials 1..quantity_kg are issued, the rest is BUFFER."""

    batch_id: str
    project_id: str
    verification_id: str
    vintage: int
    quantity_kg: int
    """Issued to the holder account: serials 1..quantity_kg."""
    buffer_kg: int
    """Set aside: serials quantity_kg+1..quantity_kg+buffer_kg, status BUFFER forever."""
    retired_kg: int
    cancelled_kg: int
    tx_id: Hash32

    @property
    def last_serial(self) -> int:
        return self.quantity_kg + self.buffer_kg

    def to_json(self) -> JsonObject:
        return {
            "batch_id": self.batch_id,
            "project_id": self.project_id,
            "verification_id": self.verification_id,
            "vintage": self.vintage,
            "quantity_kg": self.quantity_kg,
            "buffer_kg": self.buffer_kg,
            "retired_kg": self.retired_kg,
            "cancelled_kg": self.cancelled_kg,
            "tx_id": self.tx_id.hex(),
        }

    @classmethod
    def from_json(cls, value: object) -> "IssuanceBatch":
        fields: tuple[str, ...] = ("batch_id", "project_id", "verification_id", "vintage")
        fields += ("quantity_kg", "buffer_kg", "retired_kg", "cancelled_kg", "tx_id")
        obj = expect_object(value, "issuance batch", fields)
        return cls(
            batch_id=read_slug(obj, "batch_id"),
            project_id=read_slug(obj, "project_id"),
            verification_id=read_slug(obj, "verification_id"),
            vintage=read_int(obj, "vintage"),
            quantity_kg=read_int(obj, "quantity_kg"),
            buffer_kg=read_int(obj, "buffer_kg"),
            retired_kg=read_int(obj, "retired_kg"),
            cancelled_kg=read_int(obj, "cancelled_kg"),
            tx_id=read_hash(obj, "tx_id"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class SerialBlock:
    """`serials/<batch>/<first>`: the closed serial range first..last with one holder and status."""

    batch_id: str
    first_serial: int
    last_serial: int
    status: SerialStatus
    account_id: str | None
    """Holder account; None for BUFFER blocks."""
    frozen_by: str | None
    """Institution that froze the block (only it may unfreeze); None unless FROZEN."""
    retirement_id: Hash32 | None
    """tx_id of the retirement; None unless RETIRED."""
    case_id: str | None
    """The case a judicial retirement served; None otherwise."""

    @property
    def quantity_kg(self) -> int:
        return self.last_serial - self.first_serial + 1

    def to_json(self) -> JsonObject:
        retirement = None if self.retirement_id is None else self.retirement_id.hex()
        return {
            "batch_id": self.batch_id,
            "first_serial": self.first_serial,
            "last_serial": self.last_serial,
            "status": self.status.value,
            "account_id": self.account_id,
            "frozen_by": self.frozen_by,
            "retirement_id": retirement,
            "case_id": self.case_id,
        }

    @classmethod
    def from_json(cls, value: object) -> "SerialBlock":
        fields: tuple[str, ...] = ("batch_id", "first_serial", "last_serial", "status")
        fields += ("account_id", "frozen_by", "retirement_id", "case_id")
        obj = expect_object(value, "serial block", fields)
        retirement = obj["retirement_id"]
        return cls(
            batch_id=read_slug(obj, "batch_id"),
            first_serial=read_int(obj, "first_serial", minimum=1),
            last_serial=read_int(obj, "last_serial", minimum=1),
            status=SerialStatus(read_str(obj, "status")),
            account_id=read_optional_slug(obj, "account_id"),
            frozen_by=read_optional_slug(obj, "frozen_by"),
            retirement_id=None if retirement is None else read_hash(obj, "retirement_id"),
            case_id=read_optional_slug(obj, "case_id"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Holding:
    """`holding/<account>/<batch>`: the ACTIVE and FROZEN blocks an account holds in a batch.

    The index exists because the state map has no range scan: a transfer finds its lowest
    serials here. retired_kg lets a refusal say whether the units were retired rather than
    never held. Deleted when it holds nothing and retired nothing.
    """

    account_id: str
    batch_id: str
    active_kg: int
    frozen_kg: int
    retired_kg: int
    """Retired by this account from this batch, ever."""
    block_firsts: tuple[int, ...]
    """first_serial of each held block, ascending."""

    def to_json(self) -> JsonObject:
        return {
            "account_id": self.account_id,
            "batch_id": self.batch_id,
            "active_kg": self.active_kg,
            "frozen_kg": self.frozen_kg,
            "retired_kg": self.retired_kg,
            "block_firsts": list(self.block_firsts),
        }

    @classmethod
    def from_json(cls, value: object) -> "Holding":
        fields = ("account_id", "batch_id", "active_kg", "frozen_kg", "retired_kg")
        obj = expect_object(value, "holding", (*fields, "block_firsts"))
        firsts = read_list(obj, "block_firsts")
        return cls(
            account_id=read_slug(obj, "account_id"),
            batch_id=read_slug(obj, "batch_id"),
            active_kg=read_int(obj, "active_kg"),
            frozen_kg=read_int(obj, "frozen_kg"),
            retired_kg=read_int(obj, "retired_kg"),
            block_firsts=tuple(read_int({"s": s}, "s", minimum=1) for s in firsts),
        )
