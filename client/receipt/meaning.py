"""What a receipt's proven state records must say, and the facts a judge reads (§14.4 steps
7-8). Pure: works on records whose proofs already verified against the header's state_root.
"""

from collections.abc import Callable
from typing import TypeVar

from client.receipt.codes import ReceiptCode, ReceiptError
from client.receipt.facts import (
    CaseStatusFacts,
    JudgmentFacts,
    ReceiptFacts,
    ReceiptSigner,
    ReportHash,
    SerialRange,
    VerificationFacts,
)
from client.receipt.records import (
    PROVEN_VERIFICATION_FORMAT,
    ReceiptRecords,
    read_receipt_records,
)
from client.receipt.schema import check_record
from contracts.case_lifecycle_records import case_status
from contracts.case_records import JUDICIAL_PURPOSE, Case, Retirement
from contracts.credit_records import IssuanceBatch, SerialBlock, SerialStatus
from contracts.records import Institution, Role
from protocol.block import BlockHeader
from protocol.encoding import JsonObject
from protocol.errors import ProtocolError
from protocol.hashing import Hash32
from protocol.tx import SignedTx
from protocol.validators import ValidatorSet

StateRecords = dict[str, JsonObject | None]
"""Proven state: key -> record, or None for a proven absence."""
R = TypeVar("R")
JUDICIAL_TX_TYPE = "credits.retire_judicial"
_Pair = tuple[str | None, str | None]


def require_records(
    records: StateRecords, signed: SignedTx, retirement_id: Hash32, version: int
) -> ReceiptRecords:
    """Step 7: the receipt holds exactly the records §14.4 names for its format, read in
    the order the step gives, each checked against its schema (§14.7) before any of its
    fields is used."""
    reader = _ProvenRecords(records)
    proven = read_receipt_records(reader, signed.signers, retirement_id, version)
    extra = set(records) - reader.named
    if extra:
        raise ReceiptError(ReceiptCode.UNEXPECTED_RECORD, ", ".join(sorted(extra)))
    return proven


class _ProvenRecords:
    """The receipt's records as step 7 reads them: a named record must be there and present
    (MISSING_RECORD), a signer's key record there (present or proven absent)."""

    def __init__(self, records: StateRecords) -> None:
        self.records = records
        self.named: set[str] = set()

    def required(self, key: str, parse: Callable[[object], R]) -> R:
        self.named.add(key)
        if self.records.get(key) is None:
            raise ReceiptError(ReceiptCode.MISSING_RECORD, key)
        return self._parse(key, parse)

    def optional(self, key: str, parse: Callable[[object], R]) -> R | None:
        self.named.add(key)
        if key not in self.records:
            raise ReceiptError(ReceiptCode.MISSING_RECORD, key)
        return None if self.records[key] is None else self._parse(key, parse)

    def _parse(self, key: str, parse: Callable[[object], R]) -> R:
        value = self.records[key]
        assert value is not None, key
        return _parse(parse, check_record(key.partition("/")[0], key, value), key)


def facts_of(
    records: StateRecords,
    proven: ReceiptRecords,
    *,
    signed: SignedTx,
    retirement_id: Hash32,
    header: BlockHeader,
    receipt_hash: str,
    receipt_version: int,
    receipt_digest: str,
    signed_by: tuple[str, ...],
    signers: tuple[ReceiptSigner, ...],
    validators: ValidatorSet,
) -> ReceiptFacts:
    """Step 8: check what the records say (proven: what require_records read of them), then
    return the judge's facts."""
    retirement, batch, project = proven.retirement, proven.batch, proven.project
    assert retirement is not None and batch is not None and project is not None
    _check_retirement(retirement, signed, retirement_id, header)
    serials = _check_serials(proven.serial_blocks, retirement, retirement_id)
    if batch.batch_id != retirement.batch_id or project.project_id != batch.project_id:
        raise ReceiptError(ReceiptCode.RECORD_MISMATCH, "batch or project is not the retired one")
    _check_named_records(records)
    verification = _check_verification(proven, batch)
    case, court, status = None, None, None
    if proven.case is not None:
        case = proven.case
        court = _check_court(proven, retirement, case, signed, retirement_id)
        if receipt_version >= PROVEN_VERIFICATION_FORMAT:
            status = _check_case_status(proven, retirement, case, retirement_id)
    return ReceiptFacts(
        receipt_id=retirement_id.hex(),
        receipt_hash=receipt_hash,
        receipt_version=receipt_version,
        receipt_digest=receipt_digest,
        chain_id=header.chain_id.hex(),
        kind=retirement.kind,
        court_id=None if court is None else court.institution_id,
        court_name_zh=None if court is None else court.name_zh,
        court_name_en=None if court is None else court.name_en,
        case_id=retirement.case_id,
        case_number=None if case is None else case.case_number,
        case_type=None if case is None else case.case_type,
        obligors_masked=() if case is None else tuple(o.masked_name for o in case.obligors),
        quantity_kg=retirement.quantity_kg,
        serial_ranges=serials,
        beneficiary=retirement.beneficiary,
        reason=retirement.reason,
        purpose=retirement.purpose,
        project_id=project.project_id,
        project_name_zh=project.name_zh,
        project_name_en=project.name_en,
        ecosystem=project.ecosystem,
        location=project.location,
        accounting_standard=project.accounting_standard,
        vintage=batch.vintage,
        batch_id=batch.batch_id,
        height=header.height,
        time_ms=header.time_ms,
        signed_by=signed_by,
        signers=signers,
        validator_count=validators.size,
        quorum=validators.quorum,
        verification=verification,
        case_status=status,
    )


def _check_retirement(
    retirement: Retirement, signed: SignedTx, retirement_id: Hash32, header: BlockHeader
) -> None:
    body = signed.tx.body
    judicial = signed.tx.type == JUDICIAL_TX_TYPE
    # What the judge reads (time, beneficiary, purpose, reason) must be what was signed:
    # the header's time, the tx body's words (a judicial retirement's purpose is fixed).
    shown = (retirement.time_ms, retirement.beneficiary, retirement.purpose)
    signed_words = (
        header.time_ms,
        body.get("beneficiary"),
        JUDICIAL_PURPOSE if judicial else body.get("purpose"),
    )
    if shown != signed_words or (not judicial and retirement.reason != body.get("reason")):
        raise ReceiptError(ReceiptCode.RETIREMENT_MISMATCH, "the record says other than the tx")
    expected = (
        retirement_id,
        header.height,
        "judicial" if judicial else "voluntary",
        body.get("account_id"),
        body.get("batch_id"),
        body.get("quantity_kg"),
        body.get("case_id") if judicial else None,
    )
    found = (
        retirement.retirement_id,
        retirement.height,
        retirement.kind,
        retirement.account_id,
        retirement.batch_id,
        retirement.quantity_kg,
        retirement.case_id,
    )
    if found != expected or (not judicial and retirement.confirmed_by is not None):
        raise ReceiptError(ReceiptCode.RETIREMENT_MISMATCH, "the record is not this tx's")


def _check_serials(
    blocks: tuple[SerialBlock | None, ...], retirement: Retirement, retirement_id: Hash32
) -> tuple[SerialRange, ...]:
    previous_last, total = 0, 0
    for first, last in retirement.ranges:
        if first <= previous_last:
            raise ReceiptError(ReceiptCode.QUANTITY_MISMATCH, "ranges overlap or are unsorted")
        previous_last, total = last, total + last - first + 1
    if total != retirement.quantity_kg:
        raise ReceiptError(ReceiptCode.QUANTITY_MISMATCH, f"{total} kg != {retirement.quantity_kg}")
    ranges = []
    for (first, last), block in zip(retirement.ranges, blocks, strict=True):
        assert block is not None, first  # require_records ran first
        expected = (retirement.batch_id, first, last, SerialStatus.RETIRED, retirement_id)
        found = (block.batch_id, block.first_serial, block.last_serial, block.status)
        if (
            (*found, block.retirement_id) != expected
            or block.case_id != retirement.case_id
            or block.account_id != retirement.account_id
            or block.frozen_by is not None
        ):
            raise ReceiptError(ReceiptCode.SERIALS_MISMATCH, f"serial block {first} differs")
        ranges.append(SerialRange(batch_id=block.batch_id, first_serial=first, last_serial=last))
    return tuple(ranges)


def _check_verification(proven: ReceiptRecords, batch: IssuanceBatch) -> VerificationFacts | None:
    """Format 4: the verification step 7 read is the batch's (its id and project), else
    RECORD_MISMATCH; then what a judge reads of it."""
    recorded, attested = proven.verification, proven.attested
    found = recorded or attested
    if found is None:
        return None  # format 1-3: not in the receipt
    if (found.verification_id, found.project_id) != (batch.verification_id, batch.project_id):
        raise ReceiptError(ReceiptCode.RECORD_MISMATCH, "the verification is not the batch's")
    names: _Pair = (None, None)
    method: _Pair = (None, None)
    verifier_id: str | None = None
    body: str | None = None
    height: int | None = None
    if attested is None:
        assert recorded is not None
        reports = tuple(ReportHash(label="report", sha256=h.hex()) for h in recorded.report_hashes)
        body = recorded.verification_body  # the verifier in free text, no methodology
    else:
        verifier = proven.verifier
        assert verifier is not None  # as step 7 read it
        reports = tuple(ReportHash(label=r.label, sha256=r.sha256.hex()) for r in attested.reports)
        verifier_id, names, body = attested.verifier, (verifier.name_zh, verifier.name_en), None
        method, height = (attested.methodology_id, attested.methodology_version), attested.height
    return VerificationFacts(
        verification_id=found.verification_id,
        attested=attested is not None,
        verifier_id=verifier_id,
        verifier_name_zh=names[0],
        verifier_name_en=names[1],
        verification_body=body,
        period_start=found.period_start,
        period_end=found.period_end,
        methodology_id=method[0],
        methodology_version=method[1],
        net_sink_kg=found.verified_kg,
        reports=reports,
        attested_height=height,
    )


def _check_named_records(records: StateRecords) -> None:
    """Each key and institution record is the one its state key names."""
    for key, value in records.items():
        if value is None:
            continue
        kind, _, name = key.partition("/")
        field = {"key": "public_key", "institution": "institution_id"}.get(kind)
        if field is not None and value.get(field) != name:
            raise ReceiptError(ReceiptCode.RECORD_MISMATCH, f"{key} holds another {field}")


def _check_court(
    proven: ReceiptRecords,
    retirement: Retirement,
    case: Case,
    signed: SignedTx,
    retirement_id: Hash32,
) -> Institution:
    if case.case_id != retirement.case_id or retirement_id not in case.retirement_ids:
        raise ReceiptError(ReceiptCode.CASE_MISMATCH, "the case does not list this retirement")
    court_key = retirement.confirmed_by
    if court_key is None or court_key not in signed.signers:
        raise ReceiptError(ReceiptCode.COURT_ROLE_MISSING, "no court key signed the tx")
    key_record, court = proven.key_records[court_key], proven.court
    assert key_record is not None and court is not None, court_key  # as step 7 read them
    if (
        key_record.institution_id != case.court
        or not court.has_role(Role.COURT)
        or court_key not in court.public_keys
    ):
        raise ReceiptError(ReceiptCode.COURT_ROLE_MISSING, f"{court_key.hex()} is not the court's")
    return court


def _check_case_status(
    proven: ReceiptRecords, retirement: Retirement, case: Case, retirement_id: Hash32
) -> CaseStatusFacts:
    """Format 4: the judgment and closure are this case's, and the case's total holds this
    retirement and stays within its requirement, else CASE_MISMATCH; then its status as of
    the block (case_status, ADR 0029)."""
    judgment, closure = proven.judgment, proven.closure
    if any(r is not None and r.case_id != case.case_id for r in (judgment, closure)):
        raise ReceiptError(ReceiptCode.CASE_MISMATCH, "a judgment or closure of another case")
    if not retirement.quantity_kg <= case.retired_kg <= case.required_kg:
        raise ReceiptError(
            ReceiptCode.CASE_MISMATCH, "the case's total cannot hold this retirement"
        )
    status = case_status(case, judgment, closure)
    return CaseStatusFacts(
        case_id=case.case_id,
        status=status,
        required_kg=case.required_kg,
        retired_kg=case.retired_kg,
        retirement_ids=tuple(r.hex() for r in case.retirement_ids),
        satisfies=case.retired_kg == case.required_kg and case.retirement_ids[-1] == retirement_id,
        judgment=None
        if judgment is None
        else JudgmentFacts(
            judgment_hash=judgment.judgment_hash.hex(),
            judgment_date=judgment.judgment_date,
            compensation_fen=judgment.compensation_fen,
            harm_site=judgment.harm_site,
            ecosystem=judgment.ecosystem,
            height=judgment.height,
        ),
        closure_outcome=None if closure is None else closure.outcome,
        closure_document_hash=None if closure is None else closure.document_hash.hex(),
        closure_height=None if closure is None else closure.height,
    )


def _get(records: StateRecords, key: str, parse: Callable[[object], R]) -> R:
    value = records.get(key)
    assert value is not None, key  # require_records ran first
    return _parse(parse, value, key)


def _parse(parse: Callable[[object], R], value: object, key: str) -> R:
    try:
        return parse(value)
    except (ProtocolError, ValueError, AssertionError) as error:
        raise ReceiptError(ReceiptCode.MALFORMED, f"{key}: {error}") from None
