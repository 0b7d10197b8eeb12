"""CSV exports of projects, accredited verifications, issuances, cases and retirements (UTF-8
with BOM, so Excel reads 中文).

Columns are the records' fields, taken from the record types themselves (so a field added
to a record appears here too); amounts stay integer kg. Rows are the records' stored JSON as
the state map holds it (ChainView.state_page): a cell shows exactly what the chain holds, and
no record is parsed into its type only to be written back to JSON. A case row adds its
status, judgment and closure (ADR 0029), read from their own records.
"""

import csv
import io
from collections.abc import Callable, Sequence

from contracts.case_records import Case, Retirement
from contracts.credit_records import AttestedVerification, IssuanceBatch, Project
from node.chain_view import ChainView
from node.web.formatting import time_text
from protocol.codec import field_names
from protocol.encoding import JsonObject

EXPORT_ROWS_MAX = 100_000
FORMULA_STARTS = frozenset("=+-@\t\r\uff1d\uff0b\uff0d\uff20")
"""= + - @ tab CR, and their fullwidth forms (＝＋－＠), which spreadsheets also evaluate."""

PROJECT_COLUMNS = field_names(Project)
ATTESTED_VERIFICATION_COLUMNS = field_names(AttestedVerification)
ISSUANCE_COLUMNS = field_names(IssuanceBatch)
RETIREMENT_COLUMNS = (*field_names(Retirement), "time_utc8")
JUDGMENT_COLUMNS = (
    "judgment_date",
    "compensation_fen",
    "harm_site",
    "ecosystem",
    "judgment_hash",
    "judged_by",
)
CASE_COLUMNS = (
    *field_names(Case),
    "status",
    *JUDGMENT_COLUMNS,
    "judgment_height",
    "closure_outcome",
    "closure_document_hash",
    "closed_by",
    "closure_height",
)
"""A case's fields, then its status, judgment and closure (empty cells when none)."""


def _case_row(view: ChainView, row: JsonObject) -> JsonObject:
    status, judgment, closure = view.records.case_lifecycle(Case.from_json(row))
    added: JsonObject = {"status": status}
    judged = {} if judgment is None else judgment.to_json()
    added |= {column: judged.get(column) for column in JUDGMENT_COLUMNS}
    added["judgment_height"] = judged.get("height")
    closed = {} if closure is None else closure.to_json()
    added["closure_outcome"] = closed.get("outcome")
    added["closure_document_hash"] = closed.get("document_hash")
    added["closed_by"] = closed.get("closed_by")
    added["closure_height"] = closed.get("height")
    return row | added


EXPORTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "projects": ("project/", PROJECT_COLUMNS),
    "attested-verifications": ("attested_verification/", ATTESTED_VERIFICATION_COLUMNS),
    "issuances": ("batch/", ISSUANCE_COLUMNS),
    "cases": ("case/", CASE_COLUMNS),
    "retirements": ("retirement/", RETIREMENT_COLUMNS),
}
"""Export kind -> (state key prefix of its records, CSV columns)."""
ROW_ADDITIONS: dict[str, Callable[[ChainView, JsonObject], JsonObject]] = {"cases": _case_row}
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
