"""The projects list, a project's page with its tenure (ADR 0027), and an attested
verification's page (ADR 0026).
"""

from collections.abc import Sequence

from contracts.credit_records import (
    AttestedVerification,
    Project,
    Verification,
)
from contracts.tenure_records import ProjectTenure
from node.chain_view import ChainView
from node.web.columns import Column, record_table
from node.web.exports import EXPORTS
from node.web.formatting import (
    area_text,
    centroid_text,
    kg_text,
)
from node.web.layout import Context, Page, mono, muted, section
from node.web.links import (
    attested_verification_link,
    block_link,
    institution_link,
    key_link,
    optional,
    project_link,
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
from node.web.pages_batches import batches_table
from node.web.pages_reversals import reversals_section

PROJECT_COLUMNS: Sequence[Column[Project]] = (
    ("f.project", lambda ctx, p: project_link(ctx, p.project_id)),
    ("f.name", name_in),
    ("f.ecosystem", lambda ctx, p: ctx.code(p.ecosystem)),
    ("f.standard", lambda ctx, p: p.accounting_standard),
    ("f.location", lambda ctx, p: p.location),
)


def projects_page(ctx: Context, view: ChainView) -> Page:
    projects, truncated = view.records.projects()
    attested, attested_truncated = view.records.attested_verifications()
    tenures = {p.project_id: view.records.project_tenure(p.project_id) for p in projects}
    certificate: Column[Project] = (
        "f.certificate",
        lambda ctx, p: certificate_text(ctx, tenures[p.project_id]),
    )
    columns = (*PROJECT_COLUMNS, certificate)
    body = join(
        [
            record_table(ctx, columns, projects, empty="list.none", id="projects"),
            list_note(ctx, truncated),
            section(ctx.t("project.attested"), attested_table(ctx, attested)),
            list_note(ctx, attested_truncated),
            export_links(ctx),
        ]
    )
    return Page(title=ctx.t("projects.title"), body=body)


def export_links(ctx: Context) -> Html:
    items = [
        element("li", element("a", ctx.t(f"export.{kind}"), href=f"/export/{kind}.csv"))
        for kind in EXPORTS
    ]
    return section(ctx.t("export.title"), element("ul", join(items), class_="exports"))


def project_page(ctx: Context, view: ChainView, project_id: str) -> Page:
    project = require(
        view.records.project(check_slug(project_id, "project")), "project", project_id
    )
    fields = definitions(
        [
            (ctx.t("f.project"), project.project_id),
            (ctx.t("f.name"), join([project.name_zh, element("br"), project.name_en])),
            (ctx.t("f.ecosystem"), ctx.code(project.ecosystem)),
            (ctx.t("f.location"), project.location),
            (ctx.t("f.standard"), project.accounting_standard),
            (ctx.t("f.owner"), project.owner),
            (ctx.t("f.issuer"), institution_link(ctx, project.issuer)),
            (
                ctx.t("f.documents"),
                join(element("div", mono(h.hex())) for h in project.document_hashes),
            ),
        ]
    )
    verifications = [v for v in view.records.verifications()[0] if v.project_id == project_id]
    attested = [a for a in view.records.attested_verifications()[0] if a.project_id == project_id]
    batches = [b for b in view.records.batches()[0] if b.project_id == project_id]
    body = join(
        [
            fields,
            section(
                ctx.t("project.tenure"),
                tenure_fields(ctx, view, view.records.project_tenure(project_id)),
            ),
            section(ctx.t("project.attested"), attested_table(ctx, attested)),
            section(
                ctx.t("project.verifications"),
                record_table(ctx, VERIFICATION_COLUMNS, verifications),
            ),
            section(ctx.t("project.batches"), batches_table(ctx, batches)),
            reversals_section(ctx, view, project_id=project_id),
        ]
    )
    return Page(title=ctx.t("project.title", id=project_id), body=body)


def tenure_fields(ctx: Context, view: ChainView, tenure: ProjectTenure | None) -> Html:
    """The project's boundary and tenure certificate (ADR 0027): certificate, status,
    boundary hash, centroid in degrees, area in m² and hectares."""
    if tenure is None:
        return muted(ctx.t("project.no_tenure"))
    status = tenure.status
    ended = tenure.ended_height
    kind, number = tenure.certificate_kind, tenure.certificate_number
    claim = f"/v1/tenure/{segment(kind)}/{segment(number)}"
    fields = definitions(
        [
            (
                ctx.t("f.certificate"),
                join([ctx.code(kind), " ", element("a", mono(number), href=claim)]),
            ),
            (
                ctx.t("f.tenure_status"),
                element("strong", ctx.code(status), class_=f"status status-{status}"),
            ),
            (ctx.t("f.recorded_in"), block_link(ctx, tenure.height)),
            (ctx.t("f.ended_in"), optional(None if ended is None else block_link(ctx, ended))),
            (ctx.t("f.boundary"), mono(tenure.boundary_sha256.hex())),
            (
                ctx.t("f.centroid"),
                centroid_text(tenure.centroid_lat_udeg, tenure.centroid_lon_udeg),
            ),
            (ctx.t("f.area"), area_text(tenure.area_m2)),
            (ctx.t("f.signed_by"), key_link(ctx, view, tenure.recorded_by.hex())),
        ]
    )
    return element("div", fields, class_="tenure")


def certificate_text(ctx: Context, tenure: ProjectTenure | None) -> str:
    """A project's certificate in one line, "sea-area use right certificate 2019B… (active)";
    a dash when it recorded none."""
    if tenure is None:
        return "—"
    kind, status = ctx.code(tenure.certificate_kind), ctx.code(tenure.status)
    return f"{kind} {tenure.certificate_number} ({status})"


VERIFICATION_COLUMNS: Sequence[Column[Verification]] = (
    ("f.verification", lambda ctx, v: v.verification_id),
    ("f.period", period_text),
    ("f.verifier", lambda ctx, v: v.verification_body),
    ("f.verified", lambda ctx, v: kg_text(v.verified_kg)),
    ("f.issued", lambda ctx, v: kg_text(v.issued_kg)),
)


ATTESTED_COLUMNS: Sequence[Column[AttestedVerification]] = (
    ("f.verification", lambda ctx, a: attested_verification_link(ctx, a.verification_id)),
    ("f.project", lambda ctx, a: project_link(ctx, a.project_id)),
    ("f.period", period_text),
    ("f.accredited_verifier", lambda ctx, a: institution_link(ctx, a.verifier)),
    ("f.methodology", lambda ctx, a: a.methodology_id),
    ("f.methodology_version", lambda ctx, a: a.methodology_version),
    ("f.net_sink", lambda ctx, a: kg_text(a.net_sink_kg)),
    ("f.issued", lambda ctx, a: kg_text(a.issued_kg)),
    ("f.reports", lambda ctx, a: reports_list(ctx, a.reports, short=True)),
)


def attested_table(ctx: Context, attested: list[AttestedVerification]) -> Html:
    return record_table(ctx, ATTESTED_COLUMNS, attested, empty="list.none", class_="attested")


def attested_verification_page(ctx: Context, view: ChainView, verification_id: str) -> Page:
    attested = require(
        view.records.attested_verification(check_slug(verification_id, "verification")),
        "accredited verification",
        verification_id,
    )
    fields = definitions(
        [
            (ctx.t("f.verification"), verification_id),
            (ctx.t("f.project"), project_link(ctx, attested.project_id)),
            (ctx.t("f.accredited_verifier"), named_institution(ctx, view, attested.verifier)),
            (ctx.t("f.period"), period_text(ctx, attested)),
            (ctx.t("f.methodology"), attested.methodology_id),
            (ctx.t("f.methodology_version"), attested.methodology_version),
            (ctx.t("f.net_sink"), kg_text(attested.net_sink_kg)),
            (ctx.t("f.issued"), kg_text(attested.issued_kg)),
            (ctx.t("f.reports"), reports_list(ctx, attested.reports, short=False)),
            (ctx.t("f.signed_by"), key_link(ctx, view, attested.attested_by.hex())),
            (ctx.t("f.recorded_in"), block_link(ctx, attested.height)),
        ]
    )
    batches = [b for b in view.records.batches()[0] if b.verification_id == verification_id]
    body = join(
        [
            element("p", ctx.t("attested.note")),
            fields,
            section(ctx.t("attested.batches"), batches_table(ctx, batches)),
        ]
    )
    return Page(title=ctx.t("attested.title", id=verification_id), body=body)
