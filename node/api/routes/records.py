"""State records: any record by key, and paginated lists per kind (docs/STATE.md)."""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Query

from contracts.auction_records import Lot
from contracts.case_records import Case
from contracts.link_records import EXTERNAL_ID_PATTERN, REGISTRIES
from contracts.state_key_grammar import KEY_GRAMMAR_TEXT, is_state_key
from contracts.state_keys import external_id_key, tenure_claim_key
from contracts.tenure_records import CERTIFICATE_KINDS, CERTIFICATE_NUMBER_PATTERN
from node.api.deps import QueryChecked, ViewDep
from node.api.errors import ApiError, shown_value
from node.api.pagination import PAGE_LIMIT_MAX, decode_key_cursor, encode_key_cursor
from node.api.schemas import DecimalInt, ErrorResponse, Page, RecordResponse, StateKey
from node.chain_view import ChainView

router = APIRouter(tags=["records"], dependencies=[QueryChecked])
ERRORS: dict[int | str, dict[str, Any]] = {404: {"model": ErrorResponse}}
"""A route's own statuses; 400 for invalid input is declared for all (node/api/openapi.py)."""
Limit = Annotated[int, Query(ge=1, le=PAGE_LIMIT_MAX), DecimalInt]
Enrich = Callable[[ChainView, dict[str, Any]], dict[str, Any]]
"""What a kind's routes add to each of its records (JSON fields added, none changed)."""

KINDS = {
    "institutions": "institution/",
    "accounts": "account/",
    "projects": "project/",
    "verifications": "verification/",
    "attested-verifications": "attested_verification/",
    "batches": "batch/",
    "cases": "case/",
    "retirements": "retirement/",
    "evidence": "evidence/",
    "insurance": "insurance/",
    "considerations": "consideration/",
    "reversals": "reversal/",
    "insurance-claims": "insurance_claim/",
    "pledges": "pledge/",
    "auctions": "auction/",
}


def with_case_lifecycle(view: ChainView, record: dict[str, Any]) -> dict[str, Any]:
    """A case record with its `status`, `judgment` and `closure` (ADR 0029; null when the
    court recorded none), the status by the contracts' one rule."""
    status, judgment, closure = view.records.case_lifecycle(Case.from_json(record))
    return record | {
        "status": status,
        "judgment": None if judgment is None else judgment.to_json(),
        "closure": None if closure is None else closure.to_json(),
    }


def with_tenure(view: ChainView, record: dict[str, Any]) -> dict[str, Any]:
    """A project record with its `tenure` (ADR 0027: boundary, centroid, area, certificate,
    status; null when the issuer recorded none)."""
    tenure = view.records.project_tenure(str(record["project_id"]))
    return record | {"tenure": None if tenure is None else tenure.to_json()}


def with_links_and_held(view: ChainView, record: dict[str, Any]) -> dict[str, Any]:
    """A batch record with its `links` (ADR 0028: labels and external registry ids; null when
    the batch has none) and its `escrowed_kg` and `pledged_kg` (ADR 0034, 0032: kg its
    counters leave out, over every serial block of the batch)."""
    batch_id = str(record["batch_id"])
    links = view.records.batch_links(batch_id)
    held = view.records.batch_held_kg(batch_id)
    return (
        record
        | {"links": None if links is None else links.to_json()}
        | ({} if held is None else held.to_json())
    )


def with_bids(view: ChainView, record: dict[str, Any]) -> dict[str, Any]:
    """A lot record with its `bids` (ADR 0034: `auction_bid/<lot>/<account>` records in
    commit order, each with its revealed price once revealed)."""
    lot = Lot.from_json(record)
    return record | {"bids": [bid.to_json() for bid in view.records.lot_bids(lot)]}


def with_claim_decision(view: ChainView, record: dict[str, Any]) -> dict[str, Any]:
    """A claim record (its `status` as stored) with its `decision` (ADR 0035: what the
    insurer decided and paid; null while filed) and its policy's `policy_totals`."""
    decision = view.records.claim_decision(str(record["claim_id"]))
    totals = view.records.policy_claim_totals(str(record["policy_id"]))
    return record | {
        "decision": None if decision is None else decision.to_json(),
        "decided_fen": None if decision is None else decision.decided_fen,
        "paid_fen": None if decision is None else decision.paid_fen,
        "policy_totals": None if totals is None else totals.to_json(),
    }


def with_claim_totals(view: ChainView, record: dict[str, Any]) -> dict[str, Any]:
    """A policy record with its `claim_totals` (ADR 0035: claimed, rejected, accepted and
    paid fen over its claims, and whether the claims not rejected exceed the sum insured)."""
    totals = view.records.policy_claim_totals(str(record["policy_id"]))
    return record | {"claim_totals": None if totals is None else totals.to_json()}


ENRICH: dict[str, Enrich] = {
    "projects": with_tenure,
    "batches": with_links_and_held,
    "cases": with_case_lifecycle,
    "auctions": with_bids,
    "insurance-claims": with_claim_decision,
    "insurance": with_claim_totals,
}


def _page(
    view: ChainView, prefix: str, cursor: str | None, limit: int, enrich: Enrich | None = None
) -> Page:
    after = None if cursor is None else decode_key_cursor(cursor, prefix)
    records = view.state_page(prefix, after, limit + 1)
    shown = records[:limit]
    items: list[dict[str, Any]] = []
    for key, record in shown:
        if not isinstance(record, dict):
            items.append({"key": key, "value": record})
        else:
            items.append(record if enrich is None else enrich(view, record))
    more = len(records) > limit
    return Page(items=items, next_cursor=encode_key_cursor(shown[-1][0]) if more else None)


def _record(view: ChainView, key: str, absent: str | None = None) -> dict[str, Any]:
    """The record at key; else 404, saying what the absence means when absent is given."""
    value = view.state_json(key)
    if value is None:
        detail = f"no record {key!r}"
        if absent is not None:
            proof = f"GET /v1/proofs/state/{key} proves its absence"
            detail = f"{absent} at height {view.height}: {detail}; {proof}"
        raise ApiError(404, "NOT_FOUND", detail)
    return value if isinstance(value, dict) else {"value": value}


def given_state_key(key: str, route: str) -> str:
    """key, or 404 when the path ends where the key should start: {key:path} matches the
    empty string, but no state key is empty, and an empty last segment of every other
    route (/v1/txs/, /v1/accounts/) is a 404 NOT_FOUND too. A key of no family's shape is
    400 BAD_KEY on both routes: a non-inclusion proof of it would prove nothing asked, and
    a typo (`acount/x`) read as "absent" (PROTOCOL.md §15)."""
    if not key:
        detail = f"no state key: the route is {route}{{key}}, e.g. account/<id> (docs/STATE.md)"
        raise ApiError(404, "NOT_FOUND", detail)
    return well_formed_key(key)


def well_formed_key(key: str) -> str:
    """key, or 400 BAD_KEY when it has no family's shape: the one check of every route that
    reads a key it was given (/v1/state, /v1/proofs/state, /v1/{kind}/{id}), so that an
    id no record can have (`retirement/B620...`, a control character, 600 characters) is
    never answered "no record", as a typo read as "absent" would be."""
    if not is_state_key(key):
        raise ApiError(400, "BAD_KEY", f"{shown_value(key)} is no state key: {KEY_GRAMMAR_TEXT}")
    return key


@router.get("/v1/state/{key:path}", response_model=RecordResponse, responses=ERRORS)
def get_state_record(key: StateKey, view: ViewDep) -> RecordResponse:
    """Any committed state record by its state key, e.g. account/<id>."""
    key = given_state_key(key, "/v1/state/")
    return RecordResponse(key=key, value=_record(view, key), height=view.height)


def _register_kind(kind: str, prefix: str) -> None:
    enrich = ENRICH.get(kind)

    def list_kind(view: ViewDep, cursor: str | None = None, limit: Limit = 20) -> Page:
        return _page(view, prefix, cursor, limit, enrich)

    def get_kind(item_id: str, view: ViewDep) -> dict[str, Any]:
        record = _record(view, well_formed_key(prefix + item_id))
        return record if enrich is None else enrich(view, record)

    router.add_api_route(
        f"/v1/{kind}",
        list_kind,
        methods=["GET"],
        response_model=Page,
        responses=ERRORS,
        summary=f"List {kind}",
        name=f"list_{kind}",
    )
    router.add_api_route(
        f"/v1/{kind}/{{item_id}}",
        get_kind,
        methods=["GET"],
        responses=ERRORS,
        summary=f"One of {kind} by id",
        name=f"get_{kind}",
    )


for _kind, _prefix in KINDS.items():
    _register_kind(_kind, _prefix)


@router.get("/v1/accounts/{account_id}/holdings", response_model=Page, responses=ERRORS)
def list_holdings(
    account_id: str, view: ViewDep, cursor: str | None = None, limit: Limit = 20
) -> Page:
    """The account's holdings per batch (ACTIVE and FROZEN serial blocks); 404 for an account
    that does not exist (an empty page would read as "holds nothing")."""
    _record(view, well_formed_key(KINDS["accounts"] + account_id))
    return _page(view, f"holding/{account_id}/", cursor, limit)


@router.get("/v1/batches/{batch_id}/serials", response_model=Page, responses=ERRORS)
def list_serials(
    batch_id: str, view: ViewDep, cursor: str | None = None, limit: Limit = 20
) -> Page:
    """Every serial block of an issuance batch, in serial order, with holder and status; 404
    for a batch that does not exist."""
    _record(view, well_formed_key(KINDS["batches"] + batch_id))
    return _page(view, f"serials/{batch_id}/", cursor, limit)


def _index_record(view: ChainView, key: str, absent: str) -> RecordResponse:
    """The index record at key (ADR 0027, 0028), else 404 saying what its absence means and
    where the proof of that absence is."""
    return RecordResponse(key=key, value=_record(view, key, absent), height=view.height)


@router.get(
    "/v1/tenure/{certificate_kind}/{certificate_number}",
    response_model=RecordResponse,
    responses=ERRORS,
)
def get_tenure_claim(
    certificate_kind: str, certificate_number: str, view: ViewDep
) -> RecordResponse:
    """The active project a sea-area use or land tenure certificate backs (ADR 0027):
    `tenure/<kind>/<number>`; 404 when it backs none."""
    if certificate_kind not in CERTIFICATE_KINDS:
        kinds = ", ".join(sorted(CERTIFICATE_KINDS))
        raise ApiError(400, "BAD_REQUEST", f"certificate kind is one of {kinds}")
    if CERTIFICATE_NUMBER_PATTERN.fullmatch(certificate_number) is None:
        raise ApiError(400, "BAD_REQUEST", "certificate number is [0-9A-Z-], 1..48, upper case")
    key = tenure_claim_key(certificate_kind, certificate_number)
    return _index_record(view, key, "the certificate backs no active project")


@router.get(
    "/v1/external-ids/{registry}/{external_id}", response_model=RecordResponse, responses=ERRORS
)
def get_external_id_claim(registry: str, external_id: str, view: ViewDep) -> RecordResponse:
    """The one batch that claims an id of another registry (ADR 0028):
    `external_id/<registry>/<id>`; 404 when no batch claims it."""
    if registry not in REGISTRIES:
        raise ApiError(400, "BAD_REQUEST", f"registry is one of {', '.join(sorted(REGISTRIES))}")
    if EXTERNAL_ID_PATTERN.fullmatch(external_id) is None:
        raise ApiError(400, "BAD_REQUEST", "external id is [A-Z0-9][A-Z0-9._-]*, 1..96")
    key = external_id_key(registry, external_id)
    return _index_record(view, key, "no batch claims this external id")
