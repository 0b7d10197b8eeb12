"""Sealed-bid auctions (ADR 0034) shown beside other records: the table of lots (the auctions
page, a batch page) and the CSV exports, whose rows are a lot's and a bid's stored fields,
then their prices and totals in yuan (exact, two decimals), as the considerations export
shows them. The pages of lots are node/web/pages_auctions.py."""

from collections.abc import Sequence

from client.amounts import yuan_digits
from contracts.auction_records import Bid, Lot
from node.chain_view import ChainView
from node.registry_records import LIST_LIMIT
from node.web.columns import Column, record_table
from node.web.consideration_view import price_text
from node.web.formatting import kg_text
from node.web.layout import Context, muted, section
from node.web.links import account_link, batch_link, lot_link
from node.web.markup import Html, join
from protocol.codec import field_names
from protocol.encoding import JsonObject, JsonValue

LOT_CSV_COLUMNS = (
    *field_names(Lot),
    "reserve_yuan_per_t",
    "price_yuan_per_t",
    "total_yuan",
)
"""A lot's fields, then its reserve, winning price and total in yuan (empty until settled)."""
BID_CSV_COLUMNS = (*field_names(Bid), "revealed_price_yuan_per_t")
"""A bid's fields (never a salt: the bid record holds none), then its revealed price in yuan."""


def _yuan(value: JsonValue) -> str | None:
    return None if not isinstance(value, int) else yuan_digits(value, grouped=False)


def lot_csv_row(row: JsonObject) -> JsonObject:
    lot = Lot.from_json(row)
    return row | {
        "reserve_yuan_per_t": _yuan(lot.reserve_fen_per_t),
        "price_yuan_per_t": _yuan(lot.price_fen_per_t),
        "total_yuan": _yuan(lot.total_fen),
    }


def bid_csv_row(row: JsonObject) -> JsonObject:
    bid = Bid.from_json(row)
    return row | {"revealed_price_yuan_per_t": _yuan(bid.revealed_price_fen_per_t)}


def optional_price(fen_per_t: int | None) -> object:
    return "—" if fen_per_t is None else price_text(fen_per_t)


def winner_cell(ctx: Context, lot: Lot) -> object:
    return "—" if lot.winner_account is None else account_link(ctx, lot.winner_account)


def windows_text(ctx: Context, lot: Lot) -> str:
    return ctx.t(
        "auction.windows_text",
        first=f"{lot.height + 1:,}",
        bid_end=f"{lot.bid_end_height:,}",
        reveal_first=f"{lot.bid_end_height + 1:,}",
        reveal_end=f"{lot.reveal_end_height:,}",
    )


LOT_COLUMNS: Sequence[Column[Lot]] = (
    ("f.lot", lambda ctx, lot: lot_link(ctx, lot.lot_id)),
    ("f.account", lambda ctx, lot: account_link(ctx, lot.account_id)),
    ("f.batch", lambda ctx, lot: batch_link(ctx, lot.batch_id)),
    ("f.quantity", lambda ctx, lot: kg_text(lot.quantity_kg)),
    ("auction.reserve", lambda ctx, lot: price_text(lot.reserve_fen_per_t)),
    ("auction.windows", windows_text),
    ("f.status", lambda ctx, lot: ctx.code(lot.status)),
    ("auction.winner", winner_cell),
    ("auction.price", lambda ctx, lot: optional_price(lot.price_fen_per_t)),
)


def lots_table(ctx: Context, lots: Sequence[Lot]) -> Html:
    return record_table(ctx, LOT_COLUMNS, lots, empty="list.none", class_="lots")


def batch_lots(ctx: Context, view: ChainView, batch_id: str) -> Html:
    """The lots of a batch's serials, for its page; nothing when it has none."""
    lots, truncated = view.records.lots()
    mine = [lot for lot in lots if lot.batch_id == batch_id]
    if not mine:
        return Html("")
    note = muted(ctx.t("list.truncated", count=LIST_LIMIT)) if truncated else Html("")
    return section(ctx.t("batch.auctions"), join([lots_table(ctx, mine), note]))
