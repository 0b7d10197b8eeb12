"""Why a retirement receipt is refused: one machine-readable code per failure (PROTOCOL.md §14.4).

ReceiptError(code, detail) is what client/receipt/verify.py raises; the CLI prints the code
and detail and exits 1. The codes are part of protocol v1: an independent verifier built
from the specification reports the same ones.
"""

import enum

from client.errors import CodedError


class ReceiptCode(enum.Enum):
    BAD_GENESIS = "BAD_GENESIS"
    """The genesis file given to the verifier does not parse (not the receipt's fault)."""
    MALFORMED = "MALFORMED"
    BAD_SET_CHANGE = "BAD_SET_CHANGE"
    WRONG_CHAIN = "WRONG_CHAIN"
    BAD_CHAIN = "BAD_CHAIN"
    BAD_CERTIFICATE = "BAD_CERTIFICATE"
    DUPLICATE_SIGNER = "DUPLICATE_SIGNER"
    NOT_A_VALIDATOR = "NOT_A_VALIDATOR"
    QUORUM_NOT_REACHED = "QUORUM_NOT_REACHED"
    WRONG_RETIREMENT = "WRONG_RETIREMENT"
    NOT_A_RETIREMENT = "NOT_A_RETIREMENT"
    BAD_TX_SIGNATURE = "BAD_TX_SIGNATURE"
    BAD_TX_PROOF = "BAD_TX_PROOF"
    BAD_RESULT_PROOF = "BAD_RESULT_PROOF"
    TX_NOT_ACCEPTED = "TX_NOT_ACCEPTED"
    BAD_CHECKPOINT = "BAD_CHECKPOINT"
    CHECKPOINT_WRONG_CHAIN = "CHECKPOINT_WRONG_CHAIN"
    CHECKPOINT_QUORUM = "CHECKPOINT_QUORUM"
    WITNESS_QUORUM = "WITNESS_QUORUM"
    """The genesis names witnesses, and fewer of them cosigned the checkpoint than it asks
    (ADR 0021): a history no independent witness vouched for."""
    BAD_HISTORY_PROOF = "BAD_HISTORY_PROOF"
    BAD_STATE_PROOF = "BAD_STATE_PROOF"
    MISSING_RECORD = "MISSING_RECORD"
    UNEXPECTED_RECORD = "UNEXPECTED_RECORD"
    RETIREMENT_MISMATCH = "RETIREMENT_MISMATCH"
    QUANTITY_MISMATCH = "QUANTITY_MISMATCH"
    SERIALS_MISMATCH = "SERIALS_MISMATCH"
    RECORD_MISMATCH = "RECORD_MISMATCH"
    CASE_MISMATCH = "CASE_MISMATCH"
    COURT_ROLE_MISSING = "COURT_ROLE_MISSING"
    DIGEST_MISMATCH = "DIGEST_MISMATCH"
    """A version-2 receipt whose receipt_digest is not the hash of its fixed parts (§14.6)."""


class ReceiptError(CodedError[ReceiptCode]):
    """A receipt that does not verify: code says which check failed, detail how."""
