"""Case and retirement pages, and the lists of both."""

from node.web.chain_view import ChainView, Record
from node.web.formatting import kg_text, time_text
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
from node.web.markup import Html, definitions, element, join, segment, table
from node.web.pages_registry import check_slug, list_note, name_in, require


def cases_page(ctx: Context, view: ChainView) -> Page:
    cases, truncated = view.records("case/")
    rows = [
        [
            case_link(ctx, str(c["case_id"])),
            c.get("case_number"),
            institution_link(ctx, str(c.get("court"))),
            kg_text(int(c.get("required_kg", 0))),
            kg_text(int(c.get("retired_kg", 0))),
        ]
        for c in cases
    ]
    headers = [
        ctx.t("f.case"),
        ctx.t("f.case_number"),
        ctx.t("f.court"),
        ctx.t("f.required"),
        ctx.t("f.retired"),
    ]
    body = join(
        [
            table(headers, rows, id="cases") if rows else element("p", ctx.t("list.none")),
            list_note(ctx, truncated),
        ]
    )
    return Page(title=ctx.t("cases.title"), body=body)


def case_page(ctx: Context, view: ChainView, case_id: str) -> Page:
    case = require(view, f"case/{check_slug(case_id, 'case')}", "case")
    court = view.record(f"institution/{case.get('court')}")
    obligors = ", ".join(str(o.get("masked_name")) for o in case.get("obligors", []))
    required, retired = int(case.get("required_kg", 0)), int(case.get("retired_kg", 0))
    fields = definitions(
        [
            (ctx.t("f.case_number"), element("strong", case.get("case_number"))),
            (ctx.t("f.case_type"), case.get("case_type")),
            (
                ctx.t("f.court"),
                join(
                    [
                        institution_link(ctx, str(case.get("court"))),
                        " ",
                        "" if court is None else name_in(ctx, court),
                    ]
                ),
            ),
            (
                ctx.t("f.plaintiff"),
                optional(
                    None
                    if case.get("plaintiff") is None
                    else institution_link(ctx, str(case["plaintiff"]))
                ),
            ),
            (ctx.t("f.registered_by"), case.get("registered_by")),
            (ctx.t("f.obligors"), obligors),
            (ctx.t("f.required"), kg_text(required)),
            (ctx.t("f.retired"), kg_text(retired)),
            (ctx.t("f.document_hash"), mono(case.get("document_hash"))),
        ]
    )
    progress = element(
        "p",
        ctx.t("case.progress", retired=kg_text(retired), required=kg_text(required)),
        class_="progress",
    )
    retirements = [view.record(f"retirement/{r}") for r in case.get("retirement_ids", [])]
    body = join(
        [
            fields,
            progress,
            section(
                ctx.t("case.retirements"),
                retirements_table(ctx, [r for r in retirements if r is not None]),
            ),
        ]
    )
    return Page(title=ctx.t("case.title", id=case_id), body=body)


def retirements_table(ctx: Context, retirements: list[Record]) -> Html:
    rows = [
        [
            retirement_link(ctx, str(r["retirement_id"])),
            ctx.code(r.get("kind")),
            kg_text(int(r.get("quantity_kg", 0))),
            batch_link(ctx, str(r.get("batch_id"))),
            optional(None if r.get("case_id") is None else case_link(ctx, str(r["case_id"]))),
            block_link(ctx, int(r.get("height", 0))),
            time_text(int(r.get("time_ms", 0))),
        ]
        for r in retirements
    ]
    headers = [
        ctx.t("f.retirement"),
        ctx.t("f.kind"),
        ctx.t("f.quantity"),
        ctx.t("f.batch"),
        ctx.t("f.case"),
        ctx.t("f.height"),
        ctx.t("f.time"),
    ]
    return table(headers, rows, class_="retirements") if rows else element("p", ctx.t("list.none"))


def retirements_page(ctx: Context, view: ChainView) -> Page:
    retirements, truncated = view.records("retirement/")
    retirements.sort(key=lambda r: (-int(r.get("height", 0)), str(r.get("retirement_id"))))
    body = join([retirements_table(ctx, retirements), list_note(ctx, truncated)])
    return Page(title=ctx.t("retirements.title"), body=body)


def check_hex_id(value: str, what: str) -> str:
    if len(value) != 64 or any(c not in "0123456789abcdef" for c in value):
        raise PageError(400, f"a {what} id is 64 lowercase hex digits, not {value!r}")
    return value


def retirement_page(
    ctx: Context, view: ChainView, retirement_id: str, *, pdf_available: bool
) -> Page:
    retirement = require(
        view, f"retirement/{check_hex_id(retirement_id, 'retirement')}", "retirement"
    )
    batch = view.record(f"batch/{retirement.get('batch_id')}") or {}
    project_id = str(batch.get("project_id", ""))
    project = view.record(f"project/{project_id}") or {}
    batch_id = str(retirement.get("batch_id"))
    ranges = join(
        (
            element("div", range_link(ctx, batch_id, int(first), int(last)))
            for first, last in retirement.get("ranges", [])
        )
    )
    confirmed = retirement.get("confirmed_by")
    fields = definitions(
        [
            (ctx.t("f.retirement"), mono(retirement_id)),
            (ctx.t("f.kind"), ctx.code(retirement.get("kind"))),
            (
                ctx.t("f.quantity"),
                element(
                    "strong", kg_text(int(retirement.get("quantity_kg", 0))), id="retired-quantity"
                ),
            ),
            (ctx.t("f.serials"), ranges),
            (
                ctx.t("f.batch"),
                join(
                    [
                        batch_link(ctx, batch_id),
                        f" · {ctx.t('f.vintage')} {batch.get('vintage', '')}",
                    ]
                ),
            ),
            (
                ctx.t("f.project"),
                join(
                    [project_link(ctx, project_id), " ", name_in(ctx, project) if project else ""]
                ),
            ),
            (ctx.t("f.account"), account_link(ctx, str(retirement.get("account_id")))),
            (ctx.t("f.beneficiary"), retirement.get("beneficiary")),
            (ctx.t("f.purpose"), ctx.code(retirement.get("purpose"))),
            (ctx.t("f.reason"), retirement.get("reason")),
            (
                ctx.t("f.case"),
                optional(
                    None
                    if retirement.get("case_id") is None
                    else case_link(ctx, str(retirement["case_id"]))
                ),
            ),
            (
                ctx.t("f.confirmed_by"),
                optional(None if confirmed is None else key_link(ctx, view, str(confirmed))),
            ),
            (ctx.t("f.height"), block_link(ctx, int(retirement.get("height", 0)))),
            (ctx.t("f.time"), time_text(int(retirement.get("time_ms", 0)))),
            (ctx.t("f.tx_id"), tx_link(ctx, retirement_id, short=False)),
        ]
    )
    body = join(
        [
            fields,
            section(
                ctx.t("retirement.receipt"),
                receipt_links(ctx, retirement_id, pdf_available=pdf_available),
            ),
        ]
    )
    return Page(title=ctx.t("retirement.title"), body=body)


def receipt_links(ctx: Context, retirement_id: str, *, pdf_available: bool) -> Html:
    quoted = segment(retirement_id)
    items = [
        element(
            "a",
            ctx.t("retirement.receipt_json"),
            href=f"/v1/receipts/{quoted}",
            download=f"lantan-receipt-{retirement_id[:16]}.json",
            id="receipt-json",
        )
    ]
    if pdf_available:
        items.append(
            element(
                "a",
                ctx.t("retirement.receipt_pdf"),
                href=ctx.href(f"/retirements/{quoted}/receipt.pdf"),
                id="receipt-pdf",
            )
        )
    items.append(
        element(
            "a",
            ctx.t("retirement.check"),
            href=ctx.href("/checker", receipt=retirement_id),
            id="receipt-check",
        )
    )
    return join(
        [
            element("ul", join(element("li", item) for item in items), class_="receipt-links"),
            muted(ctx.t("retirement.receipt_note")),
        ]
    )
