"""Case and retirement pages, and the lists of both."""

from collections.abc import Sequence

from contracts.case_lifecycle_records import CaseClosure, CaseJudgment
from contracts.case_records import Case, Retirement
from contracts.credit_records import AttestedVerification, Project, Verification
from node.chain_view import ChainView
from node.web.columns import Column, record_table
from node.web.formatting import kg_text, time_text, yuan_text
from node.web.layout import Context, Page, PageError, mono, muted, section
from node.web.links import (
    account_link,
    attested_verification_link,
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
from node.web.markup import Html, definitions, element, join, segment
from node.web.page_parts import (
    check_slug,
    list_note,
    name_in,
    named_institution,
    period_text,
    reports_list,
    require,
)
from protocol.hashing import Hash32

CASE_COLUMNS: Sequence[Column[Case]] = (
    ("f.case", lambda ctx, c: case_link(ctx, c.case_id)),
    ("f.case_number", lambda ctx, c: c.case_number),
    ("f.court", lambda ctx, c: institution_link(ctx, c.court)),
    ("f.required", lambda ctx, c: kg_text(c.required_kg)),
    ("f.retired", lambda ctx, c: kg_text(c.retired_kg)),
)


def cases_page(ctx: Context, view: ChainView) -> Page:
    cases, truncated = view.records.cases()
    statuses = {case.case_id: view.records.case_lifecycle(case)[0] for case in cases}
    status: Column[Case] = ("f.case_status", lambda ctx, c: ctx.code(statuses[c.case_id]))
    columns = (*CASE_COLUMNS, status)
    cases_html = record_table(ctx, columns, cases, empty="list.none", id="cases")
    return Page(title=ctx.t("cases.title"), body=join([cases_html, list_note(ctx, truncated)]))


def case_page(ctx: Context, view: ChainView, case_id: str) -> Page:
    case = require(view.records.case(check_slug(case_id, "case")), "case", case_id)
    status, judgment, closure = view.records.case_lifecycle(case)
    court = view.records.institution(case.court)
    obligors = ", ".join(o.masked_name for o in case.obligors)
    required, retired = case.required_kg, case.retired_kg
    plaintiff = case.plaintiff
    fields = definitions(
        [
            (ctx.t("f.case_status"), element("strong", ctx.code(status), id="case-status")),
            (ctx.t("f.case_number"), element("strong", case.case_number)),
            (ctx.t("f.case_type"), case.case_type),
            (
                ctx.t("f.court"),
                join(
                    [
                        institution_link(ctx, case.court),
                        " ",
                        "" if court is None else name_in(ctx, court),
                    ]
                ),
            ),
            (
                ctx.t("f.plaintiff"),
                optional(None if plaintiff is None else institution_link(ctx, plaintiff)),
            ),
            (ctx.t("f.registered_by"), case.registered_by),
            (ctx.t("f.obligors"), obligors),
            (ctx.t("f.required"), kg_text(required)),
            (ctx.t("f.retired"), kg_text(retired)),
            (ctx.t("f.document_hash"), mono(case.document_hash.hex())),
        ]
    )
    progress = element(
        "p",
        ctx.t("case.progress", retired=kg_text(retired), required=kg_text(required)),
        class_="progress",
    )
    retirements = [view.records.retirement(r.hex()) for r in case.retirement_ids]
    body = join(
        [
            fields,
            progress,
            section(ctx.t("case.judgment"), judgment_fields(ctx, view, judgment)),
            section(ctx.t("case.closure"), closure_fields(ctx, view, closure)),
            section(
                ctx.t("case.retirements"),
                retirements_table(ctx, [r for r in retirements if r is not None]),
            ),
        ]
    )
    return Page(title=ctx.t("case.title", id=case_id), body=body)


def judgment_fields(ctx: Context, view: ChainView, judgment: CaseJudgment | None) -> Html:
    """The court's judgment (ADR 0029): date, compensation in yuan, site, ecosystem, hash."""
    if judgment is None:
        return muted(ctx.t("case.no_judgment"))
    fields = definitions(
        [
            (ctx.t("f.judgment_date"), judgment.judgment_date),
            (
                ctx.t("f.compensation"),
                element("strong", yuan_text(judgment.compensation_fen), id="compensation"),
            ),
            (ctx.t("f.harm_site"), judgment.harm_site),
            (ctx.t("f.ecosystem"), ctx.code(judgment.ecosystem)),
            (ctx.t("f.judgment_hash"), mono(judgment.judgment_hash.hex())),
            (ctx.t("f.judged_by"), key_link(ctx, view, judgment.judged_by.hex())),
            (ctx.t("f.height"), block_link(ctx, judgment.height)),
        ]
    )
    return element("div", fields, class_="judgment")


def closure_fields(ctx: Context, view: ChainView, closure: CaseClosure | None) -> Html:
    """The court's closure (ADR 0029): outcome, document hash, key and height."""
    if closure is None:
        return muted(ctx.t("case.not_closed"))
    fields = definitions(
        [
            (ctx.t("f.outcome"), ctx.code(closure.outcome)),
            (ctx.t("f.document_hash"), mono(closure.document_hash.hex())),
            (ctx.t("f.closed_by"), key_link(ctx, view, closure.closed_by.hex())),
            (ctx.t("f.height"), block_link(ctx, closure.height)),
        ]
    )
    return element("div", fields, class_="closure")


RETIREMENT_COLUMNS: Sequence[Column[Retirement]] = (
    ("f.retirement", lambda ctx, r: retirement_link(ctx, r.retirement_id.hex())),
    ("f.kind", lambda ctx, r: ctx.code(r.kind)),
    ("f.quantity", lambda ctx, r: kg_text(r.quantity_kg)),
    ("f.batch", lambda ctx, r: batch_link(ctx, r.batch_id)),
    ("f.case", lambda ctx, r: optional(None if r.case_id is None else case_link(ctx, r.case_id))),
    ("f.height", lambda ctx, r: block_link(ctx, r.height)),
    ("f.time", lambda ctx, r: time_text(r.time_ms)),
)


def retirements_table(ctx: Context, retirements: list[Retirement]) -> Html:
    return record_table(
        ctx, RETIREMENT_COLUMNS, retirements, empty="list.none", class_="retirements"
    )


def retirements_page(ctx: Context, view: ChainView) -> Page:
    retirements, truncated = view.records.retirements()
    retirements.sort(key=lambda r: (-r.height, r.retirement_id.hex()))
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
        view.records.retirement(check_hex_id(retirement_id, "retirement")),
        "retirement",
        retirement_id,
    )
    batch_id = retirement.batch_id
    batch = view.records.batch(batch_id)
    project_id = "" if batch is None else batch.project_id
    project = view.records.project(project_id) if project_id else None
    ranges = join(
        (
            element("div", range_link(ctx, batch_id, first, last))
            for first, last in retirement.ranges
        )
    )
    confirmed, case_id = retirement.confirmed_by, retirement.case_id
    fields = definitions(
        [
            (ctx.t("f.retirement"), mono(retirement_id)),
            (ctx.t("f.kind"), ctx.code(retirement.kind)),
            (
                ctx.t("f.quantity"),
                element("strong", kg_text(retirement.quantity_kg), id="retired-quantity"),
            ),
            (ctx.t("f.serials"), ranges),
            (
                ctx.t("f.batch"),
                join(
                    [
                        batch_link(ctx, batch_id),
                        f" · {ctx.t('f.vintage')} {'' if batch is None else batch.vintage}",
                    ]
                ),
            ),
            (
                ctx.t("f.project"),
                join(
                    [
                        project_link(ctx, project_id),
                        " ",
                        "" if project is None else name_in(ctx, project),
                    ]
                ),
            ),
            (ctx.t("f.account"), account_link(ctx, retirement.account_id)),
            (ctx.t("f.beneficiary"), retirement.beneficiary),
            (ctx.t("f.purpose"), ctx.code(retirement.purpose)),
            (ctx.t("f.reason"), retirement.reason),
            (
                ctx.t("f.case"),
                optional(None if case_id is None else case_link(ctx, case_id)),
            ),
            (ctx.t("f.case_status_now"), case_status_of(ctx, view, case_id)),
            (
                ctx.t("f.confirmed_by"),
                optional(None if confirmed is None else key_link(ctx, view, confirmed.hex())),
            ),
            (ctx.t("f.height"), block_link(ctx, retirement.height)),
            (ctx.t("f.time"), time_text(retirement.time_ms)),
            (ctx.t("f.tx_id"), tx_link(ctx, retirement_id, short=False)),
        ]
    )
    verification = None if batch is None else view.records.verification_behind(batch)
    body = join(
        [
            fields,
            section(
                ctx.t("retirement.verification"),
                verification_fields(ctx, view, verification, project),
            ),
            section(
                ctx.t("retirement.receipt"),
                join(
                    [
                        receipt_identity(ctx, view, retirement_id),
                        receipt_links(ctx, retirement_id, pdf_available=pdf_available),
                    ]
                ),
            ),
        ]
    )
    return Page(title=ctx.t("retirement.title"), body=body)


def case_status_of(ctx: Context, view: ChainView, case_id: str | None) -> Html:
    """A judicial retirement's case, its status now (contracts' case_status, ADR 0029) and a
    link to the case page; a dash for a voluntary retirement."""
    case = None if case_id is None else view.records.case(case_id)
    if case is None:
        return optional(None)
    status = view.records.case_lifecycle(case)[0]
    shown = element("strong", ctx.code(status), id="case-status")
    return join([shown, " (", case_link(ctx, case.case_id), ")"])


def verification_fields(
    ctx: Context,
    view: ChainView,
    verification: Verification | AttestedVerification | None,
    project: Project | None,
) -> Html:
    """The verification behind the retired credits, as a format-4 receipt shows it (ADR
    0030): an accredited verifier's attestation (institution, period, methodology, net sink,
    labelled reports), or the issuer-recorded verification's free-text body."""
    if verification is None:
        return muted(ctx.t("retirement.no_verification"))
    if isinstance(verification, AttestedVerification):
        attested_at = ctx.t("retirement.attested_at", height=f"{verification.height:,}")
        pairs: list[tuple[object, object]] = [
            (
                ctx.t("f.verification"),
                attested_verification_link(ctx, verification.verification_id),
            ),
            (
                ctx.t("f.accredited_verifier"),
                join(
                    [named_institution(ctx, view, verification.verifier), " ", muted(attested_at)]
                ),
            ),
            (ctx.t("f.period"), period_text(ctx, verification)),
            (ctx.t("f.methodology"), verification.methodology_id),
            (ctx.t("f.methodology_version"), verification.methodology_version),
            (ctx.t("f.net_sink"), kg_text(verification.net_sink_kg)),
            (ctx.t("f.reports"), reports_list(ctx, verification.reports, short=False)),
        ]
        return element("div", definitions(pairs), class_="verification attested")
    recorded = ctx.t("retirement.issuer_recorded")
    pairs = [
        (ctx.t("f.verification"), verification.verification_id),
        (ctx.t("f.verifier"), join([verification.verification_body, " ", muted(recorded)])),
        (ctx.t("f.period"), period_text(ctx, verification)),
        (ctx.t("f.standard"), "—" if project is None else project.accounting_standard),
        (ctx.t("f.verified"), kg_text(verification.verified_kg)),
        (
            ctx.t("f.documents"),
            join(element("div", mono(h.hex())) for h in verification.report_hashes),
        ),
    ]
    return element("div", definitions(pairs), class_="verification recorded")


def receipt_identity(ctx: Context, view: ChainView, retirement_id: str) -> Html:
    """The receipt id and digest, as the JSON, the PDF, its QR code and the checker show
    them (PROTOCOL.md §14.6): a clerk compares these, not files."""
    digest = view.receipt_digest(Hash32(bytes.fromhex(retirement_id))).hex()
    return definitions(
        [
            (ctx.t("retirement.receipt_id"), element("code", retirement_id, id="receipt-id")),
            (ctx.t("retirement.receipt_digest"), element("code", digest, id="receipt-digest")),
        ]
    )


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
