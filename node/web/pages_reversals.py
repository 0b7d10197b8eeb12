"""The reversals of a batch or a project and the insurance claims made for them (ADR 0033),
as a section of the batch and project pages, in both languages.

Records are read from the state map as stored (reversal/, insurance_claim/), parsed by
their contract types; a claim names its policy, linked to `GET /v1/insurance/<id>`.
"""

from collections.abc import Iterable

from contracts.reversal_records import InsuranceClaim, Reversal
from node.chain_view import ChainView
from node.registry_records import LIST_LIMIT
from node.web.formatting import kg_text, yuan_text
from node.web.layout import Context, mono, muted, section
from node.web.markup import Html, element, join, table


def reversals_section(
    ctx: Context, view: ChainView, *, batch_id: str | None = None, project_id: str | None = None
) -> Html:
    """The reversals of the batch (or of the project), oldest id first, each with the
    buffer serials it drew, what stayed uncovered and the claims recorded for it."""
    reversals = [
        Reversal.from_json(value)
        for _, value in view.state_page("reversal/", None, LIST_LIMIT)
        if isinstance(value, dict)
        and (batch_id is None or value.get("batch_id") == batch_id)
        and (project_id is None or value.get("project_id") == project_id)
    ]
    if not reversals:
        return section(ctx.t("reversal.title"), muted(ctx.t("reversal.none")))
    claims: dict[str, list[InsuranceClaim]] = {}
    for _, value in view.state_page("insurance_claim/", None, LIST_LIMIT):
        claim = InsuranceClaim.from_json(value)
        claims.setdefault(claim.reversal_id, []).append(claim)
    headers = [
        ctx.t("reversal.id"),
        ctx.t("f.batch"),
        ctx.t("reversal.event_date"),
        ctx.t("reversal.cause"),
        ctx.t("reversal.lost"),
        ctx.t("reversal.drawn"),
        ctx.t("reversal.uncovered"),
        ctx.t("reversal.claims"),
    ]
    rows = [
        [
            mono(reversal.reversal_id),
            element("a", reversal.batch_id, href=ctx.href(f"/batches/{reversal.batch_id}")),
            reversal.event_date,
            ctx.code(reversal.cause),
            kg_text(reversal.lost_kg),
            _drawn(reversal),
            kg_text(reversal.uncovered_kg),
            _claims(ctx, claims.get(reversal.reversal_id, ())),
        ]
        for reversal in reversals
    ]
    return section(ctx.t("reversal.title"), table(headers, rows, class_="reversals"))


def _drawn(reversal: Reversal) -> str:
    if reversal.drawn_first_serial is None:
        return kg_text(0)
    serials = f"{reversal.drawn_first_serial:,}–{reversal.drawn_last_serial:,}"
    return f"{kg_text(reversal.buffer_drawn_kg)}, {serials}"


def _claims(ctx: Context, claims: Iterable[InsuranceClaim]) -> Html | str:
    items = [
        element(
            "div",
            join(
                [
                    mono(claim.claim_id),
                    f" {yuan_text(claim.claimed_fen)} ",
                    element("a", claim.policy_id, href=f"/v1/insurance/{claim.policy_id}"),
                    f" ({ctx.code(claim.status)})",
                ]
            ),
        )
        for claim in claims
    ]
    return join(items) if items else "—"
