"""The reversals of a batch or a project and the insurance claims made for them (ADR 0033),
as a section of the batch and project pages, in both languages.

Records are read from the state map as stored (reversal/, insurance_claim/), parsed by
their contract types; a claim names its policy, linked to `GET /v1/insurance/<id>`, its
status in words, what the insurer accepted and paid (ADR 0035), and a policy whose claims
not rejected exceed its sum insured is said to be over-claimed.
"""

from collections.abc import Iterable

from contracts.claim_decision_records import (
    InsuranceClaimDecision,
    PolicyClaimTotals,
    policy_claim_totals,
)
from contracts.reversal_records import InsuranceClaim, Reversal
from node.chain_view import ChainView
from node.registry_records import LIST_LIMIT
from node.web.formatting import kg_text, yuan_text
from node.web.i18n import Lang
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
    every = view.records.claims_with_decisions()
    claims: dict[str, list[tuple[InsuranceClaim, InsuranceClaimDecision | None]]] = {}
    for claim, decision in every:
        claims.setdefault(claim.reversal_id, []).append((claim, decision))
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
    shown = {claim.policy_id for r in reversals for claim, _ in claims.get(r.reversal_id, ())}
    notes = [
        element("p", ctx.t("claim.over_claimed", **_over_claimed_words(totals)), class_="warn")
        for totals in _policy_totals(view, sorted(shown), every)
        if totals.over_claimed
    ]
    table_html = table(headers, rows, class_="reversals")
    return section(ctx.t("reversal.title"), join([table_html, *notes]))


def _policy_totals(
    view: ChainView,
    policy_ids: list[str],
    every: list[tuple[InsuranceClaim, InsuranceClaimDecision | None]],
) -> list[PolicyClaimTotals]:
    """Each policy's totals over every claim (the contracts' one rule, ADR 0035)."""
    found = []
    for policy_id in policy_ids:
        policy = view.records.policy(policy_id)
        if policy is not None:
            found.append(policy_claim_totals(policy_id, policy.body.sum_insured_fen, every))
    return found


def _over_claimed_words(totals: PolicyClaimTotals) -> dict[str, str]:
    return {
        "policy": totals.policy_id,
        "claimed": yuan_text(totals.claimed_fen - totals.rejected_fen),
        "insured": yuan_text(totals.sum_insured_fen),
    }


def _drawn(reversal: Reversal) -> str:
    if reversal.drawn_first_serial is None:
        return kg_text(0)
    serials = f"{reversal.drawn_first_serial:,}–{reversal.drawn_last_serial:,}"
    return f"{kg_text(reversal.buffer_drawn_kg)}, {serials}"


def _claims(
    ctx: Context, claims: Iterable[tuple[InsuranceClaim, InsuranceClaimDecision | None]]
) -> Html | str:
    items = [
        element(
            "div",
            join(
                [
                    mono(claim.claim_id),
                    f" {yuan_text(claim.claimed_fen)} ",
                    element("a", claim.policy_id, href=f"/v1/insurance/{claim.policy_id}"),
                    f" ({_status_words(ctx, claim, decision)})",
                ]
            ),
            class_=f"claim {claim.status}",
        )
        for claim, decision in claims
    ]
    return join(items) if items else "—"


def _status_words(
    ctx: Context, claim: InsuranceClaim, decision: InsuranceClaimDecision | None
) -> str:
    """The claim's status in words, with the fen the insurer accepted and paid (ADR 0035)."""
    words = [ctx.t(f"claim.status.{claim.status}")]
    if decision is not None and decision.decision == "accepted":
        words.append(ctx.t("claim.accepted_amount", yuan=yuan_text(decision.decided_fen)))
    if decision is not None and decision.paid_fen is not None:
        words.append(ctx.t("claim.paid_amount", yuan=yuan_text(decision.paid_fen)))
    return ("；" if ctx.lang is Lang.ZH else "; ").join(words)
