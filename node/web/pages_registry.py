"""Project, issuance batch, serial range, account and institution pages."""

from typing import Any

from node.web.chain_view import LIST_LIMIT, ChainView, Record
from node.web.formatting import kg_text, range_text, time_text
from node.web.layout import Context, Page, PageError, mono, muted, section
from node.web.links import (
    account_link,
    batch_link,
    block_link,
    case_link,
    institution_link,
    key_link,
    optional,
    project_link,
    range_link,
    retirement_link,
    tx_link,
)
from node.web.markup import Html, definitions, element, join, table
from node.web.serial_history import HistoryUnavailableError, SerialEvent, serial_history

SLUG_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789._-")


def check_slug(value: str, what: str) -> str:
    """An identifier of docs/STATE.md ([a-z0-9][a-z0-9._-]{0,63}), else a 400 page."""
    if not 1 <= len(value) <= 64 or not set(value) <= SLUG_CHARS or value[0] in "._-":
        raise PageError(400, f"not a valid {what} id: {value!r}")
    return value


def require(view: ChainView, key: str, what: str) -> Record:
    record = view.record(key)
    if record is None:
        raise PageError(404, f"no {what} {key.split('/', 1)[1]!r} on this chain")
    return record


def name_in(ctx: Context, record: Record) -> str:
    english, chinese = record.get("name_en") or "", record.get("name_zh") or ""
    return str(chinese or english) if ctx.lang.value == "zh" else str(english or chinese)


def list_note(ctx: Context, truncated: bool) -> Html:
    return muted(ctx.t("list.truncated", count=LIST_LIMIT)) if truncated else Html("")


def projects_page(ctx: Context, view: ChainView) -> Page:
    projects, truncated = view.records("project/")
    rows = [
        [
            project_link(ctx, str(p["project_id"])),
            name_in(ctx, p),
            ctx.code(p.get("ecosystem")),
            p.get("accounting_standard"),
            p.get("location"),
        ]
        for p in projects
    ]
    headers = [
        ctx.t("f.project"),
        ctx.t("f.name"),
        ctx.t("f.ecosystem"),
        ctx.t("f.standard"),
        ctx.t("f.location"),
    ]
    body = join(
        [
            table(headers, rows, id="projects") if rows else element("p", ctx.t("list.none")),
            list_note(ctx, truncated),
            export_links(ctx),
        ]
    )
    return Page(title=ctx.t("projects.title"), body=body)


def export_links(ctx: Context) -> Html:
    items = [
        element("li", element("a", ctx.t(f"export.{kind}"), href=f"/export/{kind}.csv"))
        for kind in ("projects", "issuances", "retirements")
    ]
    return section(ctx.t("export.title"), element("ul", join(items), class_="exports"))


def project_page(ctx: Context, view: ChainView, project_id: str) -> Page:
    project = require(view, f"project/{check_slug(project_id, 'project')}", "project")
    fields = definitions(
        [
            (ctx.t("f.project"), project["project_id"]),
            (
                ctx.t("f.name"),
                join([project.get("name_zh", ""), element("br"), project.get("name_en", "")]),
            ),
            (ctx.t("f.ecosystem"), ctx.code(project.get("ecosystem"))),
            (ctx.t("f.location"), project.get("location")),
            (ctx.t("f.standard"), project.get("accounting_standard")),
            (ctx.t("f.owner"), project.get("owner")),
            (ctx.t("f.issuer"), institution_link(ctx, str(project.get("issuer")))),
            (
                ctx.t("f.documents"),
                join(element("div", mono(h)) for h in project.get("document_hashes", [])),
            ),
        ]
    )
    verifications = [
        v for v in view.records("verification/")[0] if v.get("project_id") == project_id
    ]
    verification_rows = [
        [
            v["verification_id"],
            f"{v.get('period_start')} – {v.get('period_end')}",
            v.get("verification_body"),
            kg_text(int(v.get("verified_kg", 0))),
            kg_text(int(v.get("issued_kg", 0))),
        ]
        for v in verifications
    ]
    batches = [b for b in view.records("batch/")[0] if b.get("project_id") == project_id]
    body = join(
        [
            fields,
            section(
                ctx.t("project.verifications"),
                table(
                    [
                        ctx.t("f.verification"),
                        ctx.t("f.period"),
                        ctx.t("f.verifier"),
                        ctx.t("f.verified"),
                        ctx.t("f.issued"),
                    ],
                    verification_rows,
                ),
            ),
            section(ctx.t("project.batches"), batches_table(ctx, batches)),
        ]
    )
    return Page(title=ctx.t("project.title", id=project_id), body=body)


def batches_table(ctx: Context, batches: list[Record]) -> Html:
    rows = [
        [
            batch_link(ctx, str(b["batch_id"])),
            b.get("vintage"),
            kg_text(int(b.get("quantity_kg", 0))),
            kg_text(int(b.get("buffer_kg", 0))),
            kg_text(int(b.get("retired_kg", 0))),
        ]
        for b in batches
    ]
    headers = [
        ctx.t("f.batch"),
        ctx.t("f.vintage"),
        ctx.t("f.quantity"),
        ctx.t("f.buffer"),
        ctx.t("f.retired"),
    ]
    return table(headers, rows, class_="batches")


def batch_page(ctx: Context, view: ChainView, batch_id: str) -> Page:
    batch = require(view, f"batch/{check_slug(batch_id, 'batch')}", "issuance batch")
    quantity, buffer = int(batch.get("quantity_kg", 0)), int(batch.get("buffer_kg", 0))
    fields = definitions(
        [
            (ctx.t("f.batch"), batch_id),
            (ctx.t("f.project"), project_link(ctx, str(batch.get("project_id")))),
            (ctx.t("f.verification"), batch.get("verification_id")),
            (ctx.t("f.vintage"), batch.get("vintage")),
            (ctx.t("f.quantity"), kg_text(quantity)),
            (ctx.t("f.buffer"), kg_text(buffer)),
            (ctx.t("f.retired"), kg_text(int(batch.get("retired_kg", 0)))),
            (ctx.t("f.cancelled"), kg_text(int(batch.get("cancelled_kg", 0)))),
            (ctx.t("f.serials"), range_link(ctx, batch_id, 1, quantity + buffer)),
            (ctx.t("batch.issued_by"), tx_link(ctx, str(batch.get("tx_id")), short=False)),
        ]
    )
    blocks, truncated = view.records(f"serials/{batch_id}/")
    body = join(
        [
            fields,
            section(ctx.t("batch.blocks"), serial_blocks_table(ctx, blocks)),
            list_note(ctx, truncated),
        ]
    )
    return Page(title=ctx.t("batch.title", id=batch_id), body=body)


def serial_blocks_table(ctx: Context, blocks: list[Record]) -> Html:
    rows = [
        [
            range_link(ctx, str(b["batch_id"]), int(b["first_serial"]), int(b["last_serial"])),
            kg_text(int(b["last_serial"]) - int(b["first_serial"]) + 1),
            element("span", ctx.code(b.get("status")), class_=f"status status-{b.get('status')}"),
            optional(
                None if b.get("account_id") is None else account_link(ctx, str(b["account_id"]))
            ),
            optional(
                None
                if b.get("retirement_id") is None
                else retirement_link(ctx, str(b["retirement_id"]))
            ),
            optional(None if b.get("case_id") is None else case_link(ctx, str(b["case_id"]))),
        ]
        for b in blocks
    ]
    headers = [
        ctx.t("f.range"),
        ctx.t("f.quantity"),
        ctx.t("f.status"),
        ctx.t("f.account"),
        ctx.t("f.retirement"),
        ctx.t("f.case"),
    ]
    return table(headers, rows, class_="serial-blocks")


def parse_range(text: str) -> tuple[int, int]:
    first_text, dash, last_text = text.partition("-")
    if not dash or not first_text.isdigit() or not last_text.isdigit() or len(text) > 33:
        raise PageError(400, f"a serial range is FIRST-LAST, not {text!r}")
    first, last = int(first_text), int(last_text)
    if not 1 <= first <= last:
        raise PageError(400, f"serial range {first}-{last} is empty or starts below 1")
    return first, last


def serial_range_page(ctx: Context, view: ChainView, batch_id: str, range_text_: str) -> Page:
    batch = require(view, f"batch/{check_slug(batch_id, 'batch')}", "issuance batch")
    first, last = parse_range(range_text_)
    top = int(batch.get("quantity_kg", 0)) + int(batch.get("buffer_kg", 0))
    if last > top:
        raise PageError(404, f"batch {batch_id} has serials 1–{top:,} only")
    blocks = [
        b
        for b in view.records(f"serials/{batch_id}/", limit=100_000)[0]
        if int(b["first_serial"]) <= last and first <= int(b["last_serial"])
    ]
    try:
        history = history_table(
            ctx, serial_history(view.service).events(batch_id, first, last), first, last
        )
    except HistoryUnavailableError as error:
        history = element("p", ctx.t("range.unavailable", detail=str(error)), class_="error")
    fields = definitions(
        [
            (ctx.t("f.batch"), batch_link(ctx, batch_id)),
            (ctx.t("f.project"), project_link(ctx, str(batch.get("project_id")))),
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


def _block_text(ctx: Context, block: dict[str, Any] | None) -> str:
    if block is None:
        return "∅"
    holder = block.get("account_id") or ctx.code("buffer")
    serials = range_text(int(block["first_serial"]), int(block["last_serial"]))
    return f"{serials} {ctx.code(block.get('status'))} @ {holder}"


def _change_text(
    ctx: Context, before: dict[str, Any] | None, after: dict[str, Any] | None, first: int, last: int
) -> str:
    del first, last  # the rows already keep only the writes that touch the range
    return f"{_block_text(ctx, before)} → {_block_text(ctx, after)}"


def account_page(ctx: Context, view: ChainView, account_id: str) -> Page:
    account = require(view, f"account/{check_slug(account_id, 'account')}", "account")
    fields = definitions(
        [
            (ctx.t("f.account"), account_id),
            (ctx.t("f.name"), account.get("display_name")),
            (ctx.t("f.kind"), ctx.code(account.get("kind"))),
            (ctx.t("f.custodian"), institution_link(ctx, str(account.get("custodian")))),
            (ctx.t("f.holder"), key_link(ctx, view, str(account.get("holder_key")))),
        ]
    )
    holdings, _ = view.records(f"holding/{account_id}/")
    rows = []
    for holding in holdings:
        batch_id = str(holding["batch_id"])
        blocks = [
            view.record(f"serials/{batch_id}/{int(f):016d}")
            for f in holding.get("block_firsts", [])
        ]
        ranges = join(
            element(
                "div",
                join(
                    [
                        range_link(ctx, batch_id, int(b["first_serial"]), int(b["last_serial"])),
                        " ",
                        ctx.code(b.get("status")),
                    ]
                ),
            )
            for b in blocks
            if b is not None
        )
        rows.append(
            [
                batch_link(ctx, batch_id),
                kg_text(int(holding.get("active_kg", 0))),
                kg_text(int(holding.get("frozen_kg", 0))),
                kg_text(int(holding.get("retired_kg", 0))),
                ranges,
            ]
        )
    headers = [
        ctx.t("f.batch"),
        ctx.t("f.active"),
        ctx.t("f.frozen"),
        ctx.t("f.retired"),
        ctx.t("f.serials"),
    ]
    holdings_html = (
        table(headers, rows, id="holdings") if rows else element("p", ctx.t("account.none"))
    )
    body = join([fields, section(ctx.t("account.holdings"), holdings_html)])
    return Page(title=ctx.t("account.title", id=account_id), body=body)


def institution_page(ctx: Context, view: ChainView, institution_id: str) -> Page:
    institution = require(
        view, f"institution/{check_slug(institution_id, 'institution')}", "institution"
    )
    validator_names = {v.name for v in view.current_validators().validators}
    keys = join(element("div", mono(k)) for k in institution.get("public_keys", []))
    pairs: list[tuple[object, object]] = [
        (ctx.t("f.institution"), institution_id),
        (
            ctx.t("f.name"),
            join([institution.get("name_zh", ""), element("br"), institution.get("name_en", "")]),
        ),
        (ctx.t("f.roles"), "、".join(ctx.code(r) for r in institution.get("roles", []))),
        (ctx.t("f.public_key"), keys),
    ]
    if institution_id in validator_names:
        pairs.append((ctx.t("f.validators"), ctx.t("institution.validator")))
    return Page(title=ctx.t("institution.title", id=institution_id), body=definitions(pairs))
