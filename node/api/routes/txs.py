"""POST /v1/txs (one or a batch) and GET /v1/txs/{tx_id}?wait_ms= ."""

from collections.abc import Sequence
from typing import Annotated, Any

import msgspec
from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from contracts.admission import admission_reason_for
from node.api.caching import CACHE_CONTROL, IMMUTABLE
from node.api.deps import QueryChecked, ServiceDep
from node.api.errors import ApiError
from node.api.json_bounds import JsonBoundsError, check_json_bounds
from node.api.limits import HttpLimits
from node.api.schemas import (
    BatchSubmitResponse,
    DecimalInt,
    ErrorResponse,
    SubmitResult,
    TxStatusResponse,
)
from node.tx_outcomes import (
    ADMISSION_BUSY,
    BUSY_REASONS,
    WAIT_MS_MAX,
    DecodedTx,
    SubmitOutcome,
    Submitted,
    TxState,
    TxStatus,
)
from protocol.encoding import decode_noting_domain
from protocol.errors import EncodingError, FieldTypeError, UnknownFieldError
from protocol.fields import expect_object, parse_hex
from protocol.hashing import HASH_SIZE, Hash32
from protocol.tx import COSIGNATURES_MAX, PROTOCOL_VERSION
from protocol.tx_decode import signed_batch_fast

router = APIRouter(tags=["transactions"], dependencies=[QueryChecked])
BATCH_TXS_MAX = 1000
RETRY_AFTER = {"Retry-After": "2"}
"""Seconds a client refused for lack of room should wait: about two blocks."""
_HEX_32 = {"type": "string", "pattern": "^[0-9a-f]{64}$"}
_SIGNED_TX_SCHEMA = {
    "title": "SignedTx",
    "description": "One signed tx (PROTOCOL.md §4): the tx every signer signs, and one "
    "signature per key, sorted by public key",
    "type": "object",
    "properties": {
        "tx": {
            "type": "object",
            "properties": {
                "chain_id": _HEX_32,
                "protocol_version": {"type": "integer", "const": PROTOCOL_VERSION},
                "type": {"type": "string", "maxLength": 64, "examples": ["credits.retire"]},
                "sender": _HEX_32,
                "nonce": {"type": "integer", "minimum": 1},
                "expires_at_ms": {"type": "integer"},
                "body": {"type": "object", "description": "the type's fields (docs/STATE.md)"},
            },
            "required": [
                "chain_id",
                "protocol_version",
                "type",
                "sender",
                "nonce",
                "expires_at_ms",
                "body",
            ],
            "additionalProperties": False,
        },
        "signatures": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "public_key": _HEX_32,
                    "signature": {"type": "string", "pattern": "^[0-9a-f]{128}$"},
                },
                "required": ["public_key", "signature"],
                "additionalProperties": False,
            },
            "minItems": 1,
            "maxItems": COSIGNATURES_MAX,
        },
    },
    "required": ["tx", "signatures"],
    "additionalProperties": False,
}
_TX_BODY_SCHEMA = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    # anyOf: a batch was an object too, so under oneOf (exactly one) with an
                    # untyped first branch every batch failed a conforming validator.
                    "anyOf": [
                        _SIGNED_TX_SCHEMA,
                        {
                            "title": "Batch",
                            "type": "object",
                            "properties": {
                                "txs": {
                                    "type": "array",
                                    "items": _SIGNED_TX_SCHEMA,
                                    "minItems": 1,
                                    "maxItems": BATCH_TXS_MAX,
                                }
                            },
                            "required": ["txs"],
                            "additionalProperties": False,
                        },
                    ]
                }
            }
        },
    }
}
_RETRY_AFTER_HEADER = {
    "Retry-After": {
        "description": f"Seconds to wait before sending again: {RETRY_AFTER['Retry-After']}",
        "schema": {"type": "integer"},
    }
}


_JSON_MEDIA_TYPES = frozenset({"application/json", ""})
"""What a tx may be sent as: application/json, or no Content-Type at all (read as JSON, as
clients and scripts have sent txs from the start). Any other declared type is refused,
unread: the body is not what this route reads, or not what it says it is. Above all the
types a browser sends to another origin without asking it first (CORS "simple requests":
text/plain, forms, multipart), with which any web page could make its visitor's browser
submit a signed tx it holds to a node on their network. Not application/*+json either:
such a type names a format of its own (a JSON patch, a problem report), and a tx is none."""


NOT_A_VALIDATOR = "NOT_A_VALIDATOR"
"""POST /v1/txs to an observer or a validator outside the set (409): refused unread."""


@router.post(
    "/v1/txs",
    status_code=202,
    openapi_extra=_TX_BODY_SCHEMA,
    responses={
        400: {"model": ErrorResponse},
        409: {
            "model": ErrorResponse,
            "description": "an observer, or a validator outside the set: submit to a validator",
        },
        413: {"model": ErrorResponse},
        415: {"model": ErrorResponse, "description": "sent as anything but application/json"},
        429: {
            "model": ErrorResponse | BatchSubmitResponse,
            "description": "mempool full or sender quota: a single tx's error, or a batch's "
            "results when some tx of it was refused for room (the others may be pending)",
            "headers": _RETRY_AFTER_HEADER,
        },
        503: {
            "model": ErrorResponse,
            "description": "admission backlog full",
            "headers": _RETRY_AFTER_HEADER,
        },
        202: {"model": SubmitResult | BatchSubmitResponse},
    },
    summary='Submit one signed tx, or {"txs": [...]} (at most 1000)',
)
async def submit_txs(request: Request, service: ServiceDep) -> JSONResponse:
    if (refusal := service.tx_refusal()) is not None:
        # Before: 202 "pending", and the tx waited in a pool nothing proposes from until it
        # expired (an observer, or a validator outside the set).
        raise ApiError(409, NOT_A_VALIDATOR, f"{refusal}; submit txs to a validator")
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media_type not in _JSON_MEDIA_TYPES:
        raise ApiError(
            415,
            "UNSUPPORTED_MEDIA_TYPE",
            f"a tx is sent as Content-Type: application/json, not {media_type}",
        )
    body = await request.body()
    limits: HttpLimits = request.app.state.limits
    # Bounding and decoding a multi-MiB body is CPU work: off the event loop, so /healthz
    # and everyone else's requests keep being answered meanwhile.
    payloads, batch = await run_in_threadpool(_split_submission, body, limits.json_elements_max)
    outcomes = await service.submit(payloads)
    if outcomes and outcomes[0].reason == ADMISSION_BUSY:
        # All or none: the backlog refuses a whole submission before parsing any of it.
        raise ApiError(503, ADMISSION_BUSY, outcomes[0].detail or "", RETRY_AFTER)
    if batch:
        results = {"results": [_outcome_json(o) for o in outcomes]}
        if any(o.reason in BUSY_REASONS for o in outcomes):
            return _SubmitResponse(results, status_code=429, headers=RETRY_AFTER)
        return _SubmitResponse(results, status_code=202)
    (outcome,) = outcomes
    if outcome.reason in BUSY_REASONS:
        raise ApiError(429, outcome.reason or "", outcome.detail or "", RETRY_AFTER)
    if not outcome.accepted:
        raise ApiError(400, outcome.reason or "REJECTED", outcome.detail or "")
    return _SubmitResponse(_outcome_json(outcome), status_code=202)


class _SubmitResponse(JSONResponse):
    """JSONResponse's very bytes (compact, keys in the order given, non-ASCII as UTF-8,
    controls escaped as json.dumps does), written by msgspec's C encoder: json.dumps of a
    batch's results was ~2 % of a validator's py-spy samples under `lantan bench`."""

    def render(self, content: Any) -> bytes:
        return msgspec.json.encode(content)


def _split_submission(body: bytes, elements_max: int) -> tuple[Sequence[Submitted], bool]:
    """The tx payloads of a body (one tx, or {"txs": [...]}) and whether it was a batch.

    A batch's txs are handed on read (a canonical batch of well-formed envelopes, read in C
    straight into signed txs) or else decoded: decoding the body checked every one of them
    against the protocol's JSON domain, and encoding each to decode it again in admission
    was ~2.5 % of a validator's py-spy samples under `lantan bench` (docs/PERFORMANCE.md)."""
    try:
        check_json_bounds(body, elements_max)
    except JsonBoundsError as error:
        raise ApiError(413, "TOO_COMPLEX", str(error)) from None
    read = signed_batch_fast(body)
    if read is not None:
        _check_batch_size(len(read))
        return read, True
    try:
        value, in_c_domain = decode_noting_domain(body)
    except EncodingError as error:
        # The same reason code admission gives (float_number, malformed_json, ...).
        raise ApiError(400, admission_reason_for(error).value, str(error)) from None
    if isinstance(value, dict) and "txs" in value and "tx" not in value:
        # A batch, whatever else it holds: read as one tx, its "txs" would be reported an
        # unknown field (a typo of "tx"?) beside the truly unknown ones.
        try:
            expect_object(value, "batch", required=("txs",))
        except UnknownFieldError as error:
            shape = 'a batch is {"txs": [signed tx, ...]} and nothing else'
            raise ApiError(400, admission_reason_for(error).value, f"{error}; {shape}") from None
        items = value["txs"]
        if not isinstance(items, list):
            items = []  # refused as an empty list is: "a list of 1..1000 txs"
        _check_batch_size(len(items))
        return [DecodedTx(item, in_c_domain) for item in items], True
    return [body], False


def _check_batch_size(count: int) -> None:
    if not 0 < count <= BATCH_TXS_MAX:
        raise ApiError(400, "BAD_BATCH", f"txs must be a list of 1..{BATCH_TXS_MAX} txs")


def _outcome_json(outcome: SubmitOutcome) -> dict[str, str | int | None]:
    committed = outcome.height is not None
    status = "committed" if committed else "pending"
    return {
        "tx_id": None if outcome.tx_id is None else outcome.tx_id.hex(),
        "status": status if outcome.accepted else "rejected_at_admission",
        "reason": None if outcome.accepted else outcome.reason,
        "detail": None if outcome.accepted else outcome.detail,
        "height": outcome.height,
        "index": outcome.index,
    }


@router.get(
    "/v1/txs/{tx_id}",
    response_model=TxStatusResponse,
    summary="A tx's status; wait_ms waits while it is pending",
)
async def get_tx(
    tx_id: str,
    service: ServiceDep,
    response: Response,
    wait_ms: Annotated[int, Query(ge=0, le=WAIT_MS_MAX), DecimalInt] = 0,
) -> TxStatusResponse:
    status = await service.wait_tx(_parse_tx_id(tx_id), wait_ms)
    if status.state is TxState.COMMITTED:
        response.headers[CACHE_CONTROL] = IMMUTABLE  # a committed tx stays where it is
    return status_response(status)


def _parse_tx_id(text: str) -> Hash32:
    try:
        return Hash32(parse_hex(text, "tx_id", size=HASH_SIZE))
    except FieldTypeError as error:
        raise ApiError(400, "BAD_TX_ID", str(error)) from None


def status_response(status: TxStatus) -> TxStatusResponse:
    result = None if status.result is None else status.result.to_json()
    return TxStatusResponse.model_validate(
        {
            "tx_id": status.tx_id.hex(),
            "status": status.state.value,
            "height": status.height,
            "index": status.index,
            "result": result,
            "reason": status.reason,
        },
        strict=False,
    )
