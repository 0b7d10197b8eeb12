"""Account and institution pages."""

from contracts.credit_records import SerialStatus
from node.chain_view import ChainView
from node.registry_records import held_kg
from node.web.formatting import kg_text
from node.web.layout import Context, Page, mono, section
from node.web.links import (
    batch_link,
    institution_link,
    key_link,
    range_link,
)
from node.web.markup import definitions, element, join, table
from node.web.page_parts import (
    check_slug,
    require,
)


def account_page(ctx: Context, view: ChainView, account_id: str) -> Page:
    account = require(
        view.records.account(check_slug(account_id, "account")), "account", account_id
    )
    fields = definitions(
        [
            (ctx.t("f.account"), account_id),
            (ctx.t("f.name"), account.display_name),
            (ctx.t("f.kind"), ctx.code(account.kind)),
            (ctx.t("f.custodian"), institution_link(ctx, account.custodian)),
            (ctx.t("f.holder"), key_link(ctx, view, account.holder_key.hex())),
        ]
    )
    holdings, _ = view.records.holdings(account_id)
    rows = []
    for holding in holdings:
        batch_id = holding.batch_id
        blocks = [view.records.serial_block(batch_id, f) for f in holding.block_firsts]
        ranges = join(
            element(
                "div",
                join(
                    [
                        range_link(ctx, batch_id, b.first_serial, b.last_serial),
                        " ",
                        ctx.code(b.status.value),
                    ]
                ),
            )
            for b in blocks
            if b is not None
        )
        rows.append(
            [
                batch_link(ctx, batch_id),
                kg_text(holding.active_kg),
                kg_text(holding.frozen_kg),
                # PLEDGED (ADR 0032) and ESCROWED (ADR 0034): the holding's counters
                # leave them out.
                kg_text(held_kg(blocks, SerialStatus.PLEDGED)),
                kg_text(held_kg(blocks, SerialStatus.ESCROWED)),
                kg_text(holding.retired_kg),
                ranges,
            ]
        )
    headers = [
        ctx.t("f.batch"),
        ctx.t("f.active"),
        ctx.t("f.frozen"),
        ctx.t("f.pledged"),
        ctx.t("f.escrowed"),
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
        view.records.institution(check_slug(institution_id, "institution")),
        "institution",
        institution_id,
    )
    validator_names = {v.name for v in view.current_validators().validators}
    keys = join(element("div", mono(k.hex())) for k in institution.public_keys)
    pairs: list[tuple[object, object]] = [
        (ctx.t("f.institution"), institution_id),
        (ctx.t("f.name"), join([institution.name_zh, element("br"), institution.name_en])),
        (ctx.t("f.roles"), "、".join(ctx.code(r) for r in institution.roles)),
        (ctx.t("f.public_key"), keys),
    ]
    if institution_id in validator_names:
        pairs.append((ctx.t("f.validators"), ctx.t("institution.validator")))
    return Page(title=ctx.t("institution.title", id=institution_id), body=definitions(pairs))
