"""Sealed-bid auctions (ADR 0034) in the web registry, in both languages: the list of lots
and the page of one lot (its serials, reserve, windows in heights, the bids in commit
order and, once settled, the winner, the price, the total and the bids that could not win).

A revealed price is shown only after the lot's reveal window has closed, so the page never
tells a late revealer what the others bid; a salt is never shown (the bid records hold
none, and the page does not read reveal txs).
"""

from collections.abc import Sequence

from contracts.auction_records import Bid, Lot, LotStatus
from node.chain_view import ChainView
from node.web.auction_view import lots_table, optional_price, windows_text, winner_cell
from node.web.columns import Column, record_table
from node.web.consideration_view import price_text
from node.web.formatting import kg_text, short_hex, yuan_text
from node.web.layout import Context, Page, mono, muted, section
from node.web.links import (
    account_link,
    batch_link,
    block_link,
    institution_link,
    key_link,
    range_link,
    tx_link,
)
from node.web.markup import Html, definitions, element, join
from node.web.page_parts import check_slug, list_note, require


def auctions_page(ctx: Context, view: ChainView) -> Page:
    lots, truncated = view.records.lots()
    body = join([lots_table(ctx, lots), list_note(ctx, truncated)])
    return Page(title=ctx.t("auctions.title"), body=body)


def auction_page(ctx: Context, view: ChainView, lot_id: str) -> Page:
    lot = require(view.records.lot(check_slug(lot_id, "lot")), "lot", lot_id)
    bids = view.records.lot_bids(lot)
    prices_shown = view.height > lot.reveal_end_height
    body = join(
        [
            definitions(_lot_pairs(ctx, view, lot)),
            section(ctx.t("auction.bids"), _bids_table(ctx, lot, bids, prices_shown)),
            _outcome(ctx, lot),
        ]
    )
    return Page(title=ctx.t("auction.title", id=lot_id), body=body)


def _lot_pairs(ctx: Context, view: ChainView, lot: Lot) -> list[tuple[object, object]]:
    ranges = join(
        element("div", range_link(ctx, lot.batch_id, first, last)) for first, last in lot.ranges
    )
    return [
        (ctx.t("f.lot"), lot.lot_id),
        (ctx.t("f.status"), join([ctx.code(lot.status), " ", muted(_stage(ctx, view, lot))])),
        (ctx.t("auction.seller"), account_link(ctx, lot.account_id)),
        (ctx.t("auction.operator"), institution_link(ctx, lot.operator)),
        (ctx.t("f.batch"), batch_link(ctx, lot.batch_id)),
        (ctx.t("f.quantity"), kg_text(lot.quantity_kg)),
        (ctx.t("f.serials"), ranges),
        (ctx.t("auction.reserve"), price_text(lot.reserve_fen_per_t)),
        (ctx.t("consideration.currency"), ctx.code(lot.currency)),
        (ctx.t("auction.windows"), windows_text(ctx, lot)),
        (ctx.t("auction.terms_hash"), mono(lot.terms_hash.hex())),
        (
            ctx.t("auction.opened"),
            join([block_link(ctx, lot.height), " · ", key_link(ctx, view, lot.opened_by.hex())]),
        ),
    ]


def _stage(ctx: Context, view: ChainView, lot: Lot) -> str:
    """Where the lot stands at this node's height."""
    if lot.status != LotStatus.OPEN:
        assert lot.settled_height is not None
        return ctx.t("auction.stage_settled", height=f"{lot.settled_height:,}")
    if view.height <= lot.bid_end_height:
        return ctx.t("auction.stage_bidding", height=f"{lot.bid_end_height:,}")
    if view.height <= lot.reveal_end_height:
        return ctx.t("auction.stage_reveal", height=f"{lot.reveal_end_height:,}")
    return ctx.t("auction.stage_ended")


def _bids_table(ctx: Context, lot: Lot, bids: Sequence[Bid], prices_shown: bool) -> Html:
    def revealed(ctx: Context, bid: Bid) -> object:
        if bid.revealed_price_fen_per_t is None:
            return ctx.t("auction.not_revealed")
        if not prices_shown:
            return ctx.t("auction.sealed_until", height=f"{lot.reveal_end_height:,}")
        return price_text(bid.revealed_price_fen_per_t)

    def reveal_tx(ctx: Context, bid: Bid) -> object:
        return "—" if bid.reveal_tx_id is None else tx_link(ctx, bid.reveal_tx_id.hex())

    columns: Sequence[Column[Bid]] = (
        ("auction.seq", lambda ctx, bid: bid.seq),
        ("auction.bidder", lambda ctx, bid: account_link(ctx, bid.bidder_account)),
        ("auction.committed", lambda ctx, bid: block_link(ctx, bid.height)),
        ("f.tx_id", lambda ctx, bid: tx_link(ctx, bid.tx_id.hex())),
        (
            "auction.commitment",
            lambda ctx, bid: mono(short_hex(bid.commitment.hex(), 16), bid.commitment.hex()),
        ),
        ("auction.revealed", revealed),
        ("auction.reveal_tx", reveal_tx),
    )
    return record_table(ctx, columns, bids, empty="list.none", id="bids")


def _outcome(ctx: Context, lot: Lot) -> Html:
    if lot.status == LotStatus.OPEN:
        return Html("")
    assert lot.settle_tx_id is not None
    none = ctx.t("auction.none")
    unrevealed = join((account_link(ctx, who) for who in lot.unrevealed), "、") or none
    invalid = (
        join(
            (
                join([account_link(ctx, bid.bidder_account), f" ({ctx.code(bid.reason)})"])
                for bid in lot.invalid
            ),
            "、",
        )
        or none
    )
    pairs: list[tuple[object, object]] = [
        (ctx.t("auction.result"), ctx.code(lot.status)),
        (ctx.t("auction.winner"), winner_cell(ctx, lot)),
        (ctx.t("auction.price"), optional_price(lot.price_fen_per_t)),
        (
            ctx.t("consideration.total"),
            "—" if lot.total_fen is None else yuan_text(lot.total_fen),
        ),
        (ctx.t("auction.unrevealed"), unrevealed),
        (ctx.t("auction.invalid"), invalid),
        (ctx.t("auction.settle_tx"), tx_link(ctx, lot.settle_tx_id.hex())),
        (ctx.t("consideration.note"), ctx.t("consideration.not_settled")),
        (ctx.t("auction.verify"), element("code", f"lantan auction verify {lot.lot_id}")),
    ]
    return section(ctx.t("auction.outcome"), definitions(pairs))
