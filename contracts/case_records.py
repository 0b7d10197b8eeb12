"""Case and retirement records (docs/STATE.md). Pure.

Privacy (DESIGN.md §5): obligors appear only masked (e.g. 王某某) with a salted hash of
their identity document; the salt stays with the court. Documents appear as SHA-256 hashes.
Each record names its fields once; protocol/codec.py reads (strictly) and writes them.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from contracts.body_fields import Amount, Slug, text
from protocol.codec import JsonCodec, Wire, integer, string
from protocol.encoding import JsonValue
from protocol.errors import FieldTypeError
from protocol.fields import read_int, read_list
from protocol.hashing import Hash32
from protocol.signing import PublicKey

OBLIGORS_MAX = 32
RETIREMENT_KINDS = frozenset({"voluntary", "judicial"})
JUDICIAL_PURPOSE = "alternative_restoration"
"""The purpose every judicial retirement records: alternative ecological restoration."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Obligor(JsonCodec, what="obligor"):
    masked_name: Annotated[str, string(max_length=32)]
    """E.g. 王某某: never the clear name."""
    id_hash: Hash32
    """SHA-256(salt || identity document number); the salt stays off chain with the court."""


def read_obligors(obj: Mapping[str, Any], name: str) -> tuple[Obligor, ...]:
    """1..32 obligors, each MASKED: a clear name never reaches the chain (DESIGN.md §5)."""
    obligors = tuple(Obligor.from_json(o) for o in read_list(obj, name, max_items=OBLIGORS_MAX))
    if not obligors:
        raise FieldTypeError(f"{name}: at least one")
    for obligor in obligors:
        if "某" not in obligor.masked_name and "*" not in obligor.masked_name:
            raise FieldTypeError(f"{name}: masked_name must be masked (王某某 or 王**)")
    return obligors


@dataclass(frozen=True, slots=True, kw_only=True)
class CaseFields(JsonCodec):
    """A case as case.register names it: the body's fields and the record's, once."""

    case_id: Slug
    court: Slug
    """Institution id of the court (role court); only its keys confirm retirements."""
    case_number: Annotated[str, text(128)]
    case_type: Annotated[str, text(128)]
    plaintiff: Slug | None
    """Institution id of the procuratorate when it sues, else None."""
    obligors: Annotated[
        tuple[Obligor, ...], Wire(read_obligors, lambda os: [o.to_json() for o in os])
    ]
    required_kg: Amount
    document_hash: Hash32


@dataclass(frozen=True, slots=True, kw_only=True)
class Case(CaseFields, what="case"):
    """`case/<id>`: a court case whose obligors may restore ecology by judicial retirement."""

    registered_by: Slug
    retired_kg: int
    retirement_ids: tuple[Hash32, ...]
    """The judicial retirements made for this case, in commit order."""


def _read_ranges(obj: Mapping[str, Any], name: str) -> tuple[tuple[int, int], ...]:
    return tuple(_read_range(r) for r in read_list(obj, name))


def _write_ranges(ranges: tuple[tuple[int, int], ...]) -> JsonValue:
    return [[first, last] for first, last in ranges]


@dataclass(frozen=True, slots=True, kw_only=True)
class Retirement(JsonCodec, what="retirement"):
    """`retirement/<tx_id>`: credits ended for good, and for whom."""

    retirement_id: Hash32
    """The tx_id of the retiring tx."""
    kind: str
    account_id: Slug
    batch_id: Slug
    quantity_kg: Annotated[int, integer(minimum=1)]
    ranges: Annotated[tuple[tuple[int, int], ...], Wire(_read_ranges, _write_ranges)]
    """Retired serials as closed [first, last] ranges, ascending."""
    beneficiary: str
    purpose: str
    reason: str
    case_id: Slug | None
    confirmed_by: PublicKey | None
    """The court key that co-signed a judicial retirement."""
    height: int
    time_ms: int


def _read_range(value: object) -> tuple[int, int]:
    items = read_list({"range": value}, "range", max_items=2)
    assert len(items) == 2, value
    first = read_int({"first": items[0]}, "first", minimum=1)
    return first, read_int({"last": items[1]}, "last", minimum=first)


SerialRanges = Annotated[tuple[tuple[int, int], ...], Wire(_read_ranges, _write_ranges)]
"""Closed [first, last] serial ranges, ascending, as a retirement records them; other records
that name serial ranges (a pledge, ADR 0032) use the same wire form."""
