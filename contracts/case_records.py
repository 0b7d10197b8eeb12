"""Case and retirement records (docs/STATE.md). Pure.

Privacy (DESIGN.md §5): obligors appear only masked (e.g. 王某某) with a salted hash of
their identity document; the salt stays with the court. Documents appear as SHA-256 hashes.
"""

from dataclasses import dataclass

from contracts.body_fields import read_hash, read_optional_slug, read_public_key, read_slug
from protocol.encoding import JsonObject
from protocol.fields import expect_object, read_int, read_list, read_str
from protocol.hashing import Hash32
from protocol.signing import PublicKey

RETIREMENT_KINDS = frozenset({"voluntary", "judicial"})
JUDICIAL_PURPOSE = "alternative_restoration"
"""The purpose every judicial retirement records: alternative ecological restoration."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Obligor:
    masked_name: str
    """E.g. 王某某: never the clear name."""
    id_hash: Hash32
    """SHA-256(salt || identity document number); the salt stays off chain with the court."""

    def to_json(self) -> JsonObject:
        return {"masked_name": self.masked_name, "id_hash": self.id_hash.hex()}

    @classmethod
    def from_json(cls, value: object) -> "Obligor":
        obj = expect_object(value, "obligor", ("masked_name", "id_hash"))
        return cls(
            masked_name=read_str(obj, "masked_name", max_length=32),
            id_hash=read_hash(obj, "id_hash"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Case:
    """`case/<id>`: a court case whose obligors may restore ecology by judicial retirement."""

    case_id: str
    court: str
    """Institution id of the court (role court); only its keys confirm retirements."""
    case_number: str
    case_type: str
    plaintiff: str | None
    """Institution id of the procuratorate when it sues, else None."""
    registered_by: str
    obligors: tuple[Obligor, ...]
    required_kg: int
    retired_kg: int
    document_hash: Hash32
    retirement_ids: tuple[Hash32, ...]
    """The judicial retirements made for this case, in commit order."""

    def to_json(self) -> JsonObject:
        return {
            "case_id": self.case_id,
            "court": self.court,
            "case_number": self.case_number,
            "case_type": self.case_type,
            "plaintiff": self.plaintiff,
            "registered_by": self.registered_by,
            "obligors": [o.to_json() for o in self.obligors],
            "required_kg": self.required_kg,
            "retired_kg": self.retired_kg,
            "document_hash": self.document_hash.hex(),
            "retirement_ids": [r.hex() for r in self.retirement_ids],
        }

    @classmethod
    def from_json(cls, value: object) -> "Case":
        obj = expect_object(value, "case", CASE_FIELDS)
        ids = read_list(obj, "retirement_ids")
        return cls(
            case_id=read_slug(obj, "case_id"),
            court=read_slug(obj, "court"),
            case_number=read_str(obj, "case_number"),
            case_type=read_str(obj, "case_type"),
            plaintiff=read_optional_slug(obj, "plaintiff"),
            registered_by=read_slug(obj, "registered_by"),
            obligors=tuple(Obligor.from_json(o) for o in read_list(obj, "obligors")),
            required_kg=read_int(obj, "required_kg"),
            retired_kg=read_int(obj, "retired_kg"),
            document_hash=read_hash(obj, "document_hash"),
            retirement_ids=tuple(read_hash({"id": r}, "id") for r in ids),
        )


CASE_FIELDS = (
    "case_id",
    "court",
    "case_number",
    "case_type",
    "plaintiff",
    "registered_by",
    "obligors",
    "required_kg",
    "retired_kg",
    "document_hash",
    "retirement_ids",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Retirement:
    """`retirement/<tx_id>`: credits ended for good, and for whom."""

    retirement_id: Hash32
    """The tx_id of the retiring tx."""
    kind: str
    account_id: str
    batch_id: str
    quantity_kg: int
    ranges: tuple[tuple[int, int], ...]
    """Retired serials as closed [first, last] ranges, ascending."""
    beneficiary: str
    purpose: str
    reason: str
    case_id: str | None
    confirmed_by: PublicKey | None
    """The court key that co-signed a judicial retirement."""
    height: int
    time_ms: int

    def to_json(self) -> JsonObject:
        confirmed = None if self.confirmed_by is None else self.confirmed_by.hex()
        return {
            "retirement_id": self.retirement_id.hex(),
            "kind": self.kind,
            "account_id": self.account_id,
            "batch_id": self.batch_id,
            "quantity_kg": self.quantity_kg,
            "ranges": [[first, last] for first, last in self.ranges],
            "beneficiary": self.beneficiary,
            "purpose": self.purpose,
            "reason": self.reason,
            "case_id": self.case_id,
            "confirmed_by": confirmed,
            "height": self.height,
            "time_ms": self.time_ms,
        }

    @classmethod
    def from_json(cls, value: object) -> "Retirement":
        obj = expect_object(value, "retirement", RETIREMENT_FIELDS)
        confirmed = obj["confirmed_by"]
        return cls(
            retirement_id=read_hash(obj, "retirement_id"),
            kind=read_str(obj, "kind"),
            account_id=read_slug(obj, "account_id"),
            batch_id=read_slug(obj, "batch_id"),
            quantity_kg=read_int(obj, "quantity_kg", minimum=1),
            ranges=tuple(_read_range(r) for r in read_list(obj, "ranges")),
            beneficiary=read_str(obj, "beneficiary"),
            purpose=read_str(obj, "purpose"),
            reason=read_str(obj, "reason"),
            case_id=read_optional_slug(obj, "case_id"),
            confirmed_by=None if confirmed is None else read_public_key(obj, "confirmed_by"),
            height=read_int(obj, "height"),
            time_ms=read_int(obj, "time_ms"),
        )


RETIREMENT_FIELDS = (
    "retirement_id",
    "kind",
    "account_id",
    "batch_id",
    "quantity_kg",
    "ranges",
    "beneficiary",
    "purpose",
    "reason",
    "case_id",
    "confirmed_by",
    "height",
    "time_ms",
)


def _read_range(value: object) -> tuple[int, int]:
    items = read_list({"range": value}, "range", max_items=2)
    assert len(items) == 2, value
    first = read_int({"first": items[0]}, "first", minimum=1)
    return first, read_int({"last": items[1]}, "last", minimum=first)
