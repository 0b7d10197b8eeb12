"""CSV exports of projects, issuances and retirements (UTF-8 with BOM, so Excel reads 中文).

Columns are the records' fields, taken from the record types themselves (so a field added
to a record appears here too); amounts stay integer kg.
"""

import csv
import io

from contracts.case_records import Retirement
from contracts.credit_records import IssuanceBatch, Project
from node.web.chain_view import ChainView, Record
from node.web.formatting import time_text
from protocol.codec import field_names

EXPORT_ROWS_MAX = 100_000
FORMULA_STARTS = frozenset("=+-@\t\r\uff1d\uff0b\uff0d\uff20")
"""= + - @ tab CR, and their fullwidth forms (＝＋－＠), which spreadsheets also evaluate."""

PROJECT_COLUMNS = field_names(Project)
ISSUANCE_COLUMNS = field_names(IssuanceBatch)
RETIREMENT_COLUMNS = (*field_names(Retirement), "time_utc8")
EXPORTS = {
    "projects": ("project/", PROJECT_COLUMNS),
    "issuances": ("batch/", ISSUANCE_COLUMNS),
    "retirements": ("retirement/", RETIREMENT_COLUMNS),
}


def _cell(record: Record, column: str) -> str:
    if column == "time_utc8":
        return time_text(int(record.get("time_ms", 0)))
    value = record.get(column)
    if value is None:
        return ""
    if column == "ranges":
        return " ".join(f"{first}-{last}" for first, last in value)
    if isinstance(value, list):
        return " ".join(str(item) for item in value)
    text = str(value)
    # A cell starting with = + - @ is a formula to a spreadsheet (CSV injection); quote it.
    # Spreadsheets skip leading whitespace before deciding, so " =1+1" is a formula too.
    risky = text[:1].isspace() or text.lstrip()[:1] in FORMULA_STARTS
    return "'" + text if risky else text


def export_csv(view: ChainView, kind: str) -> str | None:
    """The CSV text of one export kind, or None for an unknown kind."""
    if kind not in EXPORTS:
        return None
    prefix, columns = EXPORTS[kind]
    records, _ = view.records(prefix, limit=EXPORT_ROWS_MAX)
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for record in records:
        writer.writerow([_cell(record, column) for column in columns])
    return out.getvalue()
