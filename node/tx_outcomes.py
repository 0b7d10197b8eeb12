"""What a submitted tx gets back, and what following it answers: the outcome of a
submission, a tx's status and its states; the decoded forms a submission may take. No I/O.
"""

import enum
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from protocol.encoding import JsonValue
from protocol.hashing import Hash32
from protocol.results import TxResult
from protocol.tx import SignedTx

REMEMBERED_MAX = 100_000
"""Rejected, dropped and expired tx ids remembered, each table (the oldest go first)."""
WAIT_MS_MAX = 30_000
"""Longest a GET /v1/txs/{id}?wait_ms= may wait (documented in the OpenAPI schema)."""
MEMPOOL_FULL = "mempool_full"
SENDER_QUOTA = "sender_quota_exceeded"
BUSY_REASONS = frozenset({MEMPOOL_FULL, SENDER_QUOTA})
"""Refusals for lack of room, not for the tx itself: HTTP 429 with Retry-After."""
ADMISSION_BUSY = "admission_busy"
"""Refused before parsing: the admission backlog is full (HTTP 503 with Retry-After)."""


class TxState(enum.Enum):
    PENDING = "pending"
    COMMITTED = "committed"
    REJECTED_AT_ADMISSION = "rejected_at_admission"
    DROPPED = "dropped"
    """Pending here, then dropped: another tx with its nonce was committed."""
    EXPIRED = "expired"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class DecodedTx:
    """A tx of a batch body the API decoded whole (node/api/routes/txs.py): admission parses
    the value without encoding and decoding it again. The body's own bounds bounded it; its
    canonical size is checked like every tx's (admit_signed_tx)."""

    value: JsonValue
    in_c_domain: bool = False
    """The body was read by the C decoder (protocol.encoding.decode_noting_domain)."""


Submitted = bytes | DecodedTx | SignedTx
"""A submitted tx: JSON bytes, a batch's decoded value, or a batch's tx read whole in C
(protocol/tx_decode.py signed_batch_fast: read as the reference reads it, not yet admitted)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SubmitOutcome:
    tx_id: Hash32 | None
    accepted: bool
    """True when the tx is pending or already committed."""
    reason: str | None = None
    detail: str | None = None
    height: int | None = None
    """Set when the tx is already committed, with index."""
    index: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class TxStatus:
    tx_id: Hash32
    state: TxState
    height: int | None = None
    index: int | None = None
    result: TxResult | None = None
    reason: str | None = None


def remember(table: "OrderedDict[Hash32, Any]", tx_id: Hash32, value: object) -> None:
    """Keep tx_id in table, dropping the oldest past REMEMBERED_MAX."""
    table[tx_id] = value
    while len(table) > REMEMBERED_MAX:
        table.popitem(last=False)
