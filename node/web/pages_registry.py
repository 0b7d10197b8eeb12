"""Project, issuance batch, serial range, account and institution pages."""

from collections.abc import Sequence
from typing import Protocol, TypeVar

from contracts.credit_records import (
    AttestationFields,
    AttestedVerification,
    IssuanceBatch,
    LabelledHash,
    Project,
    SerialBlock,
    SerialStatus,
    Verification,
    VerificationFields,
)
from contracts.link_records import BatchLinks
from contracts.tenure_records import ProjectTenure
from node.chain_view import ChainView
from node.registry_records import LIST_LIMIT, SERIALS_LIMIT, held_kg
from node.web.auction_view import batch_lots
from node.web.columns import Column, record_table
from node.web.consideration_view import considerations_table
from node.web.exports import EXPORTS
from node.web.formatting import (
    area_text,
    centroid_text,
    kg_text,
    range_text,
    short_hex,
    time_text,
)
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
    verification_or_text,
)
from node.web.markup import Html, definitions, element, join, segment, table
from node.web.pages_reversals import reversals_section
from node.web.serial_history import HistoryUnavailableError, SerialEvent
from protocol.fields import is_decimal

R = TypeVar("R")
SLUG_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789._-")


def check_slug(value: str, what: str) -> str:
    """An identifier of docs/STATE.md ([a-z0-9][a-z0-9._-]{0,63}), else a 400 page."""
    if not 1 <= len(value) <= 64 or not set(value) <= SLUG_CHARS or value[0] in "._-":
        raise PageError(400, f"not a valid {what} id: {value!r}")
    return value


def require(record: R | None, what: str, record_id: str) -> R:
    """The record a page is about, else a 404 page."""
    if record is None:
        raise PageError(404, f"no {what} {record_id!r} on this chain")
    return record


class Named(Protocol):
    """A record with a Chinese and an English name (projects, institutions)."""

    @property
    def name_zh(self) -> str: ...

    @property
    def name_en(self) -> str: ...


def name_in(ctx: Context, record: Named) -> str:
    english, chinese = record.name_en, record.name_zh
    return (chinese or english) if ctx.lang.value == "zh" else (english or chinese)


def named_institution(ctx: Context, view: ChainView, institution_id: str) -> Html:
    """An institution's name in this language, with a link by its id."""
    institution = view.records.institution(institution_id)
    link = institution_link(ctx, institution_id)
    return link if institution is None else join([name_in(ctx, institution), " (", link, ")"])


def list_note(ctx: Context, truncated: bool) -> Html:
    return muted(ctx.t("list.truncated", count=LIST_LIMIT)) if truncated else Html("")


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


def period_text(_ctx: Context, record: VerificationFields | AttestationFields) -> str:
    return f"{record.period_start} – {record.period_end}"


VERIFICATION_COLUMNS: Sequence[Column[Verification]] = (
    ("f.verification", lambda ctx, v: v.verification_id),
    ("f.period", period_text),
    ("f.verifier", lambda ctx, v: v.verification_body),
    ("f.verified", lambda ctx, v: kg_text(v.verified_kg)),
    ("f.issued", lambda ctx, v: kg_text(v.issued_kg)),
)


def reports_list(ctx: Context, reports: Sequence[LabelledHash], *, short: bool) -> Html:
    """Each report named in words, with its SHA-256 (shortened in tables, full in its title).
    The words are the labels' code names (client/code_names.py), as the receipt PDF and the
    checker name them: one table, so a label reads the same on every surface."""
    lines = []
    for report in reports:
        digest = report.sha256.hex()
        shown = mono(short_hex(digest, 16), digest) if short else mono(digest)
        lines.append(element("div", join([ctx.code(report.label), " ", shown])))
    return join(lines)


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
