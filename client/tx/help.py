"""What `lantan tx <TYPE> --help` says about the body: each field's type, its allowed
values, and a complete example body that the local check accepts (client/tx/examples/).

Types come from the body dataclasses the node parses with (contracts/), so the help cannot
drift from admission; the few closed vocabularies are the contracts' own frozensets.
"""

import dataclasses
import json
import typing
from collections.abc import Mapping
from importlib import resources
from typing import Final

from contracts.auction_records import AUCTION_WINDOW_MAX
from contracts.bodies_registry import INSURANCE_COVERAGES, INSURANCE_SUBJECTS
from contracts.case_lifecycle_records import CASE_OUTCOMES, HARM_SITE_LENGTH_MAX
from contracts.claim_decision_records import CLAIM_DECISIONS
from contracts.consideration_records import CURRENCIES
from contracts.credit_records import ECOSYSTEMS, REPORT_LABELS
from contracts.link_records import EXTERNAL_IDS_MAX, LABELS_MAX, LINK_LABELS, REGISTRIES
from contracts.records import ACCOUNT_KINDS, ROLE_NAMES
from contracts.reversal_records import REVERSAL_CAUSES
from contracts.tenure_records import CERTIFICATE_KINDS
from contracts.tx_types import BODY_PARSERS, TxType
from protocol.hashing import Hash32
from protocol.signing import PublicKey

EXAMPLES_PACKAGE: Final = "client.tx.examples"
ALLOWED: Final[Mapping[str, frozenset[str]]] = {
    "coverage": INSURANCE_COVERAGES,
    "subject_kind": INSURANCE_SUBJECTS,
    "ecosystem": ECOSYSTEMS,
    "kind": ACCOUNT_KINDS,
    "roles": ROLE_NAMES,
    "role": ROLE_NAMES,
    "certificate_kind": CERTIFICATE_KINDS,
    "outcome": CASE_OUTCOMES,
    "currency": CURRENCIES,
    "cause": REVERSAL_CAUSES,
    "decision": CLAIM_DECISIONS,
}
"""Body fields with a closed vocabulary, by field name (each name means one thing)."""
_WIRE_NAMES: Final = {"validators": "validator_set"}
SLUG_FIELDS: Final = frozenset(
    {"to_account", "from_account", "broker", "court", "plaintiff", "registered_by", "verifier"}
    | {"lender", "enforcer", "operator", "bidder_account"}
)
"""Id fields (read as slugs by contracts/) whose names do not end in _id."""
_LINK_SHAPES: Final[Mapping[str, str]] = {
    "labels": f"list of 0..{LABELS_MAX} labels, ascending, each one of "
    f"{' | '.join(sorted(LINK_LABELS))}",
    "external_ids": f"list of 0..{EXTERNAL_IDS_MAX} {{registry, id}}, ascending by registry "
    f"then id; registry one of {' | '.join(sorted(REGISTRIES))}; id of A-Z 0-9 . _ -, "
    "1..96, upper case, letter or digit first",
}
"""batch.link's fields (ADR 0028)."""
SHAPES: Final[Mapping[str, str]] = {
    "methodology_id": "text of A-Z a-z 0-9 space . / _ -, 1..48, letter or digit at both ends",
    "methodology_version": "text of A-Z a-z 0-9 space . / _ -, 1..48, letter or digit at both ends",
    "reports": "list of {label, sha256}, labels ascending, one verification_report; label "
    f"one of {' | '.join(REPORT_LABELS)}",
    **_LINK_SHAPES,
}
"""Fields whose shape the generic type text would misstate (ADR 0026)."""
TENURE_SHAPES: Final[Mapping[str, str]] = {
    "boundary_sha256": "SHA-256 hex (64 digits) of the boundary GeoJSON file",
    "centroid_lat_udeg": "integer micro-degrees, -90000000..90000000 (29.4225 N = 29422500)",
    "centroid_lon_udeg": "integer micro-degrees, -180000000..180000000 (121.8575 E = 121857500)",
    "area_m2": "integer m², 1..10^12",
    "certificate_number": "text of A-Z 0-9 -, 1..48, letter or digit at both ends "
    "(no Chinese prefix: 国海证2019B33022500123 is 2019B33022500123)",
}
"""The same for project.tenure (ADR 0027)."""
CASE_SHAPES: Final[Mapping[str, str]] = {
    "compensation_fen": "integer CNY fen (1/100 yuan), 0..10^15 (122,366 yuan = 12236600)",
    "harm_site": f"text, 1..{HARM_SITE_LENGTH_MAX} characters",
    "claimed_fen": "integer CNY fen (1/100 yuan), 1..10^15, at most the policy's sum insured",
    "decided_fen": "integer CNY fen: accepted 1..claimed_fen, rejected 0, paid 1..the fen accepted",
}
"""The same for case.judgment (ADR 0029)."""
CONSIDERATION_SHAPES: Final[Mapping[str, str]] = {
    "unit_price_fen_per_t": "integer CNY fen (1/100 yuan) per tonne CO2e, 0..10^9 "
    "(106 yuan/t = 10600)",
    "agreement_hash": "SHA-256 hex (64 digits) of the sale or subscription agreement",
}
"""The same for credits.transfer_priced (ADR 0031)."""
AUCTION_SHAPES: Final[Mapping[str, str]] = {
    "reserve_fen_per_t": "integer CNY fen per tonne CO2e, 0..10^9, the lowest price that can "
    "win (30 yuan/t = 3000)",
    "price_fen_per_t": "integer CNY fen per tonne CO2e, 0..10^9: the sealed price, as committed",
    "bid_end_height": "integer block height: the last one that accepts bids; above the open "
    f"height, at most {AUCTION_WINDOW_MAX:,} after it",
    "reveal_end_height": "integer block height: the last one that accepts reveals; above "
    f"bid_end_height, at most {AUCTION_WINDOW_MAX:,} after it",
    "terms_hash": "SHA-256 hex (64 digits) of the published auction terms (竞拍公告)",
    "commitment": "SHA-256 hex (64 digits): `lantan auction commit` makes it with a fresh salt",
    "salt": "64 lowercase hex digits: the salt `lantan auction commit` drew for the bid",
}
"""The same for the sealed-bid auction (ADR 0034)."""
FIELD_SHAPES: Final[Mapping[str, str]] = {
    **SHAPES,
    **TENURE_SHAPES,
    **CASE_SHAPES,
    **CONSIDERATION_SHAPES,
    **AUCTION_SHAPES,
}
"""Every field whose shape the generic type text would misstate, by field name."""


def example_name(tx_type: TxType) -> str:
    """The example body's file name, as the README and docs/CLI.md use it (examples/...)."""
    return f"{tx_type.value}.json"


def example_body(tx_type: TxType) -> str | None:
    """The example body of tx_type as shipped with the client, or None."""
    path = resources.files(EXAMPLES_PACKAGE) / example_name(tx_type)
    return path.read_text(encoding="utf-8") if path.is_file() else None


def field_lines(tx_type: TxType) -> list[str]:
    """One line per body field: `name: type[, one of a|b][, may be null]`."""
    body_class = BODY_PARSERS[tx_type].__self__  # type: ignore[attr-defined]
    hints = typing.get_type_hints(body_class)
    lines = []
    for field in dataclasses.fields(body_class):
        name = _WIRE_NAMES.get(field.name, field.name)
        shape = FIELD_SHAPES.get(name)
        text = f"  {name}: {shape or _type_text(name, hints[field.name])}"
        if name in ALLOWED:
            text += f", one of {' | '.join(sorted(ALLOWED[name]))}"
        lines.append(text)
    return lines


def help_epilog(tx_type: TxType) -> str:
    lines = [f"body fields of {tx_type.value}:", *field_lines(tx_type)]
    example = example_body(tx_type)
    if example is not None:
        compact = json.dumps(json.loads(example), ensure_ascii=False)
        lines += [
            "",
            f"example (examples/{example_name(tx_type)} in the source tree):",
            f"  --body '{compact}'",
        ]
    return "\n".join(lines)


def _type_text(name: str, hint: object) -> str:
    args = typing.get_args(hint)
    if type(None) in args:
        inner = next(a for a in args if a is not type(None))
        return f"{_type_text(name, inner)} or null"
    if typing.get_origin(hint) is tuple:
        return f"list of {_type_text(name, args[0])}"
    if hint is Hash32:
        return "SHA-256 hex (64 digits)"
    if hint is PublicKey:
        return "Ed25519 public key hex (64 digits)"
    if hint is int:
        return _integer_text(name)
    if hint is str:
        return _string_text(name)
    return "object (see docs/PROTOCOL.md)"


def _integer_text(name: str) -> str:
    if name.endswith("_kg"):
        return "integer kg CO2e"
    if name.endswith("_fen"):
        return "integer CNY fen (1/100 yuan)"
    return "integer"


def _string_text(name: str) -> str:
    if name.startswith("period_") or name.endswith("_date"):
        return "date YYYY-MM-DD"
    if name.endswith("_id") or name in SLUG_FIELDS:
        return "id [a-z0-9][a-z0-9._-]*"
    return "text"
