"""examples/: each body passes the node's own admission parsers; `tx --help` shows them.

The README and docs/CLI.md send these files as written (`--body @examples/...`), so a
body that the node's parsers refuse would be a broken first step for a new operator.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from client.tx.body import fill_nullable_fields, string_fields, tx_type_of, validate_body
from client.tx.help import example_body, field_lines
from contracts.tx_types import TxType

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = sorted((ROOT / "examples").glob("*.json"))
LANTAN = str(Path(sys.executable).parent / "lantan")


def test_the_examples_directory_is_the_packaged_one() -> None:
    assert EXAMPLES, "examples/ is empty or missing"
    assert all(example_body(tx_type_of(p.stem)) == p.read_text("utf-8") for p in EXAMPLES)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_each_example_passes_the_admission_parsers(path: Path) -> None:
    tx_type = tx_type_of(path.stem)
    validate_body(tx_type, fill_nullable_fields(tx_type, json.loads(path.read_text("utf-8"))))


def test_every_documented_body_file_exists() -> None:
    for doc in (ROOT / "README.md", ROOT / "docs" / "CLI.md"):
        for word in doc.read_text("utf-8").split():
            if word.startswith("@examples/"):
                assert (ROOT / word[1:]).is_file(), f"{doc.name} names {word}"


def test_field_lines_give_types_and_allowed_values() -> None:
    lines = "\n".join(field_lines(TxType.INSURANCE_ATTEST))
    assert "sum_insured_fen: integer CNY fen" in lines
    assert "coverage: text, one of carbon_account_comprehensive | project_excess_emission_loss" in (
        lines
    )
    assert "period_start: date YYYY-MM-DD" in lines
    assert "broker: id [a-z0-9][a-z0-9._-]* or null" in "\n".join(
        field_lines(TxType.CREDITS_TRANSFER)
    )


def test_field_lines_of_verification_attest_name_its_shapes() -> None:
    lines = field_lines(TxType.VERIFICATION_ATTEST)
    assert "  verifier: id [a-z0-9][a-z0-9._-]*" in lines
    assert any(line.startswith("  methodology_id: text of A-Z") for line in lines)
    assert any("tenure_certificate" in line for line in lines if "reports" in line)


def test_field_lines_of_project_tenure_name_its_shapes() -> None:
    lines = field_lines(TxType.PROJECT_TENURE)
    assert "  certificate_kind: text, one of land_tenure | sea_area_use" in lines
    assert any(line.startswith("  centroid_lat_udeg: integer micro-degrees") for line in lines)
    assert any(line.startswith("  certificate_number: text of A-Z 0-9 -") for line in lines)
    assert field_lines(TxType.PROJECT_TENURE_RELEASE) == ["  project_id: id [a-z0-9][a-z0-9._-]*"]


def test_field_lines_of_batch_link_name_its_vocabularies() -> None:
    lines = field_lines(TxType.BATCH_LINK)
    assert "  batch_id: id [a-z0-9][a-z0-9._-]*" in lines
    assert any("ccer_eligible" in line for line in lines if line.startswith("  labels:"))
    ids = [line for line in lines if line.startswith("  external_ids:")]
    assert len(ids) == 1 and "xiamen_ptc" in ids[0] and "upper case" in ids[0]


def test_field_lines_of_the_case_lifecycle_name_their_shapes() -> None:
    lines = field_lines(TxType.CASE_JUDGMENT)
    assert "  judgment_date: date YYYY-MM-DD" in lines
    assert any(line.startswith("  compensation_fen: integer CNY fen") for line in lines)
    assert "  harm_site: text, 1..128 characters" in lines
    closing = field_lines(TxType.CASE_CLOSE)
    assert "  outcome: text, one of satisfied | terminated | withdrawn" in closing


def test_tx_help_shows_fields_and_an_example() -> None:
    completed = subprocess.run(
        [LANTAN, "tx", "insurance.attest", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "clause_hash: SHA-256 hex (64 digits)" in completed.stdout
    assert '--body \'{"policy_id": ' in completed.stdout


def test_field_lines_of_a_priced_transfer_name_price_currency_and_agreement() -> None:
    lines = field_lines(TxType.CREDITS_TRANSFER_PRICED)
    assert lines[:5] == field_lines(TxType.CREDITS_TRANSFER)  # the same five fields first
    assert any(line.startswith("  unit_price_fen_per_t: integer CNY fen") for line in lines)
    assert "  currency: text, one of CNY" in lines
    assert any(line.startswith("  agreement_hash: SHA-256 hex") for line in lines)


def test_field_lines_of_reversals_and_claims_name_their_shapes() -> None:
    lines = field_lines(TxType.REVERSAL_REPORT)
    assert "  cause: text, one of disease | land_use_change | other | storm" in lines
    assert "  event_date: date YYYY-MM-DD" in lines
    claiming = field_lines(TxType.INSURANCE_CLAIM)
    assert any(line.startswith("  claimed_fen: integer CNY fen") for line in claiming)


def test_auction_fields_read_as_the_bidder_writes_them() -> None:
    """A salt is bytes under a hex_bytes(32) annotation: `--set salt=<hex>` keeps it a string
    (protocol.codec.wire_fields reads the annotation's rule), and the help names its shape."""
    assert {"salt", "lot_id", "bidder_account"} <= string_fields(TxType.AUCTION_REVEAL)
    assert "price_fen_per_t" not in string_fields(TxType.AUCTION_REVEAL)
    lines = "\n".join(field_lines(TxType.AUCTION_REVEAL) + field_lines(TxType.AUCTION_OPEN))
    assert "salt: 64 lowercase hex digits" in lines
    assert "bid_end_height: integer block height" in lines
    assert "operator: id [a-z0-9][a-z0-9._-]*" in lines


def test_field_lines_of_claim_decisions_name_their_shapes() -> None:
    lines = field_lines(TxType.INSURANCE_CLAIM_DECIDE)
    assert "  decision: text, one of accepted | paid | rejected" in lines
    assert any(line.startswith("  decided_fen: integer CNY fen: accepted 1..") for line in lines)
