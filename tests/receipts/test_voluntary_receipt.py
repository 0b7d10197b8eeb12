"""A voluntary retirement's receipt shows the holder's words as the holder's (h57 F10, F12).

Any account holder can retire credits with a beneficiary, purpose and reason that imitate
the Xiangshan case's line; the receipt is genuinely VALID, so what tells it apart from the
court's is how it is shown: voluntary, not a court's, the free text quoted as the holder's.
"""

from pathlib import Path

import pytest

from client.receipt.pdf_rows import receipt_rows
from client.receipt.summary import summary_lines
from client.receipt.verify import verify_receipt
from tests.kit.lantan_cli import run_lantan
from tests.receipts.voluntary_receipt import (
    BENEFICIARY,
    CASE_LINE,
    REASON,
    VoluntaryReceipt,
    pdf_text,
    voluntary_receipt,
)
from tests.unit.client.receipt_pdf_kit import cjk_font_or_skip

OWN = "(the account holder's own words)"


@pytest.fixture(scope="module")
def voluntary(tmp_path_factory: pytest.TempPathFactory) -> VoluntaryReceipt:
    return voluntary_receipt(tmp_path_factory.mktemp("voluntary-chain"))


def test_the_signed_reason_is_a_row_of_the_summary_and_the_pdf(
    voluntary: VoluntaryReceipt,
) -> None:
    facts = verify_receipt(voluntary.receipt, voluntary.genesis)
    assert facts.kind == "voluntary" and facts.reason == REASON
    assert [line for line in summary_lines(facts) if line.startswith("reason ")] == [
        f"reason       \u201c{REASON}\u201d {OWN}"
    ]
    (row,) = [row for row in receipt_rows(facts) if row.label_en == "Reason"]
    assert row.label_zh == "原因" and row.lines == (f"\u201c{REASON}\u201d",)


def test_lantan_verify_receipt_says_voluntary_and_quotes_the_holders_words(
    voluntary: VoluntaryReceipt, tmp_path: Path
) -> None:
    (tmp_path / "receipt.json").write_bytes(voluntary.receipt)
    (tmp_path / "genesis.json").write_bytes(voluntary.genesis)
    printed = run_lantan(
        "verify", "receipt", tmp_path / "receipt.json", "--genesis", tmp_path / "genesis.json"
    )
    assert printed.returncode == 0, printed
    lines = printed.stdout.splitlines()
    assert lines[-1] == "VALID"
    assert lines[-2].startswith("final        ")  # what retired means, in plain words
    meaning = lines[-3]
    assert meaning.startswith(
        "meaning      a VOLUNTARY retirement by the account holder, NOT a court's"
        " and tied to no court case: 4.225 t CO2e"
    )
    assert CASE_LINE not in meaning and "judicial" not in meaning
    assert f"beneficiary  \u201c{BENEFICIARY}\u201d {OWN}" in lines
    # The case line appears only inside the holder's quoted words.
    assert not [line for line in lines if CASE_LINE in line and OWN not in line]


def test_the_pdf_title_says_voluntary_not_a_courts(
    voluntary: VoluntaryReceipt, tmp_path: Path
) -> None:
    cjk_font_or_skip()
    text = pdf_text(voluntary, tmp_path)
    assert "蓝碳自愿注销凭证（非法院注销）" in text
    assert "Blue carbon VOLUNTARY retirement receipt: not a court's" in text
    assert "并非法院的注销" in text and f"\u201c{BENEFICIARY}\u201d" in text.replace("\n", "")
