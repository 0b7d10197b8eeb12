"""The independent verifier's record schemas (docs/PROTOCOL.md §14.7). Imports nothing of
Lantan."""

import re
from typing import Any

from tests.receipts.independent_form import RejectError, text

# --- §14.7 record schemas ---------------------------------------------------------------------

SLUG_RE = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
HASH_RE = re.compile(r"[0-9a-f]{64}")
ROLES = {
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


def is_int(v: Any, minimum: int = 0) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and minimum <= v < 2**53


def is_slug(v: Any) -> bool:
    return isinstance(v, str) and SLUG_RE.fullmatch(v) is not None


def is_hash(v: Any) -> bool:
    return isinstance(v, str) and HASH_RE.fullmatch(v) is not None


def is_list(v: Any, item: Any, most: int = 100_000) -> bool:
    return isinstance(v, list) and len(v) <= most and all(item(i) for i in v)


def is_range(v: Any) -> bool:
    return isinstance(v, list) and len(v) == 2 and all(is_int(x, 1) for x in v) and (v[0] <= v[1])


def is_obligor(v: Any) -> bool:
    return (
        isinstance(v, dict)
        and set(v) == {"masked_name", "id_hash"}
        and text(v["masked_name"], 32)
        and is_hash(v["id_hash"])
    )


DATE_RE = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])")
METHODOLOGY_RE = re.compile(r"[A-Za-z0-9]([A-Za-z0-9 ./_-]{0,46}[A-Za-z0-9])?")
ECOSYSTEMS = ("salt_marsh", "mudflat", "mangrove", "seagrass", "shellfish", "algae", "mariculture")
LABELS = ["monitoring_report", "other", "tenure_certificate", "verification_report"]


def is_date(v: Any) -> bool:
    return isinstance(v, str) and DATE_RE.fullmatch(v) is not None


def is_methodology(v: Any) -> bool:
    return isinstance(v, str) and METHODOLOGY_RE.fullmatch(v) is not None


def is_amount(v: Any) -> bool:
    return is_int(v, 1) and v <= 10**12


def is_report(v: Any) -> bool:
    return (
        isinstance(v, dict)
        and set(v) == {"label", "sha256"}
        and v["label"] in LABELS
        and is_hash(v["sha256"])
    )


def is_reports(v: Any) -> bool:
    if not is_list(v, is_report, 4):
        return False
    labels = [LABELS.index(r["label"]) for r in v]
    return labels == sorted(set(labels)) and LABELS.index("verification_report") in labels


def txt(v: Any) -> bool:
    return text(v, 4096)


def maybe(check: Any) -> Any:
    return lambda v: v is None or check(v)


SCHEMAS: dict[str, dict[str, Any]] = {
    "retirement": {
        "retirement_id": is_hash, "kind": txt, "account_id": is_slug, "batch_id": is_slug,
        "quantity_kg": lambda v: is_int(v, 1), "ranges": lambda v: is_list(v, is_range),
        "beneficiary": txt, "purpose": txt, "reason": txt, "case_id": maybe(is_slug),
        "confirmed_by": maybe(is_hash), "height": is_int, "time_ms": is_int,
    },
    "serials": {
        "batch_id": is_slug, "first_serial": lambda v: is_int(v, 1),
        "last_serial": lambda v: is_int(v, 1),
        "status": lambda v: v in ("active", "frozen", "retired", "cancelled", "buffer"),
        "account_id": maybe(is_slug), "frozen_by": maybe(is_slug),
        "retirement_id": maybe(is_hash), "case_id": maybe(is_slug),
    },
    "batch": {
        "batch_id": is_slug, "project_id": is_slug, "verification_id": is_slug,
        "vintage": is_int, "quantity_kg": is_int, "buffer_kg": is_int, "retired_kg": is_int,
        "cancelled_kg": is_int, "tx_id": is_hash,
    },
    "project": {
        "project_id": is_slug, "name_zh": txt, "name_en": txt, "ecosystem": txt,
        "location": txt, "accounting_standard": txt, "owner": txt, "issuer": is_slug,
        "document_hashes": lambda v: is_list(v, is_hash),
    },
    "key": {"public_key": is_hash, "institution_id": is_slug},
    "institution": {
        "institution_id": is_slug, "name_zh": txt, "name_en": txt,
        "roles": lambda v: is_list(v, lambda r: r in ROLES, 8),
        "public_keys": lambda v: is_list(v, is_hash, 16),
    },
    "case": {
        "case_id": is_slug, "court": is_slug, "case_number": txt, "case_type": txt,
        "plaintiff": maybe(is_slug), "registered_by": is_slug,
        "obligors": lambda v: is_list(v, is_obligor), "required_kg": is_int,
        "retired_kg": is_int, "document_hash": is_hash,
        "retirement_ids": lambda v: is_list(v, is_hash),
    },
    # Format 4 (ADR 0030)
    "verification": {
        "verification_id": is_slug, "project_id": is_slug, "period_start": is_date,
        "period_end": is_date, "verification_body": txt,
        "report_hashes": lambda v: is_list(v, is_hash, 32) and 0 < len(v) == len(set(v)),
        "verified_kg": is_amount, "issued_kg": is_int,
    },
    "attested_verification": {
        "verification_id": is_slug, "project_id": is_slug, "period_start": is_date,
        "period_end": is_date, "methodology_id": is_methodology,
        "methodology_version": is_methodology, "net_sink_kg": is_amount,
        "reports": is_reports, "verifier": is_slug, "attested_by": is_hash,
        "height": is_int, "issued_kg": is_int,
    },
    "case_judgment": {
        "case_id": is_slug, "judgment_hash": is_hash, "judgment_date": is_date,
        "compensation_fen": lambda v: is_int(v) and v <= 10**15,
        "harm_site": lambda v: text(v, 128) and v != "",
        "ecosystem": lambda v: v in ECOSYSTEMS, "judged_by": is_hash, "height": is_int,
    },
    "case_closure": {
        "case_id": is_slug, "outcome": lambda v: v in ("satisfied", "withdrawn", "terminated"),
        "document_hash": is_hash, "closed_by": is_hash, "height": is_int,
    },
}  # fmt: skip


def schema_checked(key: str, record: dict[str, Any]) -> dict[str, Any]:
    schema = SCHEMAS[key.partition("/")[0]]
    if set(record) != set(schema) or not all(ok(record[f]) for f, ok in schema.items()):
        raise RejectError("MALFORMED", f"{key} breaks its schema")
    if "period_start" in schema and record["period_end"] < record["period_start"]:
        raise RejectError("MALFORMED", f"{key}: the period ends before it starts")
    return record
