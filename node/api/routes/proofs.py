"""Proofs at any committed height and retirement receipts (docs/PROTOCOL.md §6, §9, §14).

Sync handlers: FastAPI runs them on its thread pool, so proof reads never block the event
loop that consensus and the peer API share.
"""

import math
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from client.witness.rounds import INTERVAL_S_DEFAULT
from node.api.caching import CACHE_CONTROL, IMMUTABLE, REVALIDATE
from node.api.deps import QueryChecked, ViewDep
from node.api.errors import ApiError
from node.api.routes.records import given_state_key
from node.api.schemas import DecimalInt, ErrorResponse, Height, StateKey
from node.chain_view import ChainView
from node.proofs import ProofUnavailableError, SignedCheckpoint
from protocol.encoding import encode
from protocol.errors import FieldTypeError
from protocol.fields import parse_hex
from protocol.hashing import HASH_SIZE, Hash32

router = APIRouter(tags=["proofs"], dependencies=[QueryChecked])
PENDING_RETRY_AFTER_S = (1, math.ceil(INTERVAL_S_DEFAULT / 2))
"""Retry-After of a 409 CHECKPOINT_PENDING: without witnesses, 1 s (the validators sign a
checkpoint every block); with them, half a witness's default round (a witness cosigns the
newest checkpoint it sees each round, docs/OPERATIONS.md), rounded up."""
ERRORS: dict[int | str, dict[str, Any]] = {404: {"model": ErrorResponse}}
"""A route's own statuses; 400 for invalid input is declared for all (node/api/openapi.py)."""


class InclusionProofModel(BaseModel):
    leaf_index: int
    tree_size: int
    hashes: list[str]


class HeaderProofResponse(BaseModel):
    header: dict[str, Any]
    proof: InclusionProofModel = Field(description="RFC 9162 inclusion of JCS(header)")
    checkpoint: str | None = Field(description="The signed note of tree_size, when held")


class ConsistencyResponse(BaseModel):
    size1: int
    size2: int
    hashes: list[str]


class TxProofResponse(BaseModel):
    height: int
    index: int
    signed_tx: dict[str, Any]
    tx_proof: InclusionProofModel = Field(description="Leaf JCS(signed tx) in tx_root")
    result: dict[str, Any]
    result_proof: InclusionProofModel = Field(description="Leaf JCS(result) in results_root")
    header: dict[str, Any]
    certificate: dict[str, Any] | None


class StateProofResponse(BaseModel):
    key: str
    value: dict[str, Any] | None = Field(description="The record, null when absent")
    proof: dict[str, Any] = Field(description="SMT proof {siblings, leaf} (PROTOCOL.md §9)")
    height: int
    state_root: str


class ValidatorSetChange(BaseModel):
    header: dict[str, Any]
    certificate: dict[str, Any]
    next_validators: dict[str, Any]


class ValidatorSetsResponse(BaseModel):
    genesis: dict[str, Any] = Field(description="The first validator set (genesis)")
    changes: list[ValidatorSetChange]


def _fail(error: ProofUnavailableError) -> ApiError:
    return ApiError(error.status_code, error.code, error.detail)


def _latest_size(view: ChainView) -> int:
    latest = view.signed_checkpoint()
    # Before any checkpoint has a quorum, the committed history still answers proofs.
    return view.height + 1 if latest is None else latest.size


@router.get("/v1/proofs/header/{height}", response_model=HeaderProofResponse, responses=ERRORS)
def get_header_proof(
    height: Height,
    view: ViewDep,
    response: Response,
    size: Annotated[int | None, Query(ge=1), DecimalInt] = None,
) -> HeaderProofResponse:
    """Header `height` and its inclusion proof in the history of `size` headers (default:
    the newest signed checkpoint's size), with that checkpoint note when this node has it."""
    if size is None:
        size = _latest_size(view)
        if size <= height <= view.height:
            # Committed, but under no signed checkpoint yet: not yet proven, which is what a
            # client polling for it asks (it was 400 BAD_RANGE for a request it did not make).
            raise ApiError(
                404,
                "NOT_FOUND",
                f"no signed checkpoint holds height {height} yet (the newest has size {size}); "
                "retry shortly, or ask with ?size=",
            )
    try:
        found = view.header_proof(height, size)
    except ProofUnavailableError as error:
        raise _fail(error) from None
    note = view.checkpoint_note(size)
    response.headers[CACHE_CONTROL] = REVALIDATE  # the note gains witness lines (caching.py)
    return HeaderProofResponse.model_validate(found | {"checkpoint": note})


@router.get("/v1/proofs/consistency", response_model=ConsistencyResponse, responses=ERRORS)
def get_consistency_proof(
    view: ViewDep,
    response: Response,
    first: Annotated[int, Query(ge=1), DecimalInt],
    second: Annotated[int, Query(ge=1), DecimalInt],
) -> ConsistencyResponse:
    """RFC 9162 consistency proof: the history of `second` headers extends that of `first`."""
    try:
        proof = ConsistencyResponse.model_validate(view.consistency_proof(first, second))
    except ProofUnavailableError as error:
        raise _fail(error) from None
    response.headers[CACHE_CONTROL] = IMMUTABLE  # hashes of committed headers alone
    return proof


@router.get("/v1/proofs/tx/{tx_id}", response_model=TxProofResponse, responses=ERRORS)
def get_tx_proof(tx_id: str, view: ViewDep, response: Response) -> TxProofResponse:
    """A committed tx, its TxResult, their paths to tx_root and results_root, the header
    and the commit certificate."""
    try:
        proof = TxProofResponse.model_validate(view.tx_proof(_hash(tx_id)))
    except ProofUnavailableError as error:
        raise _fail(error) from None
    response.headers[CACHE_CONTROL] = REVALIDATE  # the certificate is this node's
    return proof


@router.get("/v1/proofs/state/{key:path}", response_model=StateProofResponse, responses=ERRORS)
def get_state_proof(
    key: StateKey,
    view: ViewDep,
    response: Response,
    height: Annotated[int | None, Query(ge=0), DecimalInt] = None,
) -> StateProofResponse:
    """A state record (or its absence) with a sparse Merkle proof against the state_root of
    header `height` (default: the head)."""
    # Refused as GET /v1/state/ is: a proof of the absence of "" would prove nothing asked.
    key = given_state_key(key, "/v1/proofs/state/")
    if height is not None:
        # The state after a committed block; without height it is the head's, volatile.
        response.headers[CACHE_CONTROL] = IMMUTABLE
    height = view.height if height is None else height
    try:
        entry = view.state_proof(key, height)
    except ProofUnavailableError as error:
        raise _fail(error) from None
    header = view.header(height)
    assert header is not None
    return StateProofResponse.model_validate(
        entry | {"height": height, "state_root": header.state_root.hex()}
    )


@router.get("/v1/validator-sets", response_model=ValidatorSetsResponse)
def get_validator_sets(view: ViewDep) -> ValidatorSetsResponse:
    """Every validator-set change since genesis: the header whose next_validators_hash
    differs, its certificate, and the new set's preimage."""
    return ValidatorSetsResponse(
        genesis=view.genesis_validators().to_json(),
        changes=[ValidatorSetChange.model_validate(c) for c in view.validator_set_changes()],
    )


@router.get(
    "/v1/receipts/{retirement_id}",
    responses={
        **ERRORS,
        409: {
            "model": ErrorResponse,
            "description": "CHECKPOINT_PENDING: retry after Retry-After seconds",
            "headers": {
                "Retry-After": {
                    "description": f"Seconds to wait: {PENDING_RETRY_AFTER_S[0]}, or "
                    f"{PENDING_RETRY_AFTER_S[1]} when genesis names witnesses",
                    "schema": {"type": "integer"},
                }
            },
        },
        200: {"content": {"application/json": {}}, "description": "Receipt, canonical JSON"},
    },
    response_class=Response,
)
def get_receipt(
    retirement_id: str, view: ViewDep, size: Annotated[int | None, Query(ge=1), DecimalInt] = None
) -> Response:
    """The retirement receipt of PROTOCOL.md §14 as canonical JSON (its SHA-256 is the
    receipt hash), against the newest checkpoint a receipt may carry (with the witness
    cosignatures genesis asks for) or the one of `size`, when it has them."""
    retirement = _hash(retirement_id)
    checkpoint = _receipt_checkpoint(view, retirement, size)
    try:
        receipt = view.receipt(retirement, checkpoint)
    except ProofUnavailableError as error:
        if size is not None and error.code == "CHECKPOINT_PENDING":
            # The size asked for can never hold the retirement: retrying would not help.
            raise ApiError(400, "BAD_RANGE", f"{error.detail}; omit size") from None
        if error.code == "CHECKPOINT_PENDING":
            raise _pending(view, error.detail) from None
        raise _fail(error) from None
    # The certificate is this node's, the checkpoint the newest it may carry (caching.py).
    return Response(
        content=encode(receipt), media_type="application/json", headers={CACHE_CONTROL: REVALIDATE}
    )


def _receipt_checkpoint(view: ChainView, retirement: Hash32, size: int | None) -> SignedCheckpoint:
    if size is None:
        checkpoint = view.receipt_checkpoint()
        if checkpoint is None:
            # 409 tells the client to retry: only for a retirement a checkpoint will hold.
            # An unknown id (or a tx that is no retirement) was 409 too until the first
            # cosigned checkpoint, and 404 after: a retry that could never succeed.
            try:
                view.retirement_height(retirement)
            except ProofUnavailableError as error:
                raise _fail(error) from None
            raise _pending(view, pending_detail(view.witness_quorum()))
        return checkpoint
    found = view.receipt_checkpoint_of_size(size)
    if isinstance(found, str):
        raise ApiError(404, "NOT_FOUND", found)
    return found


def _pending(view: ChainView, detail: str) -> ApiError:
    """409 CHECKPOINT_PENDING with the Retry-After its "retry shortly" means in seconds
    (the 409 said when to retry in words only)."""
    seconds = PENDING_RETRY_AFTER_S[view.witness_quorum() is not None]
    return ApiError(409, "CHECKPOINT_PENDING", detail, {"Retry-After": str(seconds)})


def pending_detail(witness_quorum: int | None) -> str:
    """Why no receipt yet: witnesses are named only when genesis asks for them."""
    if witness_quorum is None:
        return "no checkpoint here has its validator quorum of signatures yet; retry shortly"
    return (
        "no checkpoint here has both its validator quorum and the "
        f"{witness_quorum} witness cosignature(s) genesis asks for yet; retry shortly"
    )


def _hash(text: str) -> Hash32:
    try:
        return Hash32(parse_hex(text, "id", size=HASH_SIZE))
    except FieldTypeError as error:
        raise ApiError(400, "BAD_ID", str(error)) from None
