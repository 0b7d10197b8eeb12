"""Registry search: a tx id, a serial number, a case number, a project (and other ids).

Each kind of query is tried in turn and every match is returned; the route redirects
when exactly one matches. Lists are scanned up to chain_view.LIST_LIMIT records per kind.
"""

from dataclasses import dataclass

from node.web.chain_view import ChainView
from node.web.formatting import range_text
from node.web.markup import segment

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
    if digits.isdigit() and len(digits) <= 16:
        hits += _number_hits(view, int(digits))
    hits += _id_hits(view, lowered)
    hits += _text_hits(view, text)
    unique: dict[str, SearchHit] = {}
    for hit in hits:
        unique.setdefault(hit.path, hit)
    return list(unique.values())


def _hex_hits(view: ChainView, value: str) -> list[SearchHit]:
    hits = []
    committed = view.find_tx(value)
    if committed is not None:
        label = f"{committed.signed['tx']['type']} @ {committed.height}"
        hits.append(SearchHit(kind="f.tx_id", label=label, path=f"/txs/{value}"))
    if view.record(f"retirement/{value}") is not None:
        hits.append(SearchHit(kind="f.retirement", label=value, path=f"/retirements/{value}"))
    key_record = view.record(f"key/{value}")
    if key_record is not None:
        institution = str(key_record.get("institution_id"))
        hits.append(
            SearchHit(
                kind="f.institution",
                label=institution,
                path=f"/institutions/{segment(institution)}",
            )
        )
    holder = view.record(f"holder/{value}")
    for account_id in [] if holder is None else holder.get("account_ids", []):
        hits.append(
            SearchHit(
                kind="f.account",
                label=str(account_id),
                path=f"/accounts/{segment(str(account_id))}",
            )
        )
    return hits


def _number_hits(view: ChainView, number: int) -> list[SearchHit]:
    """A block height, and the serial block holding that serial in every batch that has it."""
    hits = []
    if number <= view.height:
        hits.append(SearchHit(kind="f.block", label=f"#{number:,}", path=f"/blocks/{number}"))
    for batch in view.records("batch/")[0]:
        top = int(batch.get("quantity_kg", 0)) + int(batch.get("buffer_kg", 0))
        if not 1 <= number <= top:
            continue
        batch_id = str(batch["batch_id"])
        for block in view.records(f"serials/{batch_id}/", limit=100_000)[0]:
            first, last = int(block["first_serial"]), int(block["last_serial"])
            if first <= number <= last:
                label = f"{batch_id} {range_text(first, last)} ({block.get('status')})"
                path = f"/batches/{segment(batch_id)}/serials/{first}-{last}"
                hits.append(SearchHit(kind="f.serials", label=label, path=path))
                break
    return hits


ID_KINDS = (
    ("project/", "f.project", "/projects/"),
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
        if view.record(prefix + value) is not None
    ]


def _text_hits(view: ChainView, text: str) -> list[SearchHit]:
    """Case numbers and project names or ids that contain the text (case-insensitive)."""
    needle = text.casefold()
    hits = []
    for case in view.records("case/")[0]:
        if needle in str(case.get("case_number", "")).casefold() or needle == str(
            case.get("case_id")
        ):
            label = f"{case.get('case_number')} ({case.get('case_id')})"
            hits.append(
                SearchHit(
                    kind="f.case", label=label, path=f"/cases/{segment(str(case['case_id']))}"
                )
            )
    for project in view.records("project/")[0]:
        names = (project.get("project_id"), project.get("name_zh"), project.get("name_en"))
        if any(needle in str(name or "").casefold() for name in names):
            label = f"{project.get('name_zh')} / {project.get('name_en')}"
            hits.append(
                SearchHit(
                    kind="f.project",
                    label=label,
                    path=f"/projects/{segment(str(project['project_id']))}",
                )
            )
    return hits
