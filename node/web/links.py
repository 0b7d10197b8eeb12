"""Links between registry pages, one helper per kind of record. Pure apart from name lookups."""

from node.chain_view import ChainView
from node.web.formatting import range_text, short_hex
from node.web.layout import Context
from node.web.markup import Html, element, join, segment


def block_link(ctx: Context, height: int) -> Html:
    return ctx.link(f"/blocks/{height}", f"#{height:,}")


def tx_link(ctx: Context, tx_id: str, *, short: bool = True) -> Html:
    label = short_hex(tx_id, 16) if short else tx_id
    return element(
        "a", element("code", label), href=ctx.href(f"/txs/{segment(tx_id)}"), title=tx_id
    )


def institution_link(ctx: Context, institution_id: str) -> Html:
    return ctx.link(f"/institutions/{segment(institution_id)}", institution_id)


def account_link(ctx: Context, account_id: str) -> Html:
    return ctx.link(f"/accounts/{segment(account_id)}", account_id)


def project_link(ctx: Context, project_id: str) -> Html:
    return ctx.link(f"/projects/{segment(project_id)}", project_id)


def batch_link(ctx: Context, batch_id: str) -> Html:
    return ctx.link(f"/batches/{segment(batch_id)}", batch_id)


def attested_verification_link(ctx: Context, verification_id: str) -> Html:
    return ctx.link(f"/attested-verifications/{segment(verification_id)}", verification_id)


def case_link(ctx: Context, case_id: str) -> Html:
    return ctx.link(f"/cases/{segment(case_id)}", case_id)


def retirement_link(ctx: Context, retirement_id: str) -> Html:
    return element(
        "a",
        element("code", short_hex(retirement_id, 16)),
        href=ctx.href(f"/retirements/{segment(retirement_id)}"),
        title=retirement_id,
    )


def range_link(ctx: Context, batch_id: str, first: int, last: int) -> Html:
    path = f"/batches/{segment(batch_id)}/serials/{first}-{last}"
    return ctx.link(path, range_text(first, last))


def key_link(ctx: Context, view: ChainView, public_key_hex: str) -> Html:
    """A key as the institution or accounts it signs for, with the key itself shortened."""
    key = element("code", short_hex(public_key_hex, 16), title=public_key_hex)
    owner = view.records.key_owner(public_key_hex)
    if owner is not None:
        return join([institution_link(ctx, owner.institution_id), " ", key])
    holder = view.records.holder(public_key_hex)
    if holder is not None:
        accounts = join((account_link(ctx, a) for a in holder.account_ids), ", ")
        return join([accounts, " ", key])
    return key


def institution_or_text(ctx: Context, view: ChainView, value: str) -> Html | str:
    """A link when value is the id of an institution of this chain, else the text itself
    (an insurer, for one, is free text: /institutions/<text> would only answer 400)."""
    return institution_link(ctx, value) if view.records.exists("institution/", value) else value


def verification_or_text(ctx: Context, view: ChainView, verification_id: str) -> Html | str:
    """A link when an accredited verifier signed this verification (ADR 0026), else its id
    (an issuer-recorded verification has no page of its own)."""
    if view.records.exists("attested_verification/", verification_id):
        return attested_verification_link(ctx, verification_id)
    return verification_id


def optional(value: Html | None) -> Html:
    return value if value is not None else Html("—")


def lot_link(ctx: Context, lot_id: str) -> Html:
    return ctx.link(f"/auctions/{segment(lot_id)}", lot_id)
