"""Considerations (ADR 0031) on the web: the price a priced transfer recorded, on its tx page
and its batch page, and the considerations CSV export's columns. The registry records the
money, never settles it; amounts are integer fen shown as yuan (exact, no floats)."""

from collections.abc import Sequence

from client.amounts import yuan_digits
from contracts.consideration_records import Consideration
from node.web.columns import Column, record_table
from node.web.formatting import kg_text, yuan_text
from node.web.layout import Context, mono
from node.web.links import account_link, block_link, tx_link
from node.web.markup import Html, definitions
from protocol.codec import field_names
from protocol.encoding import JsonObject


def price_text(unit_price_fen_per_t: int) -> str:
    """10600 fen/t -> "¥106.00/t"."""
    return f"{yuan_text(unit_price_fen_per_t)}/t"


def consideration_fields(ctx: Context, record: Consideration) -> Html:
    """A consideration as the tx page shows it: price, total, currency, agreement hash."""
    return definitions(
        [
            (ctx.t("consideration.price"), price_text(record.unit_price_fen_per_t)),
            (ctx.t("f.quantity"), kg_text(record.quantity_kg)),
            (ctx.t("consideration.total"), yuan_text(record.total_fen)),
            (ctx.t("consideration.currency"), ctx.code(record.currency)),
            (ctx.t("consideration.agreement"), mono(record.agreement_hash.hex())),
            (ctx.t("consideration.note"), ctx.t("consideration.not_settled")),
        ]
    )


CONSIDERATION_COLUMNS: Sequence[Column[Consideration]] = (
    ("f.tx_id", lambda ctx, c: tx_link(ctx, c.tx_id.hex())),
    ("consideration.from", lambda ctx, c: account_link(ctx, c.from_account)),
    ("consideration.to", lambda ctx, c: account_link(ctx, c.to_account)),
    ("f.quantity", lambda ctx, c: kg_text(c.quantity_kg)),
    ("consideration.price", lambda ctx, c: price_text(c.unit_price_fen_per_t)),
    ("consideration.total", lambda ctx, c: yuan_text(c.total_fen)),
    ("f.height", lambda ctx, c: block_link(ctx, c.height)),
)


def considerations_table(ctx: Context, records: list[Consideration]) -> Html:
    return record_table(
        ctx, CONSIDERATION_COLUMNS, records, empty="list.none", class_="considerations"
    )


CSV_COLUMNS = (*field_names(Consideration), "unit_price_yuan_per_t", "total_yuan")
"""A consideration's fields, then its price and total in yuan (two decimals)."""


def csv_row(row: JsonObject) -> JsonObject:
    """The stored record's row plus its price and total in yuan."""
    record = Consideration.from_json(row)
    return row | {
        "unit_price_yuan_per_t": yuan_digits(record.unit_price_fen_per_t, grouped=False),
        "total_yuan": yuan_digits(record.total_fen, grouped=False),
    }
