"""A voluntary retirement's headline never reads like a court's (stop 57, F12): any account
holder could write "case （2023）浙0225刑初001号 (Xiangshan County People's Court)" as the
beneficiary, and the checker's headline "It proves: … retired for case … (court)" then had
the judicial receipt's shape word for word."""

from pathlib import Path
from typing import Any

import pytest

from genesis.example.xiangshan_case import BATCH_ID, TOWNSHIP_ACCOUNT
from protocol.encoding import decode, encode
from tests.browser.test_checker import offline_file, verdict, wait_ready
from tests.receipts.chain import ReceiptChain

pytestmark = pytest.mark.browser
LOOKALIKE = "case （2023）浙0225刑初001号 (Xiangshan County People's Court)"


def test_a_voluntary_receipt_says_it_is_tied_to_no_case(page: Any, tmp_path: Path) -> None:
    chain = ReceiptChain(tmp_path / "chain")
    try:
        chain.run_case()
        spoof = chain.tx(
            TOWNSHIP_ACCOUNT,
            "credits.retire",
            {
                "account_id": TOWNSHIP_ACCOUNT,
                "batch_id": BATCH_ID,
                "quantity_kg": 4_225,
                "beneficiary": LOOKALIKE,
                "purpose": "voluntary_offset",
                "reason": "looks like the case",
            },
        )
        chain.commit((spoof,))
        chain.commit()
        receipt = encode(chain.receipt(spoof.tx_id))
        genesis = decode(chain.genesis_bytes)
    finally:
        chain.close()
    page.goto(offline_file(tmp_path, genesis, "checker.html"))  # type: ignore[arg-type]
    wait_ready(page)
    page.fill("#receipt-text", receipt.decode())
    page.click("#verify-button")
    assert verdict(page) == ("VALID", "")
    summary = page.inner_text("#verdict-summary")
    assert summary.startswith("VOLUNTARY retirement, NOT tied to any court case: it proves 4,225")
    assert not summary.startswith("It proves")
    assert f"(not checked by any court): «{LOOKALIKE}»" in summary
    page.click("#checker-lang")
    summary_zh = page.inner_text("#verdict-summary")
    assert summary_zh.startswith("自愿注销，与任何法院案件无关：")
    assert f"「{LOOKALIKE}」" in summary_zh
