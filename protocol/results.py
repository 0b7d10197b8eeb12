"""TxResult: the committed outcome of one transaction (DESIGN.md §2). Pure.

results_root commits to JCS({tx_id, status, reason}) per tx in block order, so a receipt
can prove a retirement was ACCEPTED, not merely included.
"""

import enum
from dataclasses import dataclass, field
from typing import Annotated

from protocol.codec import CachedJsonCodec, optional, string
from protocol.encoding import encode
from protocol.errors import FieldTypeError
from protocol.hashing import Hash32
from protocol.merkle import hash_leaf


class TxStatus(enum.Enum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True, kw_only=True)
class TxResult(CachedJsonCodec, what="tx result"):
    tx_id: Hash32
    status: TxStatus
    reason: Annotated[str | None, optional(string(max_length=128))]
    """Machine-readable rejection reason code; None exactly when accepted."""
    _leaf_hash: Hash32 | None = field(init=False, repr=False, compare=False)
    """hash_leaf(canonical bytes) once leaf_hash was asked (see there)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "_leaf_hash", None)
        if (self.status is TxStatus.ACCEPTED) != (self.reason is None):
            raise FieldTypeError("reason must be null exactly when the status is accepted")

    def canonical_bytes(self) -> bytes:
        """JCS(result), the results_root leaf, written out once and kept: the keys in order
        (reason < status < tx_id), the status an ASCII word and tx_id lowercase hex, which
        JSON never escapes, and the reason through the encoder (equal to encode(to_json()))."""
        try:
            return self._canonical_bytes
        except AttributeError:
            reason = b"null" if self.reason is None else encode(self.reason)
            status, tx_id = self.status.value.encode(), self.tx_id.hex().encode()
            data = b'{"reason":%s,"status":"%s","tx_id":"%s"}' % (reason, status, tx_id)
            object.__setattr__(self, "_canonical_bytes", data)
            return data

    def leaf_hash(self) -> Hash32:
        """The RFC 9162 leaf hash of the canonical bytes (the results_root leaf), hashed once:
        execution hashes it for the results_root and the commit for the block's leaves."""
        leaf = self._leaf_hash
        if leaf is None:
            leaf = hash_leaf(self.canonical_bytes())
            object.__setattr__(self, "_leaf_hash", leaf)
        return leaf
