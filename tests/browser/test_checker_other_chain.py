"""A genesis loaded from a file is not the network the checker was issued for (stop 57,
F2): a receipt from a look-alike chain, checked against the genesis handed over with it,
showed the plain green VALID "against the pinned genesis". The verdict box now says, in
amber, for which chain it is valid and that it is not the pinned network."""

import json
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import screenshot
from tests.browser.test_checker import offline_file, verdict, wait_ready

pytestmark = pytest.mark.browser
VECTORS = Path(__file__).parents[1] / "vectors"


def test_a_receipt_valid_only_for_a_loaded_genesis_is_not_shown_as_plain_valid(
    page: Any, tmp_path: Path
) -> None:
    vector_genesis = VECTORS / "receipt-v1-genesis.json"
    other = json.loads(vector_genesis.read_bytes())
    # The checker's own network: the vectors' genesis under another chain name, so another
    # chain_id; the receipt alone is WRONG_CHAIN there.
    pinned = dict(other, chain_name="lantan-xiangshan-local")
    page.goto(offline_file(tmp_path, pinned, "checker.html"))
    wait_ready(page)
    pinned_id = page.inner_text("#genesis-chain-id")
    page.set_input_files("#receipt-file", str(VECTORS / "receipt-v4.json"))
    assert verdict(page) == ("INVALID", "WRONG_CHAIN")
    page.set_input_files("#genesis-file", str(vector_genesis))
    page.wait_for_selector("#genesis-name:has-text('receipt-v1-genesis.json')")
    other_id = page.inner_text("#genesis-chain-id")
    page.click("#verify-button")  # the receipt file chosen above, against the loaded genesis
    assert verdict(page) == ("VALID", "")
    box = page.locator("#verdict")
    assert box.get_attribute("data-chain") == "other"
    assert "valid" not in (box.get_attribute("class") or "").split()
    shown = box.inner_text()
    assert f"VALID ONLY for chain lantan-receipt-example-3 ({other_id[:16]}…)" in shown
    assert "receipt-v1-genesis.json" in shown
    assert (
        f"NOT the network this checker was issued for: lantan-xiangshan-local ({pinned_id[:16]}…)"
        in shown
    )
    colour = page.evaluate("getComputedStyle(document.getElementById('verdict')).backgroundColor")
    assert colour == "rgb(255, 244, 214)"  # --warn-pale, not the green --ok-pale
    result = page.inner_text("#result")
    assert "against the pinned genesis" not in result
    assert "against the genesis loaded from the file receipt-v1-genesis.json" in result
    screenshot(page, "checker-other-chain")
    page.click("#checker-lang")
    shown_zh = page.inner_text("#verdict")
    assert f"仅对链 lantan-receipt-example-3（{other_id[:16]}…）有效" in shown_zh
    assert f"这不是本核验页所属的网络：lantan-xiangshan-local（{pinned_id[:16]}…）" in shown_zh
    assert "依据固定的创世文件" not in page.inner_text("#result")
