"""Case and retirement records (docs/STATE.md). Pure.

Privacy (DESIGN.md §5): obligors appear only masked (e.g. 王某某) with a salted hash of
their identity document; the salt stays with the court. Documents appear as SHA-256 hashes.
Each record names its fields once; protocol/codec.py reads (strictly) and writes them.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from contracts.body_fields import Slug
from protocol.codec import JsonCodec, Wire, integer, string
from protocol.encoding import JsonValue
from protocol.fields import read_int, read_list
from protocol.hashing import Hash32
from protocol.signing import PublicKey

RETIREMENT_KINDS = frozenset({"voluntary", "judicial"})
JUDICIAL_PURPOSE = "alternative_restoration"
"""The purpose every judicial retirement records: alternative ecological restoration."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Obligor(JsonCodec, what="obligor"):
    masked_name: Annotated[str, string(max_length=32)]
    """E.g. 王某某: never the clear name."""
    id_hash: Hash32
    """SHA-256(salt || identity document number); the salt stays off chain with the court."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Case(JsonCodec, what="case"):
    """`case/<id>`: a court case whose obligors may restore ecology by judicial retirement."""

    case_id: Slug
    court: Slug
    """Institution id of the court (role court); only its keys confirm retirements."""
    case_number: str
    case_type: str
    plaintiff: Slug | None
    """Institution id of the procuratorate when it sues, else None."""
    registered_by: Slug
    obligors: tuple[Obligor, ...]
    required_kg: int
    retired_kg: int
    document_hash: Hash32
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
