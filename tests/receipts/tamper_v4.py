"""Format-4 tamper cases (ADR 0030): the verification behind the batch, which step 7 reads
and step 8 checks. `recorded` is the Xiangshan case's receipt in format 4 (its batch stands
on an issuer-recorded verification/ record), `attested` the same case's receipt on a chain
whose batch stands on attested_verification/ (tests/receipts/attested_case.py)."""

import copy
from collections.abc import Callable
from typing import Any

from protocol.encoding import encode
from protocol.signing import SigningKey
from tests.receipts.tamper import Receipt, TamperCase
from tests.receipts.tamper_reseal import reseal

Keys = list[tuple[str, SigningKey]]
Records = dict[str, Any]


def _key(receipt: Receipt, prefix: str) -> str:
    return str(next(e["key"] for e in receipt["state"] if e["key"].startswith(prefix)))


def _edited(name: str, receipt: Receipt, code: str, edit: Callable[[Receipt], None]) -> TamperCase:
    changed = copy.deepcopy(receipt)
    edit(changed)
    return TamperCase(name, encode(changed), code)


def _dropped(receipt: Receipt, prefix: str) -> Callable[[Receipt], None]:
    def edit(x: Receipt) -> None:
        x["state"] = [e for e in x["state"] if not e["key"].startswith(prefix)]

    return edit


def _relabelled(version: int) -> Callable[[Receipt], None]:
    def edit(x: Receipt) -> None:
        x["receipt_version"] = version

    return edit


def _shown_absent(prefix: str) -> Callable[[Receipt], None]:
    """The record's entry says null, its inclusion proof kept (a forged absence)."""

    def edit(x: Receipt) -> None:
        next(e for e in x["state"] if e["key"].startswith(prefix))["value"] = None

    return edit


def format_4_cases(
    recorded: Receipt, attested: Receipt, format_3: Receipt, keys: Keys
) -> list[TamperCase]:
    """Every case: the two valid format-4 receipts, then one lie each."""
    attested_key = _key(attested, "attested_verification/")
    verification_id = attested_key.partition("/")[2]

    def sealed(name: str, code: str, edit: Callable[[Records], None]) -> TamperCase:
        return TamperCase(name, encode(reseal(attested, keys, edit)), code)

    def lie(name: str, value: object) -> Callable[[Records], None]:
        def edit(records: Records) -> None:
            records[attested_key][name] = value

        return edit

    def removed(records: Records) -> None:
        records[attested_key] = None

    def recorded_beside(records: Records) -> None:
        record = records[attested_key]
        records[f"verification/{verification_id}"] = {
            "verification_id": verification_id,
            "project_id": record["project_id"],
            "period_start": record["period_start"],
            "period_end": record["period_end"],
            "verification_body": "another verifier",
            "report_hashes": [record["reports"][-1]["sha256"]],
            "verified_kg": record["net_sink_kg"],
            "issued_kg": record["issued_kg"],
        }

    return [
        TamperCase("format 4: recorded verification (valid)", encode(recorded), ""),
        TamperCase("format 4: attested verification (valid)", encode(attested), ""),
        _edited("format 3 relabelled as format 4", format_3, "MISSING_RECORD", _relabelled(4)),
        _edited("format 4 relabelled as format 3", recorded, "UNEXPECTED_RECORD", _relabelled(3)),
        _edited(
            "format 4 without its verification/ entry",
            recorded,
            "MISSING_RECORD",
            _dropped(recorded, "verification/"),
        ),
        _edited(
            "format 4: the recorded verification shown absent",
            recorded,
            "BAD_STATE_PROOF",
            _shown_absent("verification/"),
        ),
        _edited(
            "format 4: the attested verification shown absent",
            attested,
            "BAD_STATE_PROOF",
            _shown_absent("attested_verification/"),
        ),
        _edited(
            "format 4: the attested verification left out",
            attested,
            "MISSING_RECORD",
            _dropped(attested, "attested_verification/"),
        ),
        _edited(
            "format 4: the attested verification's verifier institution left out",
            attested,
            "MISSING_RECORD",
            _dropped(attested, "institution/blue-carbon-auditor"),
        ),
        _edited(
            "format 4: verification/ (proven absent) left out beside the attested one",
            attested,
            "MISSING_RECORD",
            _dropped(attested, "verification/"),
        ),
        sealed("format 4: re-sealed attested receipt (control)", "", lambda _records: None),
        sealed("format 4: attested verification removed (re-sealed)", "MISSING_RECORD", removed),
        sealed(
            "format 4: attested verification of another project",
            "RECORD_MISMATCH",
            lie("project_id", "another-project"),
        ),
        sealed(
            "format 4: attested verification swapped for another id's",
            "RECORD_MISMATCH",
            lie("verification_id", "huangbiao-mariculture-2021"),
        ),
        sealed(
            "format 4: attested verification names another verifier",
            "MISSING_RECORD",
            lie("verifier", "another-verifier"),
        ),
        sealed(
            "format 4: attested reports out of label order",
            "MALFORMED",
            lambda records: records[attested_key]["reports"].reverse(),
        ),
        sealed(
            "format 4: attested reports without a verification_report",
            "MALFORMED",
            lambda records: records[attested_key]["reports"].pop(),
        ),
        sealed(
            "format 4: attested period ends before it starts",
            "MALFORMED",
            lie("period_end", "2021-12-31"),
        ),
        sealed(
            "format 4: attested methodology with a trailing space",
            "MALFORMED",
            lie("methodology_id", "HY/T 0305-2021 "),
        ),
        sealed(
            "format 4: attested net sink above 10^12 kg",
            "MALFORMED",
            lie("net_sink_kg", 10**12 + 1),
        ),
        sealed(
            "format 4: a recorded verification beside the attested one",
            "UNEXPECTED_RECORD",
            recorded_beside,
        ),
    ]
