"""Credit records in the state map: projects, verifications, issuance batches, serial
blocks and holdings (docs/STATE.md). Pure.

Serials of a batch are the integers first_serial..last_serial; every serial lies in exactly
one serial block, and the blocks of a batch partition its range (DESIGN.md §5). Each record
names its fields once; protocol/codec.py reads (strictly) and writes them.
"""

import enum
import re
from dataclasses import dataclass
from typing import Annotated, Final

from contracts.body_fields import (
    Amount,
    Date,
    DocumentHashes,
    Slug,
    Text,
    check_period,
    choice,
    matching,
    text,
)
from protocol.codec import JsonCodec, codec_wire, integer, items
from protocol.errors import FieldTypeError
from protocol.hashing import Hash32
from protocol.signing import PublicKey

ECOSYSTEMS = frozenset(
    {"salt_marsh", "mudflat", "mangrove", "seagrass", "shellfish", "algae", "mariculture"}
)
Serial = Annotated[int, integer(minimum=1)]


class SerialStatus(enum.Enum):
    """RETIRED and CANCELLED are terminal; FROZEN and BUFFER never move; PLEDGED moves only by
    the pledge's release or enforcement (ADR 0032); ESCROWED only by its lot's settlement
    (ADR 0034)."""

    ACTIVE = "active"
    FROZEN = "frozen"
    RETIRED = "retired"
    CANCELLED = "cancelled"
    BUFFER = "buffer"
    PLEDGED = "pledged"
    """Security for a loan (ADR 0032): listed in the holding, counted in neither active_kg
    nor frozen_kg; `pledged/<batch>/<first>` names its pledge."""
    ESCROWED = "escrowed"
    """Offered in a sealed-bid auction (ADR 0034): listed in the seller's holding, counted in
    neither active_kg nor frozen_kg; `escrowed/<batch>/<first>` names its lot."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ProjectFields(JsonCodec):
    """A project as project.register names it: the body's fields and the record's, once."""

    project_id: Slug
    name_zh: Text
    name_en: Text
    ecosystem: Annotated[str, choice(ECOSYSTEMS)]
    location: Text
    accounting_standard: Annotated[str, text(64)]
    """E.g. "HY/T 0305-2021", "HY/T 0349-2022", "VM0033"."""
    owner: Text
    document_hashes: DocumentHashes


@dataclass(frozen=True, slots=True, kw_only=True)
class Project(ProjectFields, what="project"):
    """`project/<id>`: a verified blue carbon sink registered by an issuer."""

    issuer: Slug
    """Institution id of the issuer that registered it (only it may issue for it)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class VerificationFields(JsonCodec):
    """A verification as verification.record names it: the body's fields and the record's."""

    verification_id: Slug
    project_id: Slug
    period_start: Date
    period_end: Date
    verification_body: Text
    report_hashes: DocumentHashes
    verified_kg: Amount

    def check(self) -> None:
        check_period(self.period_start, self.period_end)


@dataclass(frozen=True, slots=True, kw_only=True)
class Verification(VerificationFields, what="verification"):
    """`verification/<id>`: a monitoring period's verified sink, and how much of it is issued."""

    issued_kg: int
    """Issued so far from this verification, buffer included; never above verified_kg."""


REPORT_LABELS: Final = (
    "monitoring_report",
    "other",
    "tenure_certificate",
    "verification_report",
)
"""What a labelled report hash of verification.attest may be (ADR 0026), in wire order."""
METHODOLOGY_PATTERN: Final = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9 ./_-]{0,46}[A-Za-z0-9])?")
"""A methodology id or version: 1..48 characters of letters, digits, space, '.', '/', '_', '-',
first and last a letter or digit (HY/T 0305-2021, CCER-14-002-V01, VM0033, v2.0)."""

Methodology = Annotated[
    str, matching(METHODOLOGY_PATTERN, 48, "[A-Za-z0-9 ./_-], 1..48, alnum at ends")
]


@dataclass(frozen=True, slots=True, kw_only=True)
class LabelledHash(JsonCodec, what="report"):
    """One report of a verification.attest: what the document is and its SHA-256."""

    label: Annotated[str, choice(frozenset(REPORT_LABELS))]
    sha256: Hash32


@dataclass(frozen=True, slots=True, kw_only=True)
class AttestationFields(JsonCodec):
    """A verification as verification.attest names it: the body's fields and the record's.

    Signed by a key of the verifier institution (ADR 0026), not by the issuer.
    """

    verification_id: Slug
    project_id: Slug
    period_start: Date
    period_end: Date
    methodology_id: Methodology
    """E.g. "HY/T 0349-2022", "CCER-14-002", "VM0033"."""
    methodology_version: Methodology
    """E.g. "2022", "V01", "v2.0"."""
    net_sink_kg: Amount
    """The verified net sink of the period, in kg CO2e: what issuance may draw on."""
    reports: Annotated[
        tuple[LabelledHash, ...], items(codec_wire(LabelledHash), max_items=len(REPORT_LABELS))
    ]
    """1..4 labelled hashes, labels strictly ascending (so distinct), one of them
    verification_report."""
    verifier: Slug
    """Institution id of the verifier: the sender's institution."""

    def check(self) -> None:
        check_period(self.period_start, self.period_end)
        labels = [report.label for report in self.reports]
        if labels != sorted(set(labels)):
            raise FieldTypeError("reports: labels must be distinct, in ascending order")
        if "verification_report" not in labels:
            raise FieldTypeError("reports: a verification_report is required")


@dataclass(frozen=True, slots=True, kw_only=True)
class AttestedVerification(AttestationFields, what="attested verification"):
    """`attested_verification/<id>`: a verifier's signed verification, and what is issued
    from it (ADR 0026)."""

    attested_by: PublicKey
    """The verifier's key that sent the tx."""
    height: int
    """The block that recorded it: the verifier held its role at this tx (ADR 0026)."""
    issued_kg: int
    """Issued so far from this verification, buffer included; never above net_sink_kg."""

    @property
    def verified_kg(self) -> int:
        """What issuance may draw on, named as Verification names it."""
        return self.net_sink_kg

    @property
    def vintages(self) -> range:
        """The vintage years a batch from it may carry: the years its period touches."""
        return range(int(self.period_start[:4]), int(self.period_end[:4]) + 1)


@dataclass(frozen=True, slots=True, kw_only=True)
class IssuanceBatch(JsonCodec, what="issuance batch"):
    """`batch/<id>`: a vintage batch; serials 1..quantity_kg are issued, the rest is BUFFER."""

    batch_id: Slug
    project_id: Slug
    verification_id: Slug
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


@dataclass(frozen=True, slots=True, kw_only=True)
class SerialBlock(JsonCodec, what="serial block"):
    """`serials/<batch>/<first>`: the closed serial range first..last with one holder and status."""

    batch_id: Slug
    first_serial: Serial
    last_serial: Serial
    status: SerialStatus
    account_id: Slug | None
    """Holder account; None for BUFFER blocks."""
    frozen_by: Slug | None
    """Institution that froze the block (only it may unfreeze); None unless FROZEN."""
    retirement_id: Hash32 | None
    """tx_id of the retirement; None unless RETIRED."""
    case_id: Slug | None
    """The case a judicial retirement served; None otherwise."""

    @property
    def quantity_kg(self) -> int:
        return self.last_serial - self.first_serial + 1


@dataclass(frozen=True, slots=True, kw_only=True)
class Holding(JsonCodec, what="holding"):
    """`holding/<account>/<batch>`: the ACTIVE, FROZEN and PLEDGED blocks an account holds in
    a batch (PLEDGED kg are the blocks' total less active_kg and frozen_kg, ADR 0032).

    The index exists because the state map has no range scan: a transfer finds its lowest
    serials here. retired_kg lets a refusal say whether the units were retired rather than
    never held. Deleted when it holds nothing and retired nothing.
    """

    account_id: Slug
    batch_id: Slug
    active_kg: int
    frozen_kg: int
    retired_kg: int
    """Retired by this account from this batch, ever."""
    block_firsts: tuple[Serial, ...]
    """first_serial of each held block, ascending."""
