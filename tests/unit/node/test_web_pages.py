"""The web registry's pages over the Xiangshan case committed on a real Ledger, read through
the node's one read port (no browser: tests/browser drives the same pages in Chromium)."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from node.ledger import Ledger
from tests.unit.node.api.kit import TestClient, make_api
from tests.unit.node.case_chain import CaseTxs, run_case, sign_checkpoint
from tests.unit.node.chain_kit import open_ledger

BATCH = "huangbiao-mariculture-2022-v1"
INSURER = "保险公司（示例） insurer (illustrative)"


@dataclass(frozen=True)
class Site:
    client: Any
    txs: CaseTxs

    def page(self, path: str, lang: str = "en") -> str:
        response = self.client.get(path, params={"lang": lang})
        assert response.status_code == 200, (path, response.status_code)
        text: str = response.text
        return text


@contextmanager
def serving(ledger: Ledger, txs: CaseTxs) -> Iterator[Site]:
    """The node's app over ledger, as a Site; the ledger's store is closed afterwards."""
    _service, _inbox, app = make_api(ledger)
    try:
        with TestClient(app) as client:
            yield Site(client=client, txs=txs)
    finally:
        ledger.store.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    ledger = open_ledger(tmp_path_factory.mktemp("case") / "data")
    txs = run_case(ledger)
    service, _inbox, app = make_api(ledger)
    sign_checkpoint(service)
    try:
        with TestClient(app) as client:
            yield Site(client=client, txs=txs)
    finally:
        ledger.store.close()


def test_a_free_text_insurer_is_shown_not_linked_and_institution_ids_are_linked(
    site: Site,
) -> None:
    insurance = site.page(f"/txs/{site.txs.by_type['insurance.attest']}")
    assert f"<td>{INSURER}</td>" in insurance
    assert "/institutions/%E4%BF%9D" not in insurance  # that link answered 400
    transfer = site.page(f"/txs/{site.txs.by_type['credits.transfer']}")
    assert 'href="/institutions/ningbo-ptc?lang=en">ningbo-ptc</a>' in transfer  # broker
    case = site.page(f"/txs/{site.txs.by_type['case.register']}")
    assert 'href="/institutions/xiangshan-court?lang=en"' in case


def test_the_retirement_page_shows_the_typed_record_in_both_languages(site: Site) -> None:
    retirement_id = site.txs.by_type["credits.retire_judicial"]
    english = site.page(f"/retirements/{retirement_id}")
    assert '<strong id="retired-quantity">422,500 kg (422.5 t)</strong>' in english
    assert f'href="/batches/{BATCH}/serials/1-422500?lang=en">1–422,500</a>' in english
    assert "Huangbi&#x27;ao Township mariculture fishery carbon sink" in english
    assert 'id="receipt-pdf"' in english
    chinese = site.page(f"/retirements/{retirement_id}", "zh")
    assert "黄避岙乡海水养殖渔业碳汇项目" in chinese
    assert "Vintage 2022" in english and "2022" in chinese


def test_the_retirement_page_shows_the_receipts_id_and_digest(site: Site) -> None:
    retirement_id = site.txs.by_type["credits.retire_judicial"]
    response = site.client.get(f"/v1/receipts/{retirement_id}")
    assert response.status_code == 200, response.text[:200]
    digest = response.json()["receipt_digest"]
    for lang, label in (("en", "Receipt digest"), ("zh", "凭证摘要")):
        page = site.page(f"/retirements/{retirement_id}", lang)
        assert f'<code id="receipt-id">{retirement_id}</code>' in page
        assert f'<code id="receipt-digest">{digest}</code>' in page
        assert label in page


def test_a_serial_range_lists_its_history_from_the_serial_history(site: Site) -> None:
    page = site.page(f"/batches/{BATCH}/serials/1-10")
    history = page[page.index('id="range-history"') :]
    for tx_type in ("credits.issue", "credits.transfer", "credits.retire_judicial"):
        assert site.txs.by_type[tx_type][:16] in history
    assert site.txs.by_type["insurance.attest"][:16] not in history


def test_lists_search_and_exports_read_the_records(site: Site) -> None:
    cases = site.page("/cases")
    assert "（2023）浙0225刑初001号（示例 illustrative）" in cases
    assert "422,500 kg" in cases
    dashboard = site.page("/")
    assert 'id="chain-height"' in dashboard and "ningbo-ptc (observer)" in dashboard
    found = site.client.get("/search", params={"q": "27000"}, follow_redirects=False)
    assert found.status_code == 303
    assert found.headers["location"].startswith(f"/batches/{BATCH}/serials/")
    csv = site.client.get("/export/retirements.csv").content.decode("utf-8-sig")
    header, row = csv.splitlines()[:2]
    assert header.endswith("height,time_ms,time_utc8,verification_id,verifier,case_status")
    assert row.startswith(f"{site.txs.by_type['credits.retire_judicial']},judicial,")
    assert ",1-422500," in row


def test_a_receipt_pdf_without_a_cjk_font_is_a_404_page_with_the_font_error(
    site: Site,
) -> None:
    retirement_id = site.txs.by_type["credits.retire_judicial"]
    response = site.client.get(f"/retirements/{retirement_id}/receipt.pdf")
    if response.status_code == 200:  # this box has one of the known Debian fonts
        assert response.headers["content-type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")
        return
    assert response.status_code == 404
    assert "no TrueType CJK font found" in response.text
    assert not Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc").exists()


@pytest.mark.parametrize("digit", ["²", "①", "١"])  # superscript two, circled one, Arabic-Indic one
def test_digits_int_refuses_are_a_400_not_a_500(site: Site, digit: str) -> None:
    """str.isdigit() takes them and int() does not: each page read one that way answered
    500 (a hostile-input pass found search, the blocks list and a block's page)."""
    batch = "huangbiao-mariculture-2022-v1"  # the case's batch (case_chain.py)
    for path in (
        f"/search?q={digit}",
        f"/search?q=1{digit}",
        f"/blocks?before={digit}",
        f"/blocks/{digit}",
        f"/batches/{batch}/serials/1-{digit}",
    ):
        answer = site.client.get(path)
        assert answer.status_code in (200, 400, 404), (path, answer.status_code)
