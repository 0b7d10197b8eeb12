"""Considerations (ADR 0031) in the API, the tx and batch pages, the CSV export and `lantan
query`: the Xiangshan case committed on a real Ledger, then one priced transfer of 1,001 kg
at 106 yuan/t through Ningbo PTC, whose total (10,610.6 fen) rounds to 10,611 fen."""

import csv
import html
import io
from collections.abc import Iterator

import pytest

from client.amounts import yuan_digits
from client.cli.query import LIST_RESOURCES
from genesis.example.xiangshan_case import BATCH_ID, TOWNSHIP_ACCOUNT
from genesis.network import ECOLOGICAL_ACCOUNT_ID
from node.web.consideration_view import CSV_COLUMNS, price_text
from tests.unit.node.case_chain import CaseTxs, Signer, run_case, run_each
from tests.unit.node.chain_kit import open_ledger
from tests.unit.node.test_web_pages import Site, serving
from tests.vectors.consideration_example import BODY

PRICED = BODY | {
    "from_account": TOWNSHIP_ACCOUNT,
    "to_account": ECOLOGICAL_ACCOUNT_ID,
    "batch_id": BATCH_ID,
    "quantity_kg": 1_001,
}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    ledger = open_ledger(tmp_path_factory.mktemp("consideration") / "data")
    signer = Signer()
    txs = run_case(ledger, signer)
    priced = signer.tx(TOWNSHIP_ACCOUNT, "credits.transfer_priced", PRICED, ("ningbo-ptc",))
    done = run_each(ledger, (priced,))
    with serving(ledger, CaseTxs(by_type=txs.by_type | done.by_type)) as served:
        yield served


def priced_tx(site: Site) -> str:
    return site.txs.by_type["credits.transfer_priced"]


@pytest.mark.parametrize(
    ("fen", "price", "decimal"),
    [(10_600, "¥106.00/t", "106.00"), (3_000, "¥30.00/t", "30.00"), (5, "¥0.05/t", "0.05")],
)
def test_prices_are_exact_yuan(fen: int, price: str, decimal: str) -> None:
    assert (price_text(fen), yuan_digits(fen, grouped=False)) == (price, decimal)


def test_the_api_lists_and_reads_the_consideration(site: Site) -> None:
    tx_id = priced_tx(site)
    record = site.client.get(f"/v1/considerations/{tx_id}").json()
    stored = site.client.get(f"/v1/state/consideration/{tx_id}").json()["value"]
    assert record == stored
    assert (record["total_fen"], record["quantity_kg"], record["tx_id"]) == (10_611, 1_001, tx_id)
    assert [item["tx_id"] for item in site.client.get("/v1/considerations").json()["items"]] == [
        tx_id
    ]
    assert site.client.get(f"/v1/considerations/{'0' * 64}").status_code == 404


def test_the_tx_page_shows_price_and_total_in_yuan(site: Site) -> None:
    english = site.page(f"/txs/{priced_tx(site)}")
    assert "Consideration" in english and "¥106.00/t" in english and "¥106.11" in english
    assert "does not settle money" in english
    chinese = html.unescape(site.page(f"/txs/{priced_tx(site)}", "zh"))
    assert "交易对价" in chinese and "单价" in chinese and "¥106.11" in chinese
    plain = site.page(f"/txs/{site.txs.by_type['credits.transfer']}")
    assert "Consideration" not in plain


def test_the_batch_page_lists_its_priced_transfers(site: Site) -> None:
    page = site.page(f"/batches/{BATCH_ID}")
    table = page[page.index('class="considerations"') :]
    assert "Priced transfers" in page and "¥106.00/t" in table and "¥106.11" in table
    assert priced_tx(site)[:16] in table
    assert "计价转让" in site.page(f"/batches/{BATCH_ID}", "zh")


def test_the_considerations_csv(site: Site) -> None:
    assert 'href="/export/considerations.csv"' in site.page("/projects")
    response = site.client.get("/export/considerations.csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == list(CSV_COLUMNS) and len(rows) == 2
    row = dict(zip(rows[0], rows[1], strict=True))
    assert (row["tx_id"], row["total_fen"], row["total_yuan"]) == (
        priced_tx(site),
        "10611",
        "106.11",
    )
    assert (row["unit_price_fen_per_t"], row["unit_price_yuan_per_t"]) == ("10600", "106.00")
    assert (row["currency"], row["broker"], row["agreement_hash"]) == (
        "CNY",
        "ningbo-ptc",
        BODY["agreement_hash"],
    )


def test_lantan_query_knows_considerations() -> None:
    (resource,) = [r for r in LIST_RESOURCES if r.name == "considerations"]
    assert resource.item_noun == "TX_ID"
    assert {"total_fen", "unit_price_fen_per_t", "currency"} <= set(resource.columns)
