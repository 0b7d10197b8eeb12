"""The checker page says whose "committed by" bound it shows (stop 57, F8): this copy's
checkpoint (size N), a bound that depends on the copy, and how to get the tightest; the
same words as `lantan verify receipt` and the PDF (tests/receipts/test_committed_bound.py).
"""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from protocol.encoding import encode
from tests.browser.test_checker import offline_file, verdict, wait_ready
from tests.receipts.chain import ReceiptChain
from tests.receipts.conftest import CaseChain, run_full_case

pytestmark = pytest.mark.browser
WITNESS = "xiangshan-court-witness"


@pytest.fixture(scope="module")
def witnessed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CaseChain]:
    chain = ReceiptChain(
        tmp_path_factory.mktemp("witnessed"), chain_name="lantan-bound", witnesses=(WITNESS,)
    )
    try:
        yield run_full_case(chain)
    finally:
        chain.close()


def test_the_page_names_this_copys_checkpoint(
    page: Any,
    witnessed: CaseChain,
    tmp_path: Path,
) -> None:
    chain = witnessed.chain
    height = chain.receipt(witnessed.judicial)["tx"]["height"]
    size = height + 1
    note = chain.cosign(size, WITNESS)
    receipt_file = tmp_path / "receipt.json"
    receipt_file.write_bytes(encode(chain.receipt(witnessed.judicial, size, note)))
    page.goto(offline_file(tmp_path, json.loads(chain.genesis_bytes), "checker.html"))
    wait_ready(page)
    page.set_input_files("#receipt-file", str(receipt_file))
    assert verdict(page) == ("VALID", "")
    shown = page.inner_text(".witnessed-at")
    assert f"this copy's checkpoint (size {size})" in shown
    assert "an upper bound that depends on the copy" in shown
    assert f"above height {height} gives the tightest" in shown
    assert "lantan receipt get RETIREMENT_ID --size N" in shown
