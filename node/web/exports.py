"""CSV exports of projects, accredited verifications, issuances, cases and retirements (UTF-8
with BOM, so Excel reads 中文).

Columns are the records' fields, taken from the record types themselves (so a field added
to a record appears here too); amounts stay integer kg. Rows are the records' stored JSON as
the state map holds it (ChainView.state_page): a cell shows exactly what the chain holds, and
no record is parsed into its type only to be written back to JSON. Rows add what other
records say of them: a project its boundary and tenure (ADR 0027), an issuance its labels
and external registry ids (ADR 0028), a case its status, judgment and closure (ADR 0029), a
retirement the verification behind its credits and its case's status (ADR 0026, 0029), a
consideration its price and total in yuan (ADR 0031), a lot and a bid theirs (ADR 0034), an
insurance claim its decision, payment and its policy's totals (ADR 0035).
"""

import csv
import io
from collections.abc import Callable, Sequence

from contracts.case_records import Case, Retirement
from contracts.credit_records import AttestedVerification, IssuanceBatch, Project
from contracts.pledge_records import Pledge
from contracts.reversal_records import InsuranceClaim, Reversal
from contracts.tenure_records import TenureFields
from node.chain_view import ChainView
from node.registry_records import BatchHeldKg
from node.web import auction_view, consideration_view
from node.web.formatting import time_text
from protocol.codec import JsonCodec, field_names
from protocol.encoding import JsonObject

EXPORT_ROWS_MAX = 100_000
FORMULA_STARTS = frozenset("=+-@\t\r\uff1d\uff0b\uff0d\uff20")
"""= + - @ tab CR, and their fullwidth forms (＝＋－＠), which spreadsheets also evaluate."""

Cells = dict[str, str]
"""CSV column -> the field of another record (tenure, links, judgment, ...) that fills it."""
TENURE_CELLS: Cells = {name: name for name in field_names(TenureFields) if name != "project_id"} | {
    "tenure_status": "status",
    "tenure_height": "height",
    "tenure_ended_height": "ended_height",
}
PROJECT_COLUMNS = (*field_names(Project), *TENURE_CELLS)
"""A project's fields, then its boundary and tenure (empty cells when none recorded)."""
ATTESTED_VERIFICATION_COLUMNS = field_names(AttestedVerification)
LINK_CELLS: Cells = {"labels": "labels", "external_ids": "external_ids"}
HELD_CELLS: Cells = {"escrowed_kg": "escrowed_kg", "pledged_kg": "pledged_kg"}
ISSUANCE_COLUMNS = (*field_names(IssuanceBatch), *HELD_CELLS, *LINK_CELLS)
"""A batch's fields, its kg in auction escrow and pledged (over all its serial blocks), then
its labels and external ids (registry:id), empty when none."""
RETIREMENT_COLUMNS = (
    *field_names(Retirement),
    "time_utc8",
    "verification_id",
    "verifier",
    "case_status",
)
"""A retirement's fields, its time, the verification behind its batch, that verification's
verifier (an accredited verifier's institution id, or an issuer-recorded verification's
free-text body) and, for a judicial retirement, its case's status now."""
JUDGMENT_CELLS: Cells = {
    "judgment_date": "judgment_date",
    "compensation_fen": "compensation_fen",
    "harm_site": "harm_site",
    "ecosystem": "ecosystem",
    "judgment_hash": "judgment_hash",
    "judged_by": "judged_by",
    "judgment_height": "height",
}
CLOSURE_CELLS: Cells = {
    "closure_outcome": "outcome",
    "closure_document_hash": "document_hash",
    "closed_by": "closed_by",
    "closure_height": "height",
}
CASE_COLUMNS = (*field_names(Case), "status", *JUDGMENT_CELLS, *CLOSURE_CELLS)
"""A case's fields, then its status, judgment and closure (empty cells when none)."""
DECISION_CELLS: Cells = {
    "decision": "decision",
    "decided_fen": "decided_fen",
    "decision_hash": "decision_hash",
    "decided_by": "decided_by",
    "decision_height": "height",
    "paid_fen": "paid_fen",
    "payment_hash": "payment_hash",
    "paid_by": "paid_by",
    "paid_height": "paid_height",
}
POLICY_TOTAL_CELLS: Cells = {
    "policy_sum_insured_fen": "sum_insured_fen",
    "policy_claims": "claims",
    "policy_claimed_fen": "claimed_fen",
    "policy_rejected_fen": "rejected_fen",
    "policy_accepted_fen": "accepted_fen",
    "policy_paid_fen": "paid_fen",
    "policy_over_claimed": "over_claimed",
}
CLAIM_COLUMNS = (*field_names(InsuranceClaim), *DECISION_CELLS, *POLICY_TOTAL_CELLS)
"""A claim's fields (its status as stored), then its decision and payment (empty cells
while filed) and its policy's totals (ADR 0035)."""


def _cells(record: JsonCodec | BatchHeldKg | None, cells: Cells) -> JsonObject:
    """The columns cells names, from record's fields (None, an empty cell, when absent)."""
    stored = {} if record is None else record.to_json()
    return {column: stored.get(name) for column, name in cells.items()}


def _case_row(view: ChainView, row: JsonObject) -> JsonObject:
    status, judgment, closure = view.records.case_lifecycle(Case.from_json(row))
    lifecycle = _cells(judgment, JUDGMENT_CELLS) | _cells(closure, CLOSURE_CELLS)
    return row | {"status": status} | lifecycle


def _project_row(view: ChainView, row: JsonObject) -> JsonObject:
    return row | _cells(view.records.project_tenure(str(row["project_id"])), TENURE_CELLS)


def _issuance_row(view: ChainView, row: JsonObject) -> JsonObject:
    batch_id = str(row["batch_id"])
    held = _cells(view.records.batch_held_kg(batch_id), HELD_CELLS)
    return row | held | _cells(view.records.batch_links(batch_id), LINK_CELLS)


def _retirement_row(view: ChainView, row: JsonObject) -> JsonObject:
    retirement = Retirement.from_json(row)
    batch = view.records.batch(retirement.batch_id)
    verification = None if batch is None else view.records.verification_behind(batch)
    verifier = None
    if isinstance(verification, AttestedVerification):
        verifier = verification.verifier
    elif verification is not None:
        verifier = verification.verification_body
    case = None if retirement.case_id is None else view.records.case(retirement.case_id)
    return row | {
        "verification_id": None if batch is None else batch.verification_id,
        "verifier": verifier,
        "case_status": None if case is None else view.records.case_lifecycle(case)[0],
    }


def _claim_row(view: ChainView, row: JsonObject) -> JsonObject:
    decision = view.records.claim_decision(str(row["claim_id"]))
    totals = view.records.policy_claim_totals(str(row["policy_id"]))
    return row | _cells(decision, DECISION_CELLS) | _cells(totals, POLICY_TOTAL_CELLS)


EXPORTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "projects": ("project/", PROJECT_COLUMNS),
    "attested-verifications": ("attested_verification/", ATTESTED_VERIFICATION_COLUMNS),
    "issuances": ("batch/", ISSUANCE_COLUMNS),
    "cases": ("case/", CASE_COLUMNS),
    "retirements": ("retirement/", RETIREMENT_COLUMNS),
    "considerations": ("consideration/", consideration_view.CSV_COLUMNS),
    "reversals": ("reversal/", field_names(Reversal)),
    "insurance-claims": ("insurance_claim/", CLAIM_COLUMNS),
    "pledges": ("pledge/", field_names(Pledge)),
    "auctions": ("auction/", auction_view.LOT_CSV_COLUMNS),
    "auction-bids": ("auction_bid/", auction_view.BID_CSV_COLUMNS),
}
"""Export kind -> (state key prefix of its records, CSV columns)."""
ROW_ADDITIONS: dict[str, Callable[[ChainView, JsonObject], JsonObject]] = {
    "projects": _project_row,
    "issuances": _issuance_row,
    "cases": _case_row,
    "retirements": _retirement_row,
    "considerations": lambda _view, row: consideration_view.csv_row(row),
    "auctions": lambda _view, row: auction_view.lot_csv_row(row),
    "auction-bids": lambda _view, row: auction_view.bid_csv_row(row),
    "insurance-claims": _claim_row,
}
"""Export kind -> what its rows add to the stored record."""


def _cell(row: JsonObject, column: str) -> str:
    """One cell of a record's stored JSON (time_utc8: its time_ms as a UTC+8 time)."""
    value = row["time_ms"] if column == "time_utc8" else row[column]
    if column == "time_utc8" and isinstance(value, int):
        return time_text(value)
    if value is None:
        return ""
    if column == "ranges" and isinstance(value, list):
        return " ".join(f"{first}-{last}" for first, last in _pairs(value))
    if isinstance(value, list):
        return " ".join(_item_text(item) for item in value)
    text = str(value)
    # A cell starting with = + - @ is a formula to a spreadsheet (CSV injection); quote it.
    # Spreadsheets skip leading whitespace before deciding, so " =1+1" is a formula too.
    risky = text[:1].isspace() or text.lstrip()[:1] in FORMULA_STARTS
    return "'" + text if risky else text


def _item_text(item: object) -> str:
    """One item of a list cell; an object (a report's {label, sha256}) as label:sha256."""
    if isinstance(item, dict):
        return ":".join(str(part) for part in item.values())
    return str(item)


def export_csv(view: ChainView, kind: str) -> str | None:
    """The CSV text of one export kind, or None for an unknown kind."""
    if kind not in EXPORTS:
        return None
    prefix, columns = EXPORTS[kind]
    records = view.state_page(prefix, None, EXPORT_ROWS_MAX)
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    add = ROW_ADDITIONS.get(kind)
    for _key, row in records:
        assert isinstance(row, dict), f"stored {prefix} record is not an object"
        full = row if add is None else add(view, row)
        writer.writerow([_cell(full, column) for column in columns])
    return out.getvalue()


def _pairs(ranges: Sequence[object]) -> list[tuple[object, object]]:
    return [(pair[0], pair[1]) for pair in ranges if isinstance(pair, list) and len(pair) == 2]
