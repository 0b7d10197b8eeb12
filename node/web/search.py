"""Registry search: a tx id, a serial number, a case number, a project (and other ids), an
id of another registry (-> the batch that claims it, ADR 0028) and a tenure certificate
number (-> the active project it backs, ADR 0027).

Each kind of query is tried in turn and every match is returned; the route redirects
when exactly one matches. Lists are scanned up to registry_records.LIST_LIMIT records per
kind.
"""

from dataclasses import dataclass

from contracts.link_records import EXTERNAL_ID_PATTERN, REGISTRIES
from contracts.tenure_records import CERTIFICATE_KINDS, CERTIFICATE_NUMBER_PATTERN
from node.chain_view import ChainView
from node.registry_records import SERIALS_LIMIT
from node.web.formatting import range_text
from node.web.markup import segment
from protocol.fields import is_decimal

HEX_DIGITS = frozenset("0123456789abcdef")
QUERY_LENGTH_MAX = 200


@dataclass(frozen=True, slots=True, kw_only=True)
class SearchHit:
    kind: str
    """A message key naming the kind of record (f.tx_id, f.case, ...)."""
    label: str
    path: str


def search(view: ChainView, query: str) -> list[SearchHit]:
    text = query.strip()[:QUERY_LENGTH_MAX]
    if not text:
        return []
    lowered = text.lower()
    hits: list[SearchHit] = []
    if len(lowered) == 64 and set(lowered) <= HEX_DIGITS:
        hits += _hex_hits(view, lowered)
    digits = text.replace(",", "").replace("_", "")
    if is_decimal(digits) and len(digits) <= 16:
        hits += _number_hits(view, int(digits))
    hits += _id_hits(view, lowered)
    hits += _claim_hits(view, text.upper())
    hits += _text_hits(view, text)
    unique: dict[str, SearchHit] = {}
    for hit in hits:
        unique.setdefault(hit.path, hit)
    return list(unique.values())


def _hex_hits(view: ChainView, value: str) -> list[SearchHit]:
    hits = []
    committed = view.find_tx(value)
    if committed is not None:
        label = f"{committed.signed.tx.type} @ {committed.height}"
        hits.append(SearchHit(kind="f.tx_id", label=label, path=f"/txs/{value}"))
    if view.records.retirement(value) is not None:
        hits.append(SearchHit(kind="f.retirement", label=value, path=f"/retirements/{value}"))
    owner = view.records.key_owner(value)
    if owner is not None:
        institution = owner.institution_id
        hits.append(
            SearchHit(
                kind="f.institution",
                label=institution,
                path=f"/institutions/{segment(institution)}",
            )
        )
    holder = view.records.holder(value)
    for account_id in () if holder is None else holder.account_ids:
        hits.append(
            SearchHit(kind="f.account", label=account_id, path=f"/accounts/{segment(account_id)}")
        )
    return hits


def _number_hits(view: ChainView, number: int) -> list[SearchHit]:
    """A block height, and the serial block holding that serial in every batch that has it."""
    hits = []
    if number <= view.height:
        hits.append(SearchHit(kind="f.block", label=f"#{number:,}", path=f"/blocks/{number}"))
    for batch in view.records.batches()[0]:
        if not 1 <= number <= batch.last_serial:
            continue
        batch_id = batch.batch_id
        for block in view.records.serial_blocks(batch_id, limit=SERIALS_LIMIT)[0]:
            first, last = block.first_serial, block.last_serial
            if first <= number <= last:
                label = f"{batch_id} {range_text(first, last)} ({block.status.value})"
                path = f"/batches/{segment(batch_id)}/serials/{first}-{last}"
                hits.append(SearchHit(kind="f.serials", label=label, path=path))
                break
    return hits


ID_KINDS = (
    ("project/", "f.project", "/projects/"),
    ("attested_verification/", "f.verification", "/attested-verifications/"),
    ("batch/", "f.batch", "/batches/"),
    ("case/", "f.case", "/cases/"),
    ("account/", "f.account", "/accounts/"),
    ("institution/", "f.institution", "/institutions/"),
)


def _id_hits(view: ChainView, value: str) -> list[SearchHit]:
    if "/" in value:
        return []
    return [
        SearchHit(kind=kind, label=value, path=path + segment(value))
        for prefix, kind, path in ID_KINDS
        if view.records.exists(prefix, value)
    ]


def _claim_hits(view: ChainView, value: str) -> list[SearchHit]:
    """The batch an external id of any registry maps to, and the project a certificate of
    either kind backs: one index lookup per registry and kind (upper case is their only
    spelling)."""
    found: list[tuple[str, str, str, str]] = []  # kind, what matched, page prefix, its id
    if EXTERNAL_ID_PATTERN.fullmatch(value) is not None:
        batches = {r: view.records.external_id_claim(r, value) for r in sorted(REGISTRIES)}
        found += [
            ("f.external_id", f"{r} {value}", "/batches/", c.batch_id)
            for r, c in batches.items()
            if c is not None
        ]
    if CERTIFICATE_NUMBER_PATTERN.fullmatch(value) is not None:
        projects = {k: view.records.tenure_claim(k, value) for k in sorted(CERTIFICATE_KINDS)}
        found += [
            ("f.certificate", value, "/projects/", c.project_id)
            for k, c in projects.items()
            if c is not None
        ]
    return [
        SearchHit(kind=kind, label=f"{label} → {target}", path=prefix + segment(target))
        for kind, label, prefix, target in found
    ]


def _text_hits(view: ChainView, text: str) -> list[SearchHit]:
    """Case numbers and project names or ids that contain the text (case-insensitive)."""
    needle = text.casefold()
    hits = []
    for case in view.records.cases()[0]:
        if needle in case.case_number.casefold() or needle == case.case_id:
            label = f"{case.case_number} ({case.case_id})"
            hits.append(
                SearchHit(kind="f.case", label=label, path=f"/cases/{segment(case.case_id)}")
            )
    for project in view.records.projects()[0]:
        names = (project.project_id, project.name_zh, project.name_en)
        if any(needle in name.casefold() for name in names):
            label = f"{project.name_zh} / {project.name_en}"
            path = f"/projects/{segment(project.project_id)}"
            hits.append(SearchHit(kind="f.project", label=label, path=path))
    return hits
