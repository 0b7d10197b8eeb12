"""A voluntary retirement in the checker (h57 F10, F12): the account holder's signed words
are shown as the holder's, and its headline cannot be read as a court's."""

import json
from pathlib import Path
from typing import Any

import pytest

from tests.browser.test_checker import offline_file, verdict, wait_ready
from tests.receipts.voluntary_receipt import REASON, VoluntaryReceipt, voluntary_receipt

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
    assert REASON in page.inner_text("tr[data-fact='reason'] td")
    page.click("#checker-lang")
    assert page.inner_text("tr[data-fact='reason'] th") == "原因"
