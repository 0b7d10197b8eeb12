"""CSV exports of projects, accredited verifications, issuances and retirements (UTF-8 with
BOM, so Excel reads 中文).

Columns are the records' fields, taken from the record types themselves (so a field added
to a record appears here too); amounts stay integer kg. Rows are the records' stored JSON as
the state map holds it (ChainView.state_page): a cell shows exactly what the chain holds, and
no record is parsed into its type only to be written back to JSON.
"""

import csv
import io
from collections.abc import Sequence

from contracts.case_records import Retirement
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


EXPORTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "projects": ("project/", PROJECT_COLUMNS),
    "attested-verifications": ("attested_verification/", ATTESTED_VERIFICATION_COLUMNS),
    "issuances": ("batch/", ISSUANCE_COLUMNS),
    "retirements": ("retirement/", RETIREMENT_COLUMNS),
}
"""Export kind -> (state key prefix of its records, CSV columns)."""


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
    for _key, row in records:
        assert isinstance(row, dict), f"stored {prefix} record is not an object"
        writer.writerow([_cell(row, column) for column in columns])
    return out.getvalue()


def _pairs(ranges: Sequence[object]) -> list[tuple[object, object]]:
    return [(pair[0], pair[1]) for pair in ranges if isinstance(pair, list) and len(pair) == 2]
