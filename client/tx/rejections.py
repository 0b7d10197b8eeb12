"""What a committed rejection refers to, in the tx's own words (h57 F13).

A result holds the reason code only (`already_exists`): the contracts' detail (the state
key) is not part of it. A tx that creates a record names its new id in the body, and that
id is what exists already (contracts/store.py require_absent at each of these types).
"""

from collections.abc import Mapping
from typing import Final

from protocol.tx import SignedTx

CREATED_ID_FIELDS: Final[Mapping[str, str]] = {
    "account.open": "account_id",
    "case.register": "case_id",
    "credits.issue": "batch_id",
    "institution.register": "institution_id",
    "insurance.attest": "policy_id",
    "insurance.claim": "claim_id",
    "project.register": "project_id",
    "reversal.report": "reversal_id",
    "verification.attest": "verification_id",
    "verification.record": "verification_id",
}
"""The body field holding the id of the record each creating tx type writes."""


def rejection_text(reason: str, signed: SignedTx) -> str:
    """ "already_exists: policy_id pol-1 is on the chain already", or the reason alone."""
    field = CREATED_ID_FIELDS.get(signed.tx.type) if reason == "already_exists" else None
    value = None if field is None else signed.tx.body.get(field)
    if not isinstance(value, str):
        return reason
    return f"{reason}: {field} {value} is on the chain already"
