"""Plain-text rendering of API records for people: aligned tables and key/value blocks.

Widths count East Asian wide characters as two columns, so tables with Chinese names
line up in a terminal. Long hex strings are shortened; `--json` prints everything.
"""

import json
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any, Final

from client.shown_text import shown

CELL_WIDTH_MAX: Final = 48
HEX_SHOWN: Final = 16
_HEX_DIGITS: Final = frozenset("0123456789abcdef")


def display_width(text: str) -> int:
    """Terminal columns text takes: wide and fullwidth characters count twice."""
    return sum(2 if unicodedata.east_asian_width(char) in ("W", "F") else 1 for char in text)


def pad(text: str, width: int) -> str:
    return text + " " * max(0, width - display_width(text))


def shorten(text: str, width: int = CELL_WIDTH_MAX) -> str:
    """text cut to at most width columns, with an ellipsis when cut."""
    if display_width(text) <= width:
        return text
    kept, used = [], 0
    for char in text:
        used += display_width(char)
        if used > width - 1:
            break
        kept.append(char)
    return "".join(kept) + "…"


def format_cell(value: Any) -> str:
    """One value as table text: '-' for null, hex shortened, lists joined, objects as JSON;
    the chain's free text shown (client/shown_text.py)."""
    return shorten(shown(_cell_text(value)))


def _cell_text(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        if len(value) > HEX_SHOWN + 4 and set(value) <= _HEX_DIGITS:
            return value[:HEX_SHOWN] + "…"
        return value
    if isinstance(value, list) and all(isinstance(v, str | int) for v in value):
        return ", ".join(str(v) for v in value)
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def render_table(items: Sequence[Any], preferred: Sequence[str] = ()) -> str:
    """A header row and one row per item; columns are the preferred ones present, else all."""
    records = [item if isinstance(item, Mapping) else {"value": item} for item in items]
    if not records:
        return "(none)"
    present = [name for name in preferred if any(name in r for r in records)]
    columns = present or list(dict.fromkeys(key for r in records for key in r))
    rows = [[format_cell(r.get(name)) for name in columns] for r in records]
    widths = [
        max(display_width(name), *(display_width(row[i]) for row in rows))
        for i, name in enumerate(columns)
    ]
    lines = [_row(columns, widths), _row(["-" * w for w in widths], widths)]
    lines.extend(_row(row, widths) for row in rows)
    return "\n".join(lines)


def _row(cells: Sequence[str], widths: Sequence[int]) -> str:
    return "  ".join(pad(cell, width) for cell, width in zip(cells, widths, strict=True)).rstrip()


def render_record(record: Any, indent: int = 0) -> str:
    """A record as "name  value" lines; nested objects and lists are indented below."""
    if not isinstance(record, Mapping):
        return " " * indent + shown(json.dumps(record, ensure_ascii=False))
    if not record:
        return " " * indent + "(empty)"
    width = max(display_width(str(key)) for key in record)
    lines = []
    for key, value in record.items():
        label = " " * indent + pad(shown(str(key)), width)
        if isinstance(value, Mapping) and value:
            lines.append(label)
            lines.append(render_record(value, indent + 2))
        elif isinstance(value, list) and any(isinstance(v, Mapping) for v in value):
            lines.append(f"{label}  ({len(value)})")
            for position, item in enumerate(value):
                lines.append(" " * (indent + 2) + f"[{position}]")
                lines.append(render_record(item, indent + 4))
        else:
            lines.append(f"{label}  {shown(_full_value(value))}")
    return "\n".join(lines)


def _full_value(value: Any) -> str:
    # Single records print hashes and keys in full: a person may copy them into a query.
    if value is None:
        return "-"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)
