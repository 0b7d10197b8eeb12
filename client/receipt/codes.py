"""Why a retirement receipt is refused: one machine-readable code per failure (PROTOCOL.md §14.4).

ReceiptError(code, detail) is what client/receipt/verify.py raises; the CLI prints the code
and detail and exits 1. The codes are part of protocol v1: an independent verifier built
from the specification reports the same ones.
"""

import enum
from typing import Final

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


BOM_DETAIL = (
    "the file starts with a byte-order mark: it was re-saved by an editor; use the original file"
)
"""MALFORMED's detail for a receipt file that starts with a UTF-8 byte-order mark
(PROTOCOL.md §14.1), worded as in node/web/static/verify.js: Python's own message was a
hint to a programmer ("decode using utf-8-sig")."""


class ReceiptError(CodedError[ReceiptCode]):
    """A receipt that does not verify: code says which check failed, detail how."""


ALTERED_CODES: Final[frozenset[ReceiptCode]] = frozenset(
    {
        ReceiptCode.BAD_CERTIFICATE,
        ReceiptCode.WRONG_RETIREMENT,
        ReceiptCode.BAD_TX_SIGNATURE,
        ReceiptCode.BAD_TX_PROOF,
        ReceiptCode.BAD_RESULT_PROOF,
        ReceiptCode.BAD_CHECKPOINT,
        ReceiptCode.BAD_HISTORY_PROOF,
        ReceiptCode.BAD_STATE_PROOF,
        ReceiptCode.RETIREMENT_MISMATCH,
        ReceiptCode.QUANTITY_MISMATCH,
        ReceiptCode.SERIALS_MISMATCH,
        ReceiptCode.RECORD_MISMATCH,
        ReceiptCode.CASE_MISMATCH,
        ReceiptCode.DIGEST_MISMATCH,
    }
)
"""The codes whose check (§14.4 steps 3-8) compares the receipt's content with what the
registry signed or hashed, and finds a difference: a receipt the registry issued cannot
fail them unless it was altered afterwards or damaged, so a court is told that plainly.
Left out: a receipt of another chain, too few signatures, a rejected tx, a missing
record, an unparseable file (MALFORMED), which say something else about the receipt."""
