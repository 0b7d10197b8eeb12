"""CSV exports of projects, issuances and retirements (UTF-8 with BOM, so Excel reads 中文).

Columns are the records' fields, taken from the record types themselves (so a field added
to a record appears here too); amounts stay integer kg. Rows are the typed records of
contracts/ in their stored JSON form (to_json), so a cell shows exactly what the chain holds.
"""

import csv
import io
from collections.abc import Callable, Sequence
from typing import Protocol

from contracts.case_records import Retirement
from contracts.credit_records import IssuanceBatch, Project
from node.chain_view import ChainView
from node.web.formatting import time_text
from protocol.codec import field_names
from protocol.encoding import JsonObject

EXPORT_ROWS_MAX = 100_000
FORMULA_STARTS = frozenset("=+-@\t\r\uff1d\uff0b\uff0d\uff20")
"""= + - @ tab CR, and their fullwidth forms (＝＋－＠), which spreadsheets also evaluate."""

PROJECT_COLUMNS = field_names(Project)
ISSUANCE_COLUMNS = field_names(IssuanceBatch)
RETIREMENT_COLUMNS = (*field_names(Retirement), "time_utc8")


class Record(Protocol):
    """A typed record of contracts/; its to_json is the stored JSON."""

    def to_json(self) -> JsonObject: ...


Lister = Callable[[ChainView], Sequence[Record]]
EXPORTS: dict[str, tuple[Lister, tuple[str, ...]]] = {
    "projects": (lambda view: view.records.projects(EXPORT_ROWS_MAX)[0], PROJECT_COLUMNS),
    "issuances": (lambda view: view.records.batches(EXPORT_ROWS_MAX)[0], ISSUANCE_COLUMNS),
    "retirements": (
        lambda view: view.records.retirements(EXPORT_ROWS_MAX)[0],
        RETIREMENT_COLUMNS,
    ),
}


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
    list_records, columns = EXPORTS[kind]
    records = list_records(view)
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for record in records:
        row = record.to_json()
        writer.writerow([_cell(row, column) for column in columns])
    return out.getvalue()


def _pairs(ranges: Sequence[object]) -> list[tuple[object, object]]:
    return [(pair[0], pair[1]) for pair in ranges if isinstance(pair, list) and len(pair) == 2]
