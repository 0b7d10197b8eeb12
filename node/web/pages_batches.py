"""An issuance batch's page (its serial blocks, links, considerations, lots) and a serial
range's page with its history.
"""

from collections.abc import Sequence

from contracts.credit_records import (
    IssuanceBatch,
    SerialBlock,
)
from contracts.link_records import BatchLinks
from node.chain_view import ChainView
from node.registry_records import LIST_LIMIT, SERIALS_LIMIT
from node.web.auction_view import batch_lots
from node.web.columns import Column, record_table
from node.web.consideration_view import considerations_table
from node.web.formatting import (
    kg_text,
    range_text,
    time_text,
)
from node.web.layout import Context, Page, PageError, mono, muted, section
from node.web.links import (
    account_link,
    batch_link,
    block_link,
    case_link,
    optional,
    project_link,
    range_link,
    retirement_link,
    tx_link,
    verification_or_text,
)
from node.web.markup import Html, definitions, element, join, segment, table
from node.web.page_parts import (
    check_slug,
    list_note,
    require,
)
from node.web.pages_reversals import reversals_section
from node.web.serial_history import HistoryUnavailableError, SerialEvent
from protocol.fields import is_decimal

BATCH_COLUMNS: Sequence[Column[IssuanceBatch]] = (
    ("f.batch", lambda ctx, b: batch_link(ctx, b.batch_id)),
    ("f.vintage", lambda ctx, b: b.vintage),
    ("f.quantity", lambda ctx, b: kg_text(b.quantity_kg)),
    ("f.buffer", lambda ctx, b: kg_text(b.buffer_kg)),
    ("f.retired", lambda ctx, b: kg_text(b.retired_kg)),
)


def batches_table(ctx: Context, batches: list[IssuanceBatch]) -> Html:
    return record_table(ctx, BATCH_COLUMNS, batches, class_="batches")


def batch_page(ctx: Context, view: ChainView, batch_id: str) -> Page:
    batch = require(view.records.batch(check_slug(batch_id, "batch")), "issuance batch", batch_id)
    blocks, truncated = view.records.serial_blocks(batch_id, limit=LIST_LIMIT)
    held = view.records.batch_held_kg(batch_id)
    assert held is not None  # the batch record was read above
    fields = definitions(
        [
            (ctx.t("f.batch"), batch_id),
            (ctx.t("f.project"), project_link(ctx, batch.project_id)),
            (ctx.t("f.verification"), verification_or_text(ctx, view, batch.verification_id)),
            (ctx.t("f.vintage"), batch.vintage),
            (ctx.t("f.quantity"), kg_text(batch.quantity_kg)),
            (ctx.t("f.buffer"), kg_text(batch.buffer_kg)),
            (ctx.t("f.retired"), kg_text(batch.retired_kg)),
            (ctx.t("f.cancelled"), kg_text(batch.cancelled_kg)),
            # Over every block of the batch, not only those listed below (LIST_LIMIT).
            (ctx.t("f.escrowed"), kg_text(held.escrowed_kg)),
            (ctx.t("f.pledged"), kg_text(held.pledged_kg)),
            (ctx.t("f.serials"), range_link(ctx, batch_id, 1, batch.last_serial)),
            (ctx.t("batch.issued_by"), tx_link(ctx, batch.tx_id.hex(), short=False)),
        ]
    )
    body = join(
        [
            fields,
            section(ctx.t("batch.links"), links_fields(ctx, view.records.batch_links(batch_id))),
            section(ctx.t("batch.blocks"), serial_blocks_table(ctx, blocks)),
            list_note(ctx, truncated),
            batch_considerations(ctx, view, batch_id),
            batch_lots(ctx, view, batch_id),
            reversals_section(ctx, view, batch_id=batch_id),
        ]
    )
    return Page(title=ctx.t("batch.title", id=batch_id), body=body)


def batch_considerations(ctx: Context, view: ChainView, batch_id: str) -> Html:
    """The batch's priced transfers (ADR 0031), newest first; nothing when it has none."""
    listed, truncated = view.records.considerations()
    mine = sorted(
        (c for c in listed if c.batch_id == batch_id), key=lambda c: (-c.height, c.tx_id.hex())
    )
    if not mine:
        return Html("")
    table = considerations_table(ctx, mine)
    return section(ctx.t("batch.considerations"), join([table, list_note(ctx, truncated)]))


def links_fields(ctx: Context, links: BatchLinks | None) -> Html:
    """The batch's labels and its ids in other registries (ADR 0028), each id linked to the
    claim that maps it back to this batch (`GET /v1/external-ids/<registry>/<id>`)."""
    if links is None:
        return muted(ctx.t("batch.no_links"))
    labels = "、".join(ctx.code(label) for label in links.labels)
    ids = join(
        element(
            "div",
            join(
                [
                    ctx.code(link.registry),
                    " ",
                    element(
                        "a",
                        mono(link.id_),
                        href=f"/v1/external-ids/{segment(link.registry)}/{segment(link.id_)}",
                    ),
                ]
            ),
        )
        for link in links.external_ids
    )
    fields = definitions(
        [
            (ctx.t("f.labels"), labels or "—"),
            (ctx.t("f.external_ids"), ids if links.external_ids else "—"),
        ]
    )
    return element("div", fields, class_="links")


def _status(ctx: Context, block: SerialBlock) -> Html:
    status = block.status.value
    return element("span", ctx.code(status), class_=f"status status-{status}")


def _block_retirement(ctx: Context, block: SerialBlock) -> Html:
    retirement_id = block.retirement_id
    return optional(None if retirement_id is None else retirement_link(ctx, retirement_id.hex()))


SERIAL_BLOCK_COLUMNS: Sequence[Column[SerialBlock]] = (
    ("f.range", lambda ctx, b: range_link(ctx, b.batch_id, b.first_serial, b.last_serial)),
    ("f.quantity", lambda ctx, b: kg_text(b.quantity_kg)),
    ("f.status", _status),
    (
        "f.account",
        lambda ctx, b: optional(None if b.account_id is None else account_link(ctx, b.account_id)),
    ),
    ("f.retirement", _block_retirement),
    ("f.case", lambda ctx, b: optional(None if b.case_id is None else case_link(ctx, b.case_id))),
)


def serial_blocks_table(ctx: Context, blocks: list[SerialBlock]) -> Html:
    return record_table(ctx, SERIAL_BLOCK_COLUMNS, blocks, class_="serial-blocks")


def parse_range(text: str) -> tuple[int, int]:
    first_text, dash, last_text = text.partition("-")
    if not dash or not is_decimal(first_text) or not is_decimal(last_text) or len(text) > 33:
        raise PageError(400, f"a serial range is FIRST-LAST, not {text!r}")
    first, last = int(first_text), int(last_text)
    if not 1 <= first <= last:
        raise PageError(400, f"serial range {first}-{last} is empty or starts below 1")
    return first, last


def serial_range_page(ctx: Context, view: ChainView, batch_id: str, range_text_: str) -> Page:
    batch = require(view.records.batch(check_slug(batch_id, "batch")), "issuance batch", batch_id)
    first, last = parse_range(range_text_)
    top = batch.last_serial
    if last > top:
        raise PageError(404, f"batch {batch_id} has serials 1–{top:,} only")
    blocks = [
        b
        for b in view.records.serial_blocks(batch_id, limit=SERIALS_LIMIT)[0]
        if b.first_serial <= last and first <= b.last_serial
    ]
    try:
        history = history_table(ctx, view.serial_events(batch_id, first, last), first, last)
    except HistoryUnavailableError as error:
        history = element("p", ctx.t("range.unavailable", detail=str(error)), class_="error")
    fields = definitions(
        [
            (ctx.t("f.batch"), batch_link(ctx, batch_id)),
            (ctx.t("f.project"), project_link(ctx, batch.project_id)),
            (ctx.t("f.range"), range_text(first, last)),
            (ctx.t("f.quantity"), kg_text(last - first + 1)),
        ]
    )
    body = join(
        [
            fields,
            section(ctx.t("range.now"), serial_blocks_table(ctx, blocks)),
            section(ctx.t("range.history"), history),
        ]
    )
    return Page(
        title=ctx.t("range.title", first=f"{first:,}", last=f"{last:,}", batch=batch_id), body=body
    )


def history_table(ctx: Context, events: list[SerialEvent], first: int, last: int) -> Html:
    rows = []
    for event in events:
        changes = join(
            element("li", _change_text(ctx, write.before, write.after, first, last))
            for write in event.writes
            if write.overlaps(first, last)
        )
        rows.append(
            [
                block_link(ctx, event.height),
                time_text(event.time_ms),
                tx_link(ctx, event.tx_id),
                ctx.code(event.tx_type),
                element("ul", changes, class_="changes"),
            ]
        )
    headers = [
        ctx.t("f.height"),
        ctx.t("f.time"),
        ctx.t("f.tx_id"),
        ctx.t("f.type"),
        ctx.t("f.change"),
    ]
    return table(headers, rows, id="range-history")


def _block_text(ctx: Context, block: SerialBlock | None) -> str:
    if block is None:
        return "∅"
    holder = block.account_id or ctx.code("buffer")
    serials = range_text(block.first_serial, block.last_serial)
    return f"{serials} {ctx.code(block.status.value)} @ {holder}"


def _change_text(
    ctx: Context, before: SerialBlock | None, after: SerialBlock | None, first: int, last: int
) -> str:
    del first, last  # the rows already keep only the writes that touch the range
    return f"{_block_text(ctx, before)} → {_block_text(ctx, after)}"
