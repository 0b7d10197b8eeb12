"""A voluntary retirement's receipt shows the holder's words as the holder's (h57 F10, F12)."""

import pytest

from client.receipt.pdf_rows import receipt_rows
from client.receipt.summary import summary_lines
from client.receipt.verify import verify_receipt
from tests.receipts.voluntary_receipt import REASON, VoluntaryReceipt, voluntary_receipt


@pytest.fixture(scope="module")
def voluntary(tmp_path_factory: pytest.TempPathFactory) -> VoluntaryReceipt:
    return voluntary_receipt(tmp_path_factory.mktemp("voluntary-chain"))


def test_the_signed_reason_is_a_row_of_the_summary_and_the_pdf(
    voluntary: VoluntaryReceipt,
) -> None:
    facts = verify_receipt(voluntary.receipt, voluntary.genesis)
    assert facts.kind == "voluntary" and facts.reason == REASON
    assert [line for line in summary_lines(facts) if line.startswith("reason ")] == [
        f"reason       {REASON}"
    ]
    (row,) = [row for row in receipt_rows(facts) if row.label_en == "Reason"]
    assert row.label_zh == "原因" and row.lines == (REASON,)
