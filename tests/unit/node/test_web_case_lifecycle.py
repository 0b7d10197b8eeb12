"""The case lifecycle (ADR 0029) in the API, the web case pages and the cases CSV export: the
Xiangshan case retired in full, judged and closed by its court, and a second case that stays
registered, all committed on a real Ledger."""

import csv
import html
import io
from collections.abc import Iterator

import pytest

from contracts.case_records import Case
from genesis.example.xiangshan_case import CASE_ID
from node.web.exports import CASE_COLUMNS
from node.web.formatting import yuan_text
from protocol.codec import field_names
from tests.unit.node.case_chain import (
    SECOND_CASE,
    CaseTxs,
    Signer,
    case_lifecycle_txs,
    run_case,
    run_each,
)
from tests.unit.node.chain_kit import KEYS, open_ledger
from tests.unit.node.test_web_pages import Site, serving
from tests.vectors.case_lifecycle_example import CLOSE_BODY, JUDGMENT_BODY

COURT_KEY = KEYS["xiangshan-court"].public_key.hex()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    ledger = open_ledger(tmp_path_factory.mktemp("lifecycle") / "data")
    signer = Signer()
    txs = run_case(ledger, signer)
    lifecycle = run_each(ledger, case_lifecycle_txs(signer))
    with serving(ledger, CaseTxs(by_type=txs.by_type | lifecycle.by_type)) as served:
        yield served


@pytest.mark.parametrize(
    ("fen", "text"),
    [(12_236_600, "¥122,366.00"), (0, "¥0.00"), (5, "¥0.05"), (10**15, "¥10,000,000,000,000.00")],
)
def test_yuan_text_is_exact(fen: int, text: str) -> None:
    assert yuan_text(fen) == text


def test_the_api_adds_status_judgment_and_closure(site: Site) -> None:
    record = site.client.get(f"/v1/cases/{CASE_ID}").json()
    stored = site.client.get(f"/v1/state/case/{CASE_ID}").json()["value"]
    assert {k: v for k, v in record.items() if k in stored} == stored  # nothing changed
    assert set(record) - set(stored) == {"status", "judgment", "closure"}
    assert record["status"] == "closed"
    judgment = site.client.get(f"/v1/state/case_judgment/{CASE_ID}").json()["value"]
    closure = site.client.get(f"/v1/state/case_closure/{CASE_ID}").json()["value"]
    assert record["judgment"] == judgment and judgment["compensation_fen"] == 12_236_600
    assert record["closure"] == closure and closure["closed_by"] == COURT_KEY
    listed = site.client.get("/v1/cases").json()
    assert listed["items"][0] == record
    second = listed["items"][1]
    assert (second["case_id"], second["status"]) == (SECOND_CASE, "registered")
    assert second["judgment"] is None and second["closure"] is None
    assert site.client.get("/v1/cases/no-such-case").status_code == 404


def test_the_openapi_document_still_builds(site: Site) -> None:
    paths = site.client.get("/openapi.json").json()["paths"]
    assert "/v1/cases/{item_id}" in paths and "/v1/cases" in paths


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", ("Status", "closed", "Judgment", "Compensation ordered", "Closure", "satisfied")),
        ("zh", ("案件状态", "已结案", "判决", "判令赔偿金额", "损害地点", "结案方式", "已履行")),
    ],
)
def test_the_case_page_shows_status_judgment_and_closure(
    site: Site, lang: str, words: tuple[str, ...]
) -> None:
    page = site.page(f"/cases/{CASE_ID}", lang)
    for word in words:
        assert word in page, word
    assert '<strong id="compensation">¥122,366.00</strong>' in page
    judgment = page[page.index('class="judgment"') :]
    assert f"<code>{JUDGMENT_BODY['judgment_hash']}</code>" in judgment
    assert "2023-09-15" in judgment and html.escape(str(JUDGMENT_BODY["harm_site"])) in judgment
    assert f'<code title="{COURT_KEY}">{COURT_KEY[:16]}…</code>' in judgment
    closure = page[page.index('class="closure"') :]
    assert f"<code>{CLOSE_BODY['document_hash']}</code>" in closure


def test_the_judgment_tx_page_links_the_case_and_shows_yuan(site: Site) -> None:
    page = site.page(f"/txs/{site.txs.by_type['case.judgment']}")
    assert f'href="/cases/{CASE_ID}?lang=en">{CASE_ID}</a>' in page
    assert "<td>¥122,366.00</td>" in page


def test_a_case_without_judgment_or_closure_says_so(site: Site) -> None:
    english = site.page(f"/cases/{SECOND_CASE}")
    assert '<strong id="case-status">registered</strong>' in english
    assert "No judgment recorded on chain." in english and "Not closed." in english
    chinese = site.page(f"/cases/{SECOND_CASE}", "zh")
    assert '<strong id="case-status">已登记</strong>' in chinese
    assert "链上尚无判决记录。" in chinese and "尚未结案。" in chinese


def test_the_cases_list_shows_each_status(site: Site) -> None:
    page = site.page("/cases", "zh")
    table = page[page.index('id="cases"') :]
    assert "<td>已结案</td>" in table and "<td>已登记</td>" in table
    assert 'href="/export/cases.csv"' in site.page("/projects")


def test_the_cases_csv_has_the_case_and_its_lifecycle(site: Site) -> None:
    response = site.client.get("/export/cases.csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == list(CASE_COLUMNS)
    assert rows[0][: len(field_names(Case))] == list(field_names(Case))
    closed = dict(zip(rows[0], rows[1], strict=True))
    assert (closed["case_id"], closed["status"]) == (CASE_ID, "closed")
    assert closed["compensation_fen"] == "12236600" and closed["judgment_date"] == "2023-09-15"
    assert closed["judgment_hash"] == JUDGMENT_BODY["judgment_hash"]
    assert closed["ecosystem"] == "mariculture" and closed["judged_by"] == COURT_KEY
    assert closed["closure_outcome"] == "satisfied" and closed["closed_by"] == COURT_KEY
    assert closed["closure_document_hash"] == CLOSE_BODY["document_hash"]
    assert int(closed["closure_height"]) > int(closed["judgment_height"]) > 0
    registered = dict(zip(rows[0], rows[2], strict=True))
    assert (registered["case_id"], registered["status"]) == (SECOND_CASE, "registered")
    assert registered["judgment_hash"] == registered["closure_outcome"] == ""
