"""Court-facing wording: no stored code appears as visible text on any page type, in
Chinese or English; the zh dashboard, retirement page and checker are screenshotted for
review (artifacts/screenshots/)."""

import re
from typing import Any

import pytest

from client.code_names import CODE_NAMES, code_name
from genesis.example.xiangshan_case import BATCH_ID, CASE_ID, PROJECT_ID
from tests.browser.conftest import CaseNetwork, screenshot

pytestmark = pytest.mark.browser
# Codes that are also plain words of English text are found as codes only where they
# cannot be prose: with an underscore or a dot, or as a whole table cell / value.
CODE_PATTERN = re.compile(
    r"(?<![\w./-])("
    + "|".join(re.escape(c) for c in sorted(CODE_NAMES, key=len, reverse=True))
    + r")(?![\w./-])"
)
WORD_CODES = {code for code in CODE_NAMES if "_" not in code and "." not in code}


def raw_codes(text: str, lang: str) -> set[str]:
    """Codes shown as they are stored. Single-word codes (court, retired, mariculture) are
    words of prose and names too: they count only as a whole cell, not inside a sentence,
    and not where the code is its own name in that language (English "retired")."""
    found = set()
    for line in text.split("\n"):
        for raw_cell in line.split("\t"):
            cell = raw_cell.strip()
            for match in CODE_PATTERN.finditer(cell):
                code = match.group(1)
                if code_name(code, lang) == code:
                    continue
                if code not in WORD_CODES or cell == code:
                    found.add(code)
    return found


def page_paths(network: CaseNetwork, height: int) -> list[str]:
    rid = network.retirement_id
    return [
        "/",
        "/blocks",
        f"/blocks/{height}",
        f"/txs/{rid}",
        "/projects",
        f"/projects/{PROJECT_ID}",
        f"/batches/{BATCH_ID}",
        f"/batches/{BATCH_ID}/serials/1-422500",
        "/accounts/xiangshan-eco-account",
        "/cases",
        f"/cases/{CASE_ID}",
        "/retirements",
        f"/retirements/{rid}",
        "/institutions/xiangshan-court",
        "/institutions/xiangshan-county",
    ]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_raw_code_on_any_page(page: Any, network: CaseNetwork, lang: str) -> None:
    height = int(
        page.context.request.get(f"{network.url}/v1/txs/{network.retirement_id}").json()["height"]
    )
    found: dict[str, set[str]] = {}
    for path in page_paths(network, height):
        response = page.goto(f"{network.url}{path}?lang={lang}")
        assert response is not None and response.status == 200, path
        if path == "/":
            page.click("#all-blocks summary")  # the folded blocks count too
        codes = raw_codes(page.inner_text("main"), lang)
        if codes:
            found[path] = codes
    page.goto(f"{network.url}/checker?lang={lang}&receipt={network.retirement_id}")
    page.wait_for_selector("#verdict[data-verdict='VALID']", timeout=30_000)
    codes = raw_codes(page.inner_text("main"), lang)
    if codes:
        found["/checker"] = codes
    assert found == {}


def test_zh_screenshots_for_review(page: Any, network: CaseNetwork, cjk_font: Any) -> None:
    page.goto(f"{network.url}/?lang=zh")
    assert "登记总量" in page.inner_text("main")
    screenshot(page, "review-dashboard-zh")
    page.goto(f"{network.url}/retirements/{network.retirement_id}?lang=zh")
    assert "司法注销" in page.inner_text("main") and "替代性生态修复" in page.inner_text("main")
    screenshot(page, "review-retirement-zh")
    page.goto(f"{network.url}/checker?lang=zh&receipt={network.retirement_id}")
    page.wait_for_selector("#verdict[data-verdict='VALID']", timeout=30_000)
    facts = page.inner_text("#facts")
    assert "海水养殖" in facts and "个验证节点中" in facts and "象山县" in facts
    screenshot(page, "review-checker-zh")
