"""What a court clerk's walkthrough of the checker found (and what it must now see): an
altered receipt is called altered in plain words, a short receipt id is resolved or
explained, the served page has one language switch and it switches the whole page, and
the Chinese text keeps one unit convention and Chinese punctuation."""

import json
from pathlib import Path
from typing import Any

import pytest

from client.receipt.codes import ALTERED_CODES
from tests.browser.conftest import CaseNetwork
from tests.browser.test_checker import offline_file, paste_v4_vector, verdict, wait_ready

pytestmark = pytest.mark.browser
VECTORS = Path(__file__).parents[1] / "vectors"
ALTERED_EN = (
    "This receipt does not match the registry's records: "
    "it was altered after it was issued, or damaged."
)
ALTERED_ZH = "这份凭证与登记簿记录不符：它在出具后被改动过或已损坏。"


def altered_v4() -> str:
    """receipt-v4.json with its retirement record's beneficiary changed after issue."""
    receipt = json.loads((VECTORS / "receipt-v4.json").read_bytes())
    (entry,) = [e for e in receipt["state"] if e["key"].startswith("retirement/")]
    entry["value"]["beneficiary"] = "someone else"
    return json.dumps(receipt, ensure_ascii=False)


def test_an_altered_receipt_is_called_altered_before_the_code(page: Any, tmp_path: Path) -> None:
    pinned = json.loads((VECTORS / "receipt-v1-genesis.json").read_bytes())
    page.goto(offline_file(tmp_path, pinned, "altered.html"))
    wait_ready(page)
    page.fill("#receipt-text", altered_v4())
    page.click("#verify-button")
    shown, code = verdict(page)
    assert shown == "INVALID" and code in {c.value for c in ALTERED_CODES}
    assert page.inner_text("#altered") == ALTERED_EN
    # The code and the technical detail stay, below the plain sentence.
    assert page.inner_text("#reason-code") == code and page.inner_text("#reason-detail")
    result = page.inner_text("#result")
    assert result.index(ALTERED_EN) < result.index(code)
    page.click("#checker-lang")
    assert page.inner_text("#altered") == ALTERED_ZH
    # Text that is not a receipt is not "altered": no such sentence for MALFORMED.
    page.fill("#receipt-text", "not json {")
    page.click("#verify-button")
    page.wait_for_selector("#reason-code:text('MALFORMED')")
    assert page.locator("#altered").count() == 0


def test_a_short_receipt_id_is_resolved_or_explained(page: Any, network: CaseNetwork) -> None:
    full = network.retirement_id
    page.goto(f"{network.url}/checker?lang=en&receipt={full[:10]}")
    assert verdict(page) == ("VALID", "")
    assert f"receipt={full}" in page.url
    page.goto(f"{network.url}/checker?lang=en&receipt={full[:4]}")
    wait_ready(page)
    notice = page.inner_text("#receipt-notice")
    assert "full receipt id" in notice and "64 hexadecimal digits" in notice
    assert page.locator("#verdict").count() == 0
    unused = next(p for p in ("00000000", "ffffffff") if not full.startswith(p))
    page.goto(f"{network.url}/checker?lang=zh&receipt={unused}")
    wait_ready(page)
    assert f"没有凭证编号以“{unused}”开头" in page.inner_text("#receipt-notice")
    page.goto(f"{network.url}/checker?lang=en&receipt=not-an-id")
    wait_ready(page)
    assert "is not a receipt id" in page.inner_text("#receipt-notice")


def test_the_served_checker_has_one_language_switch_for_the_whole_page(
    page: Any, network: CaseNetwork
) -> None:
    page.goto(f"{network.url}/checker?lang=en&receipt={network.retirement_id}")
    assert verdict(page) == ("VALID", "")
    assert page.locator("#checker-lang").count() == 0
    assert page.locator("text=中文").count() == 1
    page.click("#lang-switch")
    assert verdict(page) == ("VALID", "")
    assert page.inner_text("#verdict") == "有效"
    assert page.inner_text("h1") == "注销凭证核验"
    assert page.title().startswith("注销凭证核验")
    assert "凭证核验" in page.inner_text("header nav")
    assert page.inner_text("#offline-link").startswith("离线核验")
    assert "区块认证" in page.inner_text("#facts")


def test_chinese_checker_text_has_one_unit_convention_and_chinese_punctuation(
    page: Any, tmp_path: Path
) -> None:
    paste_v4_vector(page, tmp_path, "zh.html")
    english = page.inner_text("#facts")
    assert "422,500 kg CO2e (422.5 t CO2e)" in english
    page.click("#checker-lang")
    facts = page.inner_text("#facts")
    assert "千克" not in facts and "千克" not in english
    assert "422,500 kg CO2e（422.5 t CO2e）" in facts
    assert "核证净碳汇量 500,000 kg CO2e" in facts
    assert "已履行：已注销 422,500 / 422,500 kg CO2e" in facts
    verification = page.inner_text("tr[data-fact='verification'] td")
    assert "经认可的核证机构" in verification
    assert "；" in verification and ";" not in verification


def test_a_valid_receipt_says_for_which_case_and_when_beside_the_verdict(
    page: Any, tmp_path: Path
) -> None:
    """A clerk checking a receipt for one case saw only VALID: the case number was the
    seventh row of the table, so another case's valid receipt looked the same. The verdict
    now carries one sentence: how much, for which case and court, recorded when."""
    paste_v4_vector(page, tmp_path, "summary.html")
    case_number = page.inner_text("tr[data-fact='case_number'] td")
    # "YYYY-MM-DD hh:mm:ss (UTC+8), block height H": when first, as a clerk reads it.
    block = page.inner_text("tr[data-fact='block'] td")
    when = block.split(" (UTC+8), block height ", 1)[0]
    court = "Xiangshan County People's Court"
    assert court in page.inner_text("tr[data-fact='court'] td")
    summary = page.inner_text("#verdict-summary")
    # The court that signed and the case record's number (h57 F12: a voluntary one's
    # sentence has another shape and names no case).
    assert summary.startswith(
        f"It proves: a judicial retirement signed by the court {court} for case {case_number}"
        " (as the court's case record states it): 422,500 kg CO2e (422.5 t CO2e), recorded "
    )
    assert f"recorded {when} (UTC+8)" in summary
    result = page.inner_text("#result")
    assert result.index("VALID") < result.index(summary) < result.index("Receipt id")
    page.click("#checker-lang")
    summary_zh = page.inner_text("#verdict-summary")
    assert summary_zh.startswith("它证明：由法院 象山县人民法院") and case_number in summary_zh
    assert f"记录于 {when}（北京时间）" in summary_zh


def test_a_valid_receipt_says_the_credits_are_retired_for_good_and_groups_technical_rows(
    page: Any, tmp_path: Path
) -> None:
    """ "Kind: judicial retirement" was the only statement of finality, and "Checkpoint size
    12" was the table's last row, where a clerk reads on (stop 57): one plain sentence now
    follows the verdict, and the technical rows are grouped under their own heading."""
    paste_v4_vector(page, tmp_path, "final.html")
    final = page.inner_text("#verdict-final")
    assert final == (
        "These 422.5 t CO2e are permanently retired for this case"
        " and can never be sold, transferred or retired again."
    )
    result = page.inner_text("#result")
    assert result.index("VALID") < result.index(final) < result.index("Receipt id")
    technical = page.locator("#technical")
    for fact in ("receipt_digest", "receipt_version", "receipt_hash", "signed", "tx_keys"):
        assert technical.locator(f"tr[data-fact='{fact}']").count() == 1, fact
    assert technical.locator("tr[data-fact='checkpoint']").count() == 1
    assert technical.locator("tr[data-fact='case_number']").count() == 0
    assert result.index("Quantity retired") < result.index("Technical details")
    assert result.index("Technical details") < result.index("Checkpoint size")
    page.click("#checker-lang")
    assert page.inner_text("#verdict-final") == (
        "这 422.5 t CO2e 已为本案永久注销，不可再出售、转让或再次注销。"
    )
    assert page.inner_text("#technical-title").startswith("技术细节")


def test_a_receipt_re_saved_with_a_byte_order_mark_says_so_in_words(
    page: Any, tmp_path: Path
) -> None:
    """The checker called a BOM'd receipt 'not a JSON receipt: unexpected "[U+FEFF]"' (stop
    57): still MALFORMED, as `lantan verify receipt` says it, with a plain sentence first."""
    pinned = json.loads((VECTORS / "receipt-v1-genesis.json").read_bytes())
    page.goto(offline_file(tmp_path, pinned, "bom.html"))
    wait_ready(page)
    bom = tmp_path / "bom.json"
    bom.write_bytes(b"\xef\xbb\xbf" + (VECTORS / "receipt-v4.json").read_bytes())
    page.set_input_files("#receipt-file", str(bom))
    assert verdict(page) == ("INVALID", "MALFORMED")
    assert page.inner_text("#bom") == (
        "The file starts with a byte-order mark: it was re-saved by an editor (e.g. Notepad)."
        " Use the original receipt file."
    )
    assert page.inner_text("#reason-detail") == (
        "the file starts with a byte-order mark: it was re-saved by an editor;"
        " use the original file"
    )
    page.click("#checker-lang")
    assert page.inner_text("#bom").startswith("该文件以字节顺序标记（BOM）开头")
