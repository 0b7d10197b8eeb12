"""Status, blocks with certificates and results, checkpoints, witnesses and sender nonces."""

import threading
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import PlainTextResponse, Response
from pydantic import BaseModel, Field

from node.api.caching import CACHE_CONTROL, REVALIDATE
from node.api.deps import QueryChecked, ServiceDep, ViewDep
from node.api.errors import ApiError
from node.api.pagination import PAGE_LIMIT_MAX, decode_int_cursor
from node.api.schemas import (
    AnnouncedAddressModel,
    BlockResponse,
    DecimalInt,
    ErrorResponse,
    Height,
    HistorySize,
    NonceResponse,
    Page,
    StatusResponse,
    TxIdsResponse,
    WitnessesResponse,
    WitnessStatusModel,
)
from node.chain_view import WitnessView
from node.cosignatures import (
    LINE_BYTES_MAX,
    CheckpointUnknownError,
    CosignatureRefusedError,
    CosignatureThrottledError,
)
from node.sync_fetch import BLOCK_RANGE_BYTES_MAX, BLOCK_RANGE_LIMIT_MAX
from protocol.cosignature import cosigner_verifier_key
from protocol.errors import FieldTypeError
from protocol.fields import parse_hex
from protocol.signing import PUBLIC_KEY_SIZE, PublicKey

router = APIRouter(tags=["chain"], dependencies=[QueryChecked])
RANGES_AT_ONCE = 4
"""Block ranges built at once. Each is up to BLOCK_RANGE_BYTES_MAX, held about twice while
it is joined, and the server runs routes on up to 40 threads: unbounded, 40 requests at
once could hold ~1.3 GB before the bound on unsent answers applies (stop 52's hostile
pass, from the code). Past it a request is answered 503 RANGE_BUSY with Retry-After at once,
not queued on the threads other routes need; block sync takes it as that peer's failure
and asks again (node/sync_fetch.py)."""
_ranges_building = threading.BoundedSemaphore(RANGES_AT_ONCE)
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorResponse}}
"""A route's own statuses; 400 for invalid input is declared for all (node/api/openapi.py)."""


@router.get("/v1/status", response_model=StatusResponse)
def get_status(service: ServiceDep) -> StatusResponse:
    """Height, round, proposer, head, roots, the validator set and this node's role."""
    return StatusResponse.model_validate(service.status(), strict=False)


@router.get("/v1/blocks", response_model=Page, responses=NOT_FOUND)
def list_blocks(
    view: ViewDep,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=PAGE_LIMIT_MAX), DecimalInt] = 20,
) -> Page:
    """Headers from the newest down; next_cursor continues below the last one shown."""
    top = view.height if cursor is None else decode_int_cursor(cursor) - 1
    heights = range(min(top, view.height), max(-1, top - limit), -1)
    items = []
    for height in heights:
        header = view.header(height)
        assert header is not None
        items.append(header.to_json() | {"block_hash": header.block_hash().hex()})
    next_cursor = str(heights[-1]) if heights and heights[-1] > 0 else None
    return Page(items=items, next_cursor=next_cursor)


@router.get(
    "/v1/blocks/range",
    response_class=Response,
    responses={
        200: {
            "content": {"application/json": {}},
            "description": '{"blocks": [{"block", "certificate"}, ...]}, canonical JSON',
        },
        503: {
            "model": ErrorResponse,
            "description": f"RANGE_BUSY: {RANGES_AT_ONCE} ranges are being built, retry after "
            "Retry-After seconds (or STORE_DAMAGED)",
            "headers": {"Retry-After": {"schema": {"type": "integer"}}},
        },
    },
)
def get_block_range(
    view: ViewDep,
    first: Annotated[int, Query(alias="from", ge=1), DecimalInt],
    limit: Annotated[
        int, Query(ge=1, le=BLOCK_RANGE_LIMIT_MAX), DecimalInt
    ] = BLOCK_RANGE_LIMIT_MAX,
) -> Response:
    """Committed blocks from height `from` up, each with its commit certificate, for block
    sync: at most `limit` blocks and about BLOCK_RANGE_BYTES_MAX of them (one block always),
    an empty list past the head. Results are not included: /v1/blocks/{height} has them."""
    if not _ranges_building.acquire(blocking=False):
        raise ApiError(
            503,
            "RANGE_BUSY",
            f"{RANGES_AT_ONCE} block ranges are being built",
            {"Retry-After": "1"},
        )
    try:
        body = view.block_range_json(first, limit, BLOCK_RANGE_BYTES_MAX)
    finally:
        _ranges_building.release()
    return Response(
        content=body, media_type="application/json", headers={CACHE_CONTROL: REVALIDATE}
    )


TX_IDS_SHOWN = 20
"""Ids a prefix lookup answers at most (`more` says there were others)."""
TX_PREFIX_DIGITS = (8, 64)
"""A tx id prefix's length in hex digits: 8 at least, as the CLI takes (client/id_prefix.py)."""


@router.get("/v1/txs", response_model=TxIdsResponse)
def tx_ids_with_prefix(
    view: ViewDep,
    prefix: Annotated[str, Query(min_length=TX_PREFIX_DIGITS[0], max_length=TX_PREFIX_DIGITS[1])],
) -> TxIdsResponse:
    """Committed tx ids that start with `prefix` (8-64 lowercase hex digits), in id order, at
    most 20 (`more`: there are others): a prefix lookup is one seek in the node's tx index,
    where reading every block cost a request per block (stop 55)."""
    if any(digit not in "0123456789abcdef" for digit in prefix):
        raise ApiError(400, "BAD_REQUEST", f"prefix {prefix[:64]!r}: expected lowercase hex")
    found = view.tx_ids_with_prefix(prefix, TX_IDS_SHOWN + 1)
    return TxIdsResponse(tx_ids=found[:TX_IDS_SHOWN], more=len(found) > TX_IDS_SHOWN)


@router.get("/v1/blocks/{height}", response_model=BlockResponse, responses=NOT_FOUND)
def get_block(height: Height, view: ViewDep, response: Response) -> BlockResponse:
    """A committed block, its commit certificate (null at height 0) and its TxResults."""
    found = view.block_json(height)
    if found is None:
        raise ApiError(404, "NOT_FOUND", f"no block at height {height}")
    # The block and results never change here; the certificate is this node's (caching.py).
    response.headers[CACHE_CONTROL] = REVALIDATE
    return BlockResponse.model_validate(
        {"block": found.block, "certificate": found.certificate, "results": found.results},
        strict=False,
    )


@router.get(
    "/v1/checkpoints/latest",
    response_class=PlainTextResponse,
    responses=NOT_FOUND,
)
def get_latest_checkpoint(view: ViewDep) -> PlainTextResponse:
    """The newest C2SP checkpoint note with >= q validator signature lines."""
    latest = view.signed_checkpoint()
    if latest is None:
        raise ApiError(404, "NOT_FOUND", "no checkpoint has a quorum of signatures yet")
    return PlainTextResponse(latest.note, media_type="text/plain; charset=utf-8")


@router.get(
    "/v1/checkpoints/{size}",
    response_class=PlainTextResponse,
    responses=NOT_FOUND,
)
def get_checkpoint(size: HistorySize, view: ViewDep) -> PlainTextResponse:
    """The checkpoint note for a history size (height + 1), once it has >= q lines."""
    note = view.checkpoint_note(size)
    if note is None:
        raise ApiError(404, "NOT_FOUND", f"no signed checkpoint for size {size}")
    # Witness cosignature lines are appended to it as they arrive (caching.py).
    return PlainTextResponse(
        note, media_type="text/plain; charset=utf-8", headers={CACHE_CONTROL: REVALIDATE}
    )


class CosignatureAccepted(BaseModel):
    witness: str = Field(description="The witness of genesis whose cosignature was kept")
    size: int = Field(description="The checkpoint size it cosigns")


@router.post(
    "/v1/checkpoints/{size}/cosignatures",
    response_model=CosignatureAccepted,
    status_code=202,
    responses=NOT_FOUND,
)
async def post_cosignature(
    size: HistorySize, request: Request, service: ServiceDep
) -> CosignatureAccepted:
    """A witness's c2sp.org/tlog-cosignature line (text/plain, one line ending in a newline)
    for the checkpoint of size this node serves (ADR 0021). It is bounded, then decoded,
    then verified, and only then kept (in the node's LevelDB, so it survives a restart);
    the checkpoint routes serve it after the validators' lines. On the event loop, where
    the books are written. Lines that fail their check are bounded per client address
    (node/cosignatures.py FORGED_LINES_PER_S)."""
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > LINE_BYTES_MAX:
            raise ApiError(
                413, "TOO_LARGE", f"a cosignature line has at most {LINE_BYTES_MAX} bytes"
            )
    try:
        sender = request.client.host if request.client is not None else ""
        witness = service.add_cosignature(size, body, sender)
    except CheckpointUnknownError as error:
        raise ApiError(404, "NOT_FOUND", str(error)) from None
    except CosignatureRefusedError as error:
        raise ApiError(400, "BAD_COSIGNATURE", str(error)) from None
    except CosignatureThrottledError as error:
        raise ApiError(429, "WITNESS_OVER_BUDGET", str(error), {"Retry-After": "1"}) from None
    return CosignatureAccepted(witness=witness, size=size)


@router.get("/v1/witnesses", response_model=WitnessesResponse)
def get_witnesses(view: ViewDep) -> WitnessesResponse:
    """The genesis witness policy for auditors (ADR 0025): the quorum and each witness's
    name and key, with the institution its key is registered to, the address it announced
    (nodes never dial it) and the newest checkpoint size whose cosignature of it this node
    keeps. An empty list and a null quorum when genesis names no witnesses."""
    height = view.height
    policy = view.witness_policy()
    if policy is None:
        return WitnessesResponse(height=height, quorum=None, witnesses=[])
    listed = [_witness_model(witness) for witness in policy.witnesses]
    return WitnessesResponse(height=height, quorum=policy.quorum, witnesses=listed)


def _witness_model(seen: WitnessView) -> WitnessStatusModel:
    announced = None
    if seen.announced is not None:
        announced = AnnouncedAddressModel(
            address=seen.announced.address, height=seen.announced.height
        )
    return WitnessStatusModel(
        name=seen.witness.name,
        public_key=seen.witness.public_key.hex(),
        cosignature_verifier_key=cosigner_verifier_key(seen.witness.name, seen.witness.public_key),
        institution_id=None if seen.key is None else seen.key.institution_id,
        key_status=None if seen.key is None else seen.key.status.value,
        announced=announced,
        cosigned_size=seen.cosigned_size,
    )


@router.get("/v1/nonces/{public_key}", response_model=NonceResponse)
def get_nonce(public_key: str, service: ServiceDep) -> NonceResponse:
    """A sender's committed nonce and the highest nonce it has pending here."""
    try:
        key = PublicKey(parse_hex(public_key, "public_key", size=PUBLIC_KEY_SIZE))
    except FieldTypeError as error:
        raise ApiError(400, "BAD_PUBLIC_KEY", str(error)) from None
    committed, pending = service.nonces(key)
    return NonceResponse(public_key=key.hex(), committed=committed, pending=pending)
