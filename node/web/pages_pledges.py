"""The page of one pledge (ADR 0032): who pledged which serials to which lender, for what
agreement and loan, and what became of it; in both languages."""

from contracts.pledge_records import Pledge
from contracts.state_keys import pledge_key
from node.chain_view import ChainView
from node.web.formatting import kg_text
from node.web.layout import Context, Page, mono
from node.web.links import account_link, batch_link, institution_link, range_link
from node.web.markup import definitions, element, join
from node.web.page_parts import check_slug, require


def pledge_page(ctx: Context, view: ChainView, pledge_id: str) -> Page:
    key = pledge_key(check_slug(pledge_id, "pledge"))
    stored = view.state_json(key)
    pledge = require(None if stored is None else Pledge.from_json(stored), "pledge", pledge_id)
    ranges = join(
        element("div", range_link(ctx, pledge.batch_id, first, last))
        for first, last in pledge.ranges
    )
    pairs: list[tuple[object, object]] = [
        (ctx.t("f.pledge"), pledge.pledge_id),
        (ctx.t("f.status"), ctx.code(pledge.status)),
        (ctx.t("f.account"), account_link(ctx, pledge.account_id)),
        (ctx.t("f.lender"), institution_link(ctx, pledge.lender)),
        (ctx.t("f.batch"), batch_link(ctx, pledge.batch_id)),
        (ctx.t("f.quantity"), kg_text(pledge.quantity_kg)),
        (ctx.t("f.serials"), ranges),
        (ctx.t("f.agreement_hash"), mono(pledge.agreement_hash.hex())),
        (ctx.t("f.loan_reference_hash"), mono(pledge.loan_reference_hash.hex())),
        (ctx.t("f.height"), str(pledge.height)),
    ]
    if pledge.closed_height is not None:
        pairs.append((ctx.t("f.closed_height"), str(pledge.closed_height)))
    if pledge.enforced_to is not None and pledge.enforced_with is not None:
        pairs.append((ctx.t("f.enforced_to"), account_link(ctx, pledge.enforced_to)))
        pairs.append((ctx.t("f.enforced_with"), institution_link(ctx, pledge.enforced_with)))
    return Page(title=ctx.t("pledge.title", id=pledge_id), body=definitions(pairs))
