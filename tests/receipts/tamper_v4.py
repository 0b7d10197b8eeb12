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

    def sealed(
        name: str, code: str, edit: Callable[[Records], None], base: Receipt = attested
    ) -> TamperCase:
        return TamperCase(name, encode(reseal(base, keys, edit)), code)

    return [
        *_verification_cases(recorded, attested, format_3, sealed),
        *_case_cases(recorded, attested, sealed),
    ]


Sealed = Callable[..., TamperCase]


def _verification_cases(
    recorded: Receipt, attested: Receipt, format_3: Receipt, sealed: Sealed
) -> list[TamperCase]:
    attested_key = _key(attested, "attested_verification/")

    def lie(name: str, value: object) -> Callable[[Records], None]:
        def edit(records: Records) -> None:
            records[attested_key][name] = value

        return edit

    verification_id = attested_key.partition("/")[2]

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


def _case_cases(recorded: Receipt, attested: Receipt, sealed: Sealed) -> list[TamperCase]:
    """The case's judgment and closure (ADR 0029) and its status: `attested`'s case has a
    judgment and no closure, `recorded`'s neither."""
    case_key = _key(attested, "case/")
    judgment_key = _key(attested, "case_judgment/")
    closure_key = _key(attested, "case_closure/")
    case_id = case_key.partition("/")[2]

    def judged(name: str, value: object) -> Callable[[Records], None]:
        def edit(records: Records) -> None:
            records[judgment_key][name] = value

        return edit

    def case_says(name: str, value: object) -> Callable[[Records], None]:
        def edit(records: Records) -> None:
            records[case_key][name] = value

        return edit

    def closed(records: Records) -> None:
        records[closure_key] = {
            "case_id": case_id,
            "outcome": "satisfied",
            "document_hash": "22" * 32,
            "closed_by": records[judgment_key]["judged_by"],
            "height": records[judgment_key]["height"] + 5,
        }

    def closed_elsewhere(records: Records) -> None:
        closed(records)
        records[closure_key]["case_id"] = "another-case"

    def unknown_outcome(records: Records) -> None:
        closed(records)
        records[closure_key]["outcome"] = "paid"

    def judgment_forged_in(x: Receipt) -> None:
        """A judgment shown for a case without one, its non-inclusion proof kept."""
        entry = next(e for e in x["state"] if e["key"].startswith("case_judgment/"))
        entry["value"] = next(
            e["value"] for e in attested["state"] if e["key"].startswith("case_judgment/")
        )

    return [
        _edited(
            "format 4: a judgment forged over its absence proof",
            recorded,
            "BAD_STATE_PROOF",
            judgment_forged_in,
        ),
        _edited(
            "format 4: the judgment shown absent",
            attested,
            "BAD_STATE_PROOF",
            _shown_absent("case_judgment/"),
        ),
        _edited(
            "format 4: case_judgment/ left out",
            attested,
            "MISSING_RECORD",
            _dropped(attested, "case_judgment/"),
        ),
        _edited(
            "format 4: case_closure/ (proven absent) left out",
            attested,
            "MISSING_RECORD",
            _dropped(attested, "case_closure/"),
        ),
        sealed("format 4: closed case (re-sealed, valid)", "", closed),
        sealed("format 4: a closure of another case", "CASE_MISMATCH", closed_elsewhere),
        sealed(
            "format 4: a judgment of another case",
            "CASE_MISMATCH",
            judged("case_id", "another-case"),
        ),
        sealed(
            "format 4: the case's total above its requirement (status misreported)",
            "CASE_MISMATCH",
            case_says("retired_kg", 422_501),
        ),
        sealed(
            "format 4: the case's total below this retirement",
            "CASE_MISMATCH",
            case_says("retired_kg", 1_000),
        ),
        sealed(
            "format 4: a case short of its requirement (re-sealed, valid: judgment)",
            "",
            case_says("required_kg", 500_000),
        ),
        sealed(
            "format 4: a judgment with an ecosystem not in the list",
            "MALFORMED",
            judged("ecosystem", "forest"),
        ),
        sealed(
            "format 4: a judgment with an empty harm site", "MALFORMED", judged("harm_site", "")
        ),
        sealed(
            "format 4: compensation above 10^15 fen",
            "MALFORMED",
            judged("compensation_fen", 10**15 + 1),
        ),
        sealed(
            "format 4: a closure with an unknown outcome",
            "MALFORMED",
            unknown_outcome,
        ),
    ]
