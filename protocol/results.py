"""TxResult: the committed outcome of one transaction (DESIGN.md §2). Pure.

results_root commits to JCS({tx_id, status, reason}) per tx in block order, so a receipt
can prove a retirement was ACCEPTED, not merely included.
"""

import enum
from dataclasses import dataclass
from typing import Annotated

from protocol.codec import CachedJsonCodec, optional, string
from protocol.errors import FieldTypeError
from protocol.hashing import Hash32


class TxStatus(enum.Enum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True, kw_only=True)
class TxResult(CachedJsonCodec, what="tx result"):
    tx_id: Hash32
    status: TxStatus
    reason: Annotated[str | None, optional(string(max_length=128))]
    """Machine-readable rejection reason code; None exactly when accepted."""

    def __post_init__(self) -> None:
        if (self.status is TxStatus.ACCEPTED) != (self.reason is None):
            raise FieldTypeError("reason must be null exactly when the status is accepted")

    # canonical_bytes() (CachedJsonCodec): JCS(result), the results_root leaf.
