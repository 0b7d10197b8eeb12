"""TxResult: the committed outcome of one transaction (DESIGN.md §2). Pure.

results_root commits to JCS({tx_id, status, reason}) per tx in block order, so a receipt
can prove a retirement was ACCEPTED, not merely included.
"""

import enum
from dataclasses import dataclass

from protocol.encoding import JsonObject, encode
from protocol.errors import FieldTypeError
from protocol.fields import expect_object, read_hex, read_str
from protocol.hashing import HASH_SIZE, Hash32


class TxStatus(enum.Enum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True, kw_only=True)
class TxResult:
    tx_id: Hash32
    status: TxStatus
    reason: str | None
    """Machine-readable rejection reason code; None exactly when accepted."""

    def __post_init__(self) -> None:
        if (self.status is TxStatus.ACCEPTED) != (self.reason is None):
            raise FieldTypeError("reason must be null exactly when the status is accepted")

    def to_json(self) -> JsonObject:
        return {"tx_id": self.tx_id.hex(), "status": self.status.value, "reason": self.reason}

    @classmethod
    def from_json(cls, value: object) -> "TxResult":
        obj = expect_object(value, "tx result", ("tx_id", "status", "reason"))
        status = read_str(obj, "status")
        if status not in {s.value for s in TxStatus}:
            raise FieldTypeError(f"status: unknown {status!r}")
        return cls(
            tx_id=Hash32(read_hex(obj, "tx_id", size=HASH_SIZE)),
            status=TxStatus(status),
            reason=None if obj["reason"] is None else read_str(obj, "reason", max_length=128),
        )

    def canonical_bytes(self) -> bytes:
        """JCS(result): the results_root leaf."""
        return encode(self.to_json())
