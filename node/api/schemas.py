"""Pydantic models of the public API's answers, for the OpenAPI schema. Edge only (STYLE §3).

Routes build protocol types and convert them at the route; nothing below node/api/ sees
pydantic. Request bodies that are signed bytes (txs) are read raw, because re-parsing them
through a model could change what was signed.
"""

import re
from typing import Annotated, Any, Literal

from fastapi import Path
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from contracts.state_keys import STATE_KEY_LENGTH_MAX


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class ErrorDetail(Strict):
    code: str = Field(
        description="Machine-readable reason: an HTTP-layer code in UPPER_SNAKE (e.g. NOT_FOUND, "
        "BAD_REQUEST) or, from POST /v1/txs, a lower_snake admission reason (e.g. wrong_nonce); "
        "docs/PROTOCOL.md §15.2 lists both"
    )
    detail: str


class ErrorResponse(Strict):
    error: ErrorDetail


class SubmitResult(Strict):
    tx_id: str | None = Field(description="Hex tx_id, null when the body did not parse")
    status: Literal["pending", "committed", "rejected_at_admission"]
    reason: str | None = None
    detail: str | None = None
    height: int | None = Field(default=None, description="Set when already committed")
    index: int | None = None


class BatchSubmitResponse(Strict):
    results: list[SubmitResult]


class TxResultModel(Strict):
    tx_id: str
    status: Literal["accepted", "rejected"]
    reason: str | None


class TxStatusResponse(Strict):
    tx_id: str
    status: Literal[
        "pending", "committed", "rejected_at_admission", "dropped", "expired", "unknown"
    ]
    height: int | None = None
    index: int | None = None
    result: TxResultModel | None = None
    reason: str | None = None


class ValidatorModel(Strict):
    name: str
    public_key: str
    note_verifier_key: str


class StatusResponse(Strict):
    chain_id: str
    node: str
    role: Literal["validator", "observer"]
    voting: bool
    height: int
    round: int | None
    step: Literal["propose", "prevote", "precommit", "committing"] | None
    proposer: str | None
    head_hash: str
    state_root: str
    history_root: str
    validators: list[ValidatorModel]
    quorum: int
    f_S: int  # noqa: N815 - the names DESIGN.md §4 uses
    f_L: int  # noqa: N815
    mempool_txs: int
    halted: str | None


class CatchingUpModel(Strict):
    height: int
    target: int


class ReadyResponse(Strict):
    ready: bool
    problems: list[str] = Field(description="Why not ready, each worded for an operator")
    warnings: list[str] = Field(description="What an operator should see though ready")
    catching_up: CatchingUpModel | None


class CertifiedHeaderModel(Strict):
    header: dict[str, Any] | None
    certificate: dict[str, Any] | None


class ForkResponse(Strict):
    height: int
    peer: str = Field(description="The peer that served the other certified block")
    ours: CertifiedHeaderModel
    theirs: CertifiedHeaderModel
    double_signers: list[dict[str, Any]] = Field(
        default_factory=list,
        description="[{offender, evidence}]; absent when this node's own certificate is",
    )


class NonceResponse(Strict):
    public_key: str
    committed: int
    pending: int


class Page(Strict):
    items: list[dict[str, Any]]
    next_cursor: str | None


class TxIdsResponse(Strict):
    tx_ids: list[str]
    more: bool


class BlockResponse(Strict):
    block: dict[str, Any]
    certificate: dict[str, Any] | None
    results: list[TxResultModel]


class RecordResponse(Strict):
    key: str
    value: dict[str, Any]
    height: int


class PeerAccepted(Strict):
    accepted: bool


class AnnouncedAddressModel(Strict):
    address: str = Field(description="http[s]://host:port, as node.announce wrote it")
    height: int = Field(description="The height of the block whose node.announce wrote it")


class WitnessStatusModel(Strict):
    name: str = Field(description="Its cosigner name in genesis")
    public_key: str = Field(description="Its cosigning key (hex), as genesis names it")
    cosignature_verifier_key: str = Field(
        description="Its C2SP cosignature/v1 verifier key, <name>+<8 hex key id>+"
        "<base64(0x04 || key)> (PROTOCOL.md §10.1), for standard tools as is"
    )
    institution_id: str | None = Field(
        description="The institution the key is registered to on chain, or null"
    )
    key_status: Literal["active", "rotated", "revoked"] | None = Field(
        description="The key's status on chain, null when it is not registered"
    )
    announced: AnnouncedAddressModel | None = Field(
        description="Its last node.announce, null before any (nodes never dial it)"
    )
    cosigned_size: int | None = Field(
        description="The newest checkpoint size whose cosignature of it this node keeps"
    )


class WitnessesResponse(Strict):
    height: int = Field(description="The committed height the chain records were read at")
    quorum: int | None = Field(
        description="Cosignatures a checkpoint needs; null when genesis names no witnesses"
    )
    witnesses: list[WitnessStatusModel]


StateKey = Annotated[
    str,
    Path(
        max_length=STATE_KEY_LENGTH_MAX,
        description="A state key as docs/STATE.md spells it, '/' included (account/<id>)",
    ),
]
"""A state key in a URL path: longer ones are refused (400) before any read."""

_DECIMAL = re.compile(r"0|[1-9][0-9]*")


def is_decimal_text(text: str) -> bool:
    """Whether text is an integer as a URL spells it: digits alone, no leading zero."""
    return _DECIMAL.fullmatch(text) is not None


def _decimal_text(value: object) -> object:
    """An integer in a URL is its decimal digits alone: the framework's lax reading took
    `45.0`, `+10` and `02` as 45, 10 and 2 (stop 56's JS auditor), where PROTOCOL.md §15
    refuses what it does not define rather than guess (an unknown query parameter is a
    400 too). A long number passes here: past the chain it is absent (404), not malformed."""
    if isinstance(value, str) and not is_decimal_text(value):
        raise ValueError(
            "expected a decimal integer (digits only: no sign, leading zero, fraction or exponent)"
        )
    return value


DecimalInt = BeforeValidator(_decimal_text)
"""The metadata that makes an int path or query parameter decimal digits only. It goes last,
after the Query or Path that bounds the int (it still runs first: a before-validator wraps
the int's checks): ahead of it, pydantic wrote the bounds into /openapi.json as raw
`ge`/`le` keys, which no JSON Schema tool reads, instead of `minimum`/`maximum`."""

Height = Annotated[int, Path(ge=0, description="A committed height; 0 is genesis"), DecimalInt]
"""A height in a URL path: a negative one is malformed (400), one past the head absent (404),
as the query parameters' bounds have it."""

HistorySize = Annotated[
    int,
    Path(ge=1, description="A history size (height + 1): genesis is always in it"),
    DecimalInt,
]
"""A history size in a URL path: below 1 is malformed (400)."""
