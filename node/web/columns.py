"""Record tables: one row a record, one column a (label, cell) pair.

A list page names its columns once, label next to the cell that fills it, instead of a
row comprehension and a header list that must be kept in the same order by hand.
"""

from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

from node.web.layout import Context
from node.web.markup import Html, element, table

R = TypeVar("R")

# The i18n key of the header, and what the cell shows for one record.
Column = tuple[str, Callable[[Context, R], object]]


def record_table(
    ctx: Context,
    columns: Sequence[Column[R]],
    records: Iterable[R],
    *,
    empty: str | None = None,
    **attributes: object,
) -> Html:
    """The records as a table; with `empty` (an i18n key), that line instead of an empty table."""
    rows = [[cell(ctx, record) for _, cell in columns] for record in records]
    if not rows and empty is not None:
        return element("p", ctx.t(empty))
    return table([ctx.t(label) for label, _ in columns], rows, **attributes)
