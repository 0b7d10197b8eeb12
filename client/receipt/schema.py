"""The schemas of the state records a receipt holds (PROTOCOL.md §14.7). Pure.

Step 7 checks each record it reads against its schema before using any field, so that
every verifier refuses the same malformed records with MALFORMED, whatever language it is
written in. The table below is the specification's table, field for field; the contracts'
own parsers (contracts/*_records.py) accept exactly these records, no more.
"""

import re
from collections.abc import Callable
from typing import Final

from client.receipt.codes import ReceiptCode, ReceiptError
from contracts.body_fields import AMOUNT_KG_MAX, DATE_PATTERN
from contracts.case_lifecycle_records import (
    CASE_OUTCOMES,
    COMPENSATION_FEN_MAX,
    HARM_SITE_LENGTH_MAX,
)
from contracts.credit_records import ECOSYSTEMS, METHODOLOGY_PATTERN, REPORT_LABELS
from protocol.encoding import JsonObject, JsonValue

INTEGER_LIMIT: Final = 2**53
LIST_ITEMS_MAX: Final = 100_000
TEXT_LENGTH_MAX: Final = 4096
SLUG: Final = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
HASH: Final = re.compile(r"[0-9a-f]{64}")
ROLES: Final = frozenset(
    {
        "issuer",
        "trading_centre",
        "court",
        "procuratorate",
        "auditor",
        "validator",
        "witness",
        "verifier",
        "lender",
    }
)
SERIAL_STATUSES: Final = frozenset({"active", "frozen", "retired", "cancelled", "buffer"})
# Format 4's record types (§14.7) take their bounds from the contracts that write them.
DATE, METHODOLOGY = DATE_PATTERN, METHODOLOGY_PATTERN

Check = Callable[[JsonValue], bool]


def _int(minimum: int) -> Check:
    def check(v: JsonValue) -> bool:
        return isinstance(v, int) and not isinstance(v, bool) and minimum <= v < INTEGER_LIMIT

    return check


def _text(max_length: int) -> Check:
    return lambda v: isinstance(v, str) and len(v) <= max_length


def _match(pattern: re.Pattern[str]) -> Check:
    return lambda v: isinstance(v, str) and pattern.fullmatch(v) is not None


def _one_of(choices: frozenset[str]) -> Check:
    return lambda v: isinstance(v, str) and v in choices


def _nullable(check: Check) -> Check:
    return lambda v: v is None or check(v)


def _list(item: Check, max_items: int = LIST_ITEMS_MAX) -> Check:
    return lambda v: isinstance(v, list) and len(v) <= max_items and all(item(i) for i in v)


def _range(v: JsonValue) -> bool:
    """[first, last] with 1 <= first <= last < 2^53."""
    if not isinstance(v, list) or len(v) != 2 or not all(_int(1)(i) for i in v):
        return False
    first, last = v
    assert isinstance(first, int) and isinstance(last, int)
    return first <= last


def _object(fields: dict[str, Check]) -> Check:
    def check(v: JsonValue) -> bool:
        return (
            isinstance(v, dict)
            and set(v) == set(fields)
            and all(ok(v[name]) for name, ok in fields.items())
        )

    return check


def _amount(v: JsonValue) -> bool:
    """kg (or fen): an integer 1 <= n <= 10^12."""
    return _int(1)(v) and isinstance(v, int) and v <= AMOUNT_KG_MAX


def _distinct_hashes(v: JsonValue) -> bool:
    """1..32 distinct hashes."""
    return _list(HASH_FIELD, 32)(v) and isinstance(v, list) and 0 < len(v) == len(set(v))


def _reports(v: JsonValue) -> bool:
    """1..4 {label, sha256}, labels strictly ascending, one of them verification_report."""
    if not _list(_object({"label": _one_of(frozenset(REPORT_LABELS)), "sha256": HASH_FIELD}), 4)(v):
        return False
    assert isinstance(v, list)
    labels = [item["label"] for item in v if isinstance(item, dict)]
    return labels == sorted(set(labels), key=REPORT_LABELS.index) and (
        "verification_report" in labels
    )


INT, INT1, TEXT = _int(0), _int(1), _text(TEXT_LENGTH_MAX)
SLUG_FIELD, HASH_FIELD = _match(SLUG), _match(HASH)
DATE_FIELD, METHODOLOGY_FIELD = _match(DATE), _match(METHODOLOGY)

SCHEMAS: Final[dict[str, dict[str, Check]]] = {
    "retirement": {
        "retirement_id": HASH_FIELD,
        "kind": TEXT,
        "account_id": SLUG_FIELD,
        "batch_id": SLUG_FIELD,
        "quantity_kg": INT1,
        "ranges": _list(_range),
        "beneficiary": TEXT,
        "purpose": TEXT,
        "reason": TEXT,
        "case_id": _nullable(SLUG_FIELD),
        "confirmed_by": _nullable(HASH_FIELD),
        "height": INT,
        "time_ms": INT,
    },
    "serials": {
        "batch_id": SLUG_FIELD,
        "first_serial": INT1,
        "last_serial": INT1,
        "status": _one_of(SERIAL_STATUSES),
        "account_id": _nullable(SLUG_FIELD),
        "frozen_by": _nullable(SLUG_FIELD),
        "retirement_id": _nullable(HASH_FIELD),
        "case_id": _nullable(SLUG_FIELD),
    },
    "batch": {
        "batch_id": SLUG_FIELD,
        "project_id": SLUG_FIELD,
        "verification_id": SLUG_FIELD,
        "vintage": INT,
        "quantity_kg": INT,
        "buffer_kg": INT,
        "retired_kg": INT,
        "cancelled_kg": INT,
        "tx_id": HASH_FIELD,
    },
    "project": {
        "project_id": SLUG_FIELD,
        "name_zh": TEXT,
        "name_en": TEXT,
        "ecosystem": TEXT,
        "location": TEXT,
        "accounting_standard": TEXT,
        "owner": TEXT,
        "issuer": SLUG_FIELD,
        "document_hashes": _list(HASH_FIELD),
    },
    "key": {"public_key": HASH_FIELD, "institution_id": SLUG_FIELD},
    "institution": {
        "institution_id": SLUG_FIELD,
        "name_zh": TEXT,
        "name_en": TEXT,
        "roles": _list(_one_of(ROLES), len(ROLES)),
        "public_keys": _list(HASH_FIELD, 16),
    },
    "case": {
        "case_id": SLUG_FIELD,
        "court": SLUG_FIELD,
        "case_number": TEXT,
        "case_type": TEXT,
        "plaintiff": _nullable(SLUG_FIELD),
        "registered_by": SLUG_FIELD,
        "obligors": _list(_object({"masked_name": _text(32), "id_hash": HASH_FIELD})),
        "required_kg": INT,
        "retired_kg": INT,
        "document_hash": HASH_FIELD,
        "retirement_ids": _list(HASH_FIELD),
    },
    # Format 4 (ADR 0030): the verification behind the retired batch.
    "verification": {
        "verification_id": SLUG_FIELD,
        "project_id": SLUG_FIELD,
        "period_start": DATE_FIELD,
        "period_end": DATE_FIELD,
        "verification_body": TEXT,
        "report_hashes": _distinct_hashes,
        "verified_kg": _amount,
        "issued_kg": INT,
    },
    "attested_verification": {
        "verification_id": SLUG_FIELD,
        "project_id": SLUG_FIELD,
        "period_start": DATE_FIELD,
        "period_end": DATE_FIELD,
        "methodology_id": METHODOLOGY_FIELD,
        "methodology_version": METHODOLOGY_FIELD,
        "net_sink_kg": _amount,
        "reports": _reports,
        "verifier": SLUG_FIELD,
        "attested_by": HASH_FIELD,
        "height": INT,
        "issued_kg": INT,
    },
}
SCHEMAS["case_judgment"] = {
    "case_id": SLUG_FIELD,
    "judgment_hash": HASH_FIELD,
    "judgment_date": DATE_FIELD,
    "compensation_fen": lambda v: _int(0)(v) and isinstance(v, int) and v <= COMPENSATION_FEN_MAX,
    "harm_site": lambda v: _text(HARM_SITE_LENGTH_MAX)(v) and v != "",
    "ecosystem": _one_of(ECOSYSTEMS),
    "judged_by": HASH_FIELD,
    "height": INT,
}
SCHEMAS["case_closure"] = {
    "case_id": SLUG_FIELD,
    "outcome": _one_of(CASE_OUTCOMES),
    "document_hash": HASH_FIELD,
    "closed_by": HASH_FIELD,
    "height": INT,
}
PERIOD_KINDS: Final = frozenset({"verification", "attested_verification"})
"""Kinds whose period_end may not precede period_start (dates compare as strings)."""


def check_record(kind: str, key: str, value: JsonObject) -> JsonObject:
    """value if it has exactly the fields of SCHEMAS[kind], each of its type; else MALFORMED."""
    fields = SCHEMAS[kind]
    if set(value) != set(fields):
        raise ReceiptError(ReceiptCode.MALFORMED, f"{key}: not the fields of a {kind} record")
    for name, ok in fields.items():
        if not ok(value[name]):
            raise ReceiptError(ReceiptCode.MALFORMED, f"{key}: field {name} breaks its schema")
    if kind in PERIOD_KINDS and str(value["period_end"]) < str(value["period_start"]):
        raise ReceiptError(ReceiptCode.MALFORMED, f"{key}: period_end before period_start")
    return value
