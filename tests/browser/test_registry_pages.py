"""The web registry in Debian's chromium against a real three-validator network.

Every page renders with data from the chain (the Xiangshan case), search lands on the
right page, the CSV exports hold the records, bad input gets 400/404 pages, and the
language switch turns the pages into Chinese.
"""

import csv
import io
from typing import Any

import httpx
import pytest

from genesis.example.xiangshan_case import BATCH_ID, CASE_ID, PROJECT_ID
from tests.browser.conftest import CJK_FONT, CaseNetwork, screenshot

pytestmark = pytest.mark.browser
CASE_NUMBER = "（2023）浙0225刑初001号"


def open_page(page: Any, url: str) -> Any:
    response = page.goto(url)
    assert response is not None and response.status == 200, (url, response and response.status)
    return response


def test_dashboard_shows_height_validators_blocks_and_checkpoints(
    page: Any, network: CaseNetwork
) -> None:
    open_page(page, network.url + "/?lang=en")
    height = int(page.text_content("#chain-height").replace(",", ""))
    assert height >= 8
    rows = page.locator("#validators tbody tr")
    assert rows.count() == 3
    names = {rows.nth(i).locator("td").first.inner_text() for i in range(3)}
    assert names == {"xiangshan-county", "ningbo-ptc", "xiamen-ptc"}
    counts = [rows.nth(i).locator(".signed-count") for i in range(3)]
    # Each certificate holds at least q = 2 precommits, so the counts add up to >= 2 per block.
    total = sum(int(c.get_attribute("data-count")) for c in counts)
    window = int(counts[0].get_attribute("data-window"))
    assert total >= 2 * window
    assert "expected" in counts[0].inner_text()
    words = page.inner_text("#fault-tolerance")
    assert "2 of the 3 validators" in words and "with up to 1 of its validators offline" in words
    assert "f_S" not in page.inner_text("main")
    # What the registry holds comes first: totals, retirements, blocks that hold txs.
    headings = page.locator("main h2").all_inner_texts()
    assert headings[:3] == [
        "Registry totals",
        "Latest retirements",
        "Latest blocks with transactions",
    ]
    busy = page.locator("#busy-blocks tbody tr td:nth-child(3)").all_inner_texts()
    assert busy and all(int(n) > 0 for n in busy)
    assert not page.locator("#all-blocks").get_attribute("open")  # empty blocks folded away
    assert page.locator("#all-blocks table.blocks tbody tr").count() == 10
    assert page.locator("#checkpoints tbody tr").count() >= 1
    screenshot(page, "dashboard")


def test_every_record_page_renders_chain_data(page: Any, network: CaseNetwork) -> None:
    retirement = network.retirement_id
    expectations = {
        "/blocks": "Blocks",
        f"/projects/{PROJECT_ID}": "HY/T 0305-2021",
        "/projects": "Huangbi'ao Township mariculture fishery carbon sink",
        f"/batches/{BATCH_ID}": "450,000 kg (450 t)",
        "/accounts/xiangshan-eco-account": "422,500 kg (422.5 t)",
        "/accounts/huangbiao-township": "27,500 kg (27.5 t)",
        "/cases": CASE_NUMBER,
        f"/cases/{CASE_ID}": "王某某, 李某某",
        "/retirements": "judicial",
        f"/retirements/{retirement}": "alternative ecological restoration",
        f"/txs/{retirement}": "judicial retirement",
        "/institutions/xiangshan-court": "Xiangshan County People's Court",
    }
    for path, text in expectations.items():
        open_page(page, f"{network.url}{path}{'&' if '?' in path else '?'}lang=en")
        assert text in page.inner_text("main"), path
    tx_height = int(page.context.request.get(f"{network.url}/v1/txs/{retirement}").json()["height"])
    open_page(page, f"{network.url}/blocks/{tx_height}?lang=en")
    assert "judicial retirement" in page.inner_text("#block-txs")
    assert "signed by" in page.inner_text(".signed-by")
    open_page(page, f"{network.url}/retirements/{retirement}?lang=en")
    assert page.locator("#receipt-json").get_attribute("href") == f"/v1/receipts/{retirement}"
    screenshot(page, "retirement")
    receipt = page.context.request.get(network.url + "/v1/receipts/" + retirement)
    assert receipt.ok and receipt.json()["retirement_id"] == retirement
    if CJK_FONT.exists():  # the PDF embeds it; scripts/system-deps installs it
        pdf = page.context.request.get(network.url + page.get_attribute("#receipt-pdf", "href"))
        assert pdf.headers["content-type"] == "application/pdf" and pdf.body().startswith(b"%PDF")


def test_serial_range_page_shows_the_full_history(page: Any, network: CaseNetwork) -> None:
    open_page(page, f"{network.url}/batches/{BATCH_ID}/serials/1-422500?lang=en")
    types = page.locator("#range-history tbody tr td:nth-child(4)").all_inner_texts()
    assert types == ["credit issuance", "priced credit transfer", "judicial retirement"]
    assert "retired @ xiangshan-eco-account" in page.inner_text("#range-history")
    # The township's remainder was touched by the issue and the (priced) transfer's split only.
    open_page(page, f"{network.url}/batches/{BATCH_ID}/serials/422501-450000?lang=en")
    types = page.locator("#range-history tbody tr td:nth-child(4)").all_inner_texts()
    assert types == ["credit issuance", "priced credit transfer"]


def test_search_finds_tx_serial_case_number_and_project(page: Any, network: CaseNetwork) -> None:
    searches = {
        network.retirement_id: "/retirements/",  # a tx id that is also a retirement
        "100000": f"/batches/{BATCH_ID}/serials/1-422500",
        "浙0225刑初001": f"/cases/{CASE_ID}",
        "mariculture fishery": f"/projects/{PROJECT_ID}",
    }
    for query, landing in searches.items():
        open_page(page, f"{network.url}/?lang=en")
        page.fill("form.search input[name=q]", query)
        page.click("form.search button")
        page.wait_for_load_state()
        if landing == "/retirements/":
            # Two hits (the tx and its retirement): a result list links both.
            assert page.locator("#search-results a").count() == 2
        else:
            assert landing in page.url, (query, page.url)
    open_page(page, f"{network.url}/search?q=nothing-like-this&lang=en")
    assert "Nothing matches" in page.inner_text("main")


def test_csv_exports_hold_the_records(network: CaseNetwork) -> None:
    expected = {
        "projects": (PROJECT_ID, "name_zh"),
        "issuances": (BATCH_ID, "quantity_kg"),
        "retirements": (network.retirement_id, "ranges"),
    }
    for kind, (value, column) in expected.items():
        response = httpx.get(f"{network.url}/export/{kind}.csv")
        assert response.status_code == 200 and response.headers["content-type"].startswith(
            "text/csv"
        )
        rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert column in rows[0] and any(value in row.values() for row in rows), kind


def test_bad_input_gets_400_and_404_pages_never_500(network: CaseNetwork) -> None:
    cases = {
        "/blocks/abc": 400,
        "/blocks/99999999": 404,
        "/blocks/-1": 400,
        "/txs/xyz": 400,
        "/txs/" + "0" * 64: 404,
        "/projects/nope": 404,
        "/projects/NOT%20A%20SLUG": 400,
        f"/batches/{BATCH_ID}/serials/9-1": 400,
        f"/batches/{BATCH_ID}/serials/1-99999999": 404,
        f"/batches/{BATCH_ID}/serials/x": 400,
        "/accounts/" + "a" * 80: 400,
        "/cases/none": 404,
        "/retirements/abc": 400,
        "/retirements/" + "0" * 64: 404,
        "/retirements/" + "0" * 64 + "/receipt.pdf": 404,
        "/institutions/%3Cscript%3E": 400,
        "/export/other.csv": 404,
        "/blocks?before=zz": 400,
        "/search?q=%00%3Cscript%3E": 200,
    }
    for path, status in cases.items():
        response = httpx.get(network.url + path)
        assert response.status_code == status, (path, response.status_code)
        assert "<script>" not in response.text.replace("<script src=", "")


def test_language_switch_turns_pages_chinese(
    page: Any, network: CaseNetwork, cjk_font: Any
) -> None:
    open_page(page, f"{network.url}/cases/{CASE_ID}?lang=en")
    assert page.get_attribute("html", "lang") == "en"
    assert "Case number" in page.inner_text("main")
    page.click("#lang-switch")
    page.wait_for_load_state()
    assert "lang=zh" in page.url and page.get_attribute("html", "lang") == "zh-CN"
    assert "案号" in page.inner_text("main") and "义务人（已脱敏）" in page.inner_text("main")
    assert page.inner_text("#lang-switch") == "English"
    # Links keep the language: the nav leads to the Chinese dashboard.
    page.click("header nav a:first-child")
    page.wait_for_load_state()
    assert "验证节点及签名记录" in page.inner_text("main")
    # The CJK font draws real glyphs: 蓝碳 is as wide as two ideographs, not tofu boxes.
    widths = page.evaluate(
        """() => {
        const c = document.createElement('canvas').getContext('2d');
        c.font = '40px "WenQuanYi Zen Hei"';
        return [c.measureText('蓝碳').width, c.measureText('\\u{10FFFD}\\u{10FFFD}').width];
    }"""
    )
    assert widths[0] > 60 and widths[0] != widths[1], widths
    screenshot(page, "dashboard-zh")
