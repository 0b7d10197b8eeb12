"""Which state records a receipt holds (PROTOCOL.md §14.4 step 7), stated once.

The node gathers them into the receipts it serves (node/proofs.py); the verifier requires
exactly them (client/receipt/meaning.py). Both walk the same records in the order the step
reads them, each through its own RecordReader: the node's reads its state tree, the
verifier's the receipt's proven records.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol, TypeVar

from contracts.case_lifecycle_records import CaseClosure, CaseJudgment
from contracts.case_records import Case, Retirement
from contracts.credit_records import (
    AttestedVerification,
    IssuanceBatch,
    Project,
    SerialBlock,
    Verification,
)
from contracts.records import Institution, KeyRecord
from contracts.state_keys import (
    attested_verification_key,
    batch_key,
    case_closure_key,
    case_judgment_key,
    case_key,
    institution_key,
    project_key,
    retirement_key,
    serial_block_key,
    signing_key_key,
    verification_key,
)
from protocol.hashing import Hash32
from protocol.signing import PublicKey

R = TypeVar("R")
PROVEN_VERIFICATION_FORMAT = 4
"""From receipt format 4 on, step 7 also reads the verification behind the batch and the
case's judgment and closure (PROTOCOL.md §14.4, ADR 0030)."""


class RecordReader(Protocol):
    """Reads one record of the walk: None when it is absent (or the reader refuses)."""

    def required(self, key: str, parse: Callable[[object], R]) -> R | None:
        """A record the step names: the retirement and what it points to."""
        ...

    def optional(self, key: str, parse: Callable[[object], R]) -> R | None:
        """A record the receipt holds either way: present, or proven absent (a signer's key
        record for an account holder's key; an attested batch's verification/ record)."""
        ...


@dataclass(frozen=True, slots=True, kw_only=True)
class ReceiptRecords:
    """The records the walk read (None: absent), so step 8 reads them without deriving
    their keys again."""

    retirement: Retirement | None
    serial_blocks: tuple[SerialBlock | None, ...]
    """One per range of the retirement, in its order."""
    batch: IssuanceBatch | None
    project: Project | None
    key_records: Mapping[PublicKey, KeyRecord | None]
    """Each signer's key record."""
    case: Case | None
    """The retirement's case: R.case_id, never the tx body's (step 8 compares the two)."""
    court: Institution | None
    """The court the case names."""
    verification: Verification | None = None
    """Format 4: the issuer-recorded verification/<batch.verification_id> (None: absent)."""
    attested: AttestedVerification | None = None
    """Format 4, when verification/ is absent: attested_verification/<id> (ADR 0026)."""
    verifier: Institution | None = None
    """Format 4: the institution that attested it."""
    judgment: CaseJudgment | None = None
    """Format 4: case_judgment/<R.case_id> (None: absent, or not judicial)."""
    closure: CaseClosure | None = None
    """Format 4: case_closure/<R.case_id> (None: absent, or not judicial)."""


def read_receipt_records(
    reader: RecordReader, signers: Iterable[PublicKey], retirement_id: Hash32, version: int
) -> ReceiptRecords:
    """Read every record a receipt of retirement_id in format `version` holds, in the order
    of §14.4 step 7: the retirement, its serial blocks, batch and project (format 4: the
    verification behind the batch); each signer's key record and its institution; the
    retirement's case and that case's court (format 4: the case's judgment and closure)."""
    retirement = reader.required(retirement_key(retirement_id), Retirement.from_json)
    blocks: tuple[SerialBlock | None, ...] = ()
    batch, project = None, None
    if retirement is not None:
        blocks = tuple(
            reader.required(serial_block_key(retirement.batch_id, first), SerialBlock.from_json)
            for first, _last in retirement.ranges
        )
        batch = reader.required(batch_key(retirement.batch_id), IssuanceBatch.from_json)
        if batch is not None:
            project = reader.required(project_key(batch.project_id), Project.from_json)
    verification, attested, verifier = None, None, None
    if batch is not None and version >= PROVEN_VERIFICATION_FORMAT:
        verification = reader.optional(
            verification_key(batch.verification_id), Verification.from_json
        )
        if verification is None:
            attested = reader.required(
                attested_verification_key(batch.verification_id), AttestedVerification.from_json
            )
            if attested is not None:
                verifier = reader.required(
                    institution_key(attested.verifier), Institution.from_json
                )
    key_records: dict[PublicKey, KeyRecord | None] = {}
    for signer in signers:
        record = reader.optional(signing_key_key(signer), KeyRecord.from_json)
        key_records[signer] = record
        if record is not None:
            reader.required(institution_key(record.institution_id), Institution.from_json)
    case, court, judgment, closure = None, None, None, None
    if retirement is not None and retirement.case_id is not None:
        case = reader.required(case_key(retirement.case_id), Case.from_json)
        if case is not None:
            court = reader.required(institution_key(case.court), Institution.from_json)
        if case is not None and version >= PROVEN_VERIFICATION_FORMAT:
            judgment = reader.optional(
                case_judgment_key(retirement.case_id), CaseJudgment.from_json
            )
            closure = reader.optional(case_closure_key(retirement.case_id), CaseClosure.from_json)
    return ReceiptRecords(
        retirement=retirement,
        serial_blocks=blocks,
        batch=batch,
        project=project,
        key_records=key_records,
        case=case,
        court=court,
        verification=verification,
        attested=attested,
        verifier=verifier,
        judgment=judgment,
        closure=closure,
    )
