"""A voluntary retirement in the checker (h57 F10, F12): the account holder's signed words
are shown as the holder's, and its headline cannot be read as a court's."""

import json
from pathlib import Path
from typing import Any

import pytest

from tests.browser.test_checker import offline_file, verdict, wait_ready
from tests.receipts.voluntary_receipt import (
    BENEFICIARY,
    CASE_LINE,
    REASON,
    VoluntaryReceipt,
    voluntary_receipt,
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def voluntary(tmp_path_factory: pytest.TempPathFactory) -> VoluntaryReceipt:
    return voluntary_receipt(tmp_path_factory.mktemp("voluntary-chain"))


def check(page: Any, tmp_path: Path, voluntary: VoluntaryReceipt) -> None:
    page.goto(offline_file(tmp_path, json.loads(voluntary.genesis), "voluntary.html"))
    wait_ready(page)
    page.fill("#receipt-text", voluntary.receipt.decode("utf-8"))
    page.click("#verify-button")
    assert verdict(page) == ("VALID", "")


def test_the_signed_reason_is_a_row(page: Any, tmp_path: Path, voluntary: VoluntaryReceipt) -> None:
    check(page, tmp_path, voluntary)
    assert page.inner_text("tr[data-fact='reason'] th") == "Reason"
    assert page.inner_text("tr[data-fact='reason'] td") == (
        f"\u201c{REASON}\u201d (the account holder's own words)"
    )
    page.click("#checker-lang")
    assert page.inner_text("tr[data-fact='reason'] th") == "原因"


def test_the_headline_says_voluntary_and_names_no_case(
    page: Any, tmp_path: Path, voluntary: VoluntaryReceipt
) -> None:
    """The township's retirement whose beneficiary reads "case （2023）浙0225刑初001号…
    (Xiangshan County People's Court)" had the judicial headline's shape: "retired for case
    … (Xiangshan County People's Court)". Its headline is another sentence now, and the
    free text is quoted below it as the holder's."""
    check(page, tmp_path, voluntary)
    summary = page.inner_text("#verdict-summary")
    assert summary.startswith(
        "It proves: a VOLUNTARY retirement by the account holder, NOT a court's"
        " and tied to no court case: 4,225 kg CO2e (4.225 t CO2e), recorded "
    )
    assert CASE_LINE not in summary and "Court" not in summary
    own_words = page.inner_text("#verdict-own-words")
    assert own_words.endswith(f"Beneficiary: \u201c{BENEFICIARY}\u201d")
    assert "account holder's own words" in own_words
    page.click("#checker-lang")
    summary_zh = page.inner_text("#verdict-summary")
    assert summary_zh.startswith("它证明：账户持有人的自愿注销，并非法院的注销，不对应任何案件：")
    assert CASE_LINE not in summary_zh and "法院 " not in summary_zh
    assert page.inner_text("#verdict-own-words").endswith(f"受益方：\u201c{BENEFICIARY}\u201d")
