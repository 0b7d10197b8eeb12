"""Sealed-bid auctions (ADR 0034) on the read side: GET /v1/auctions[/{lot_id}] with the bids,
the auctions and bids CSV exports, `lantan query auctions`, the auctions list and lot pages
(en, zh), escrowed kg on the account and batch pages, links from the tx page; on a real
Ledger where the Huangbi'ao lot was settled and a second lot is in its reveal window."""

import csv
import io
from collections.abc import Iterator

import pytest

from client.cli.query import LIST_RESOURCES
from contracts.auction_records import Bid, Lot
from genesis.example.auction_case import (
    BIDDERS,
    LOT_ID,
    LOT_KG,
    OPERATOR,
    UNREVEALED,
    WINNER,
    WINNING_FEN_PER_T,
)
from genesis.example.xiangshan_case import BATCH_ID, TOWNSHIP_ACCOUNT
from node.web.auction_view import BID_CSV_COLUMNS, LOT_CSV_COLUMNS
from node.web.exports import EXPORTS
from protocol.codec import field_names
from tests.unit.node.auction_chain import (
    BIDDER,
    OPEN_LOT_ID,
    OPEN_LOT_KG,
    AuctionTxs,
    run_auction,
)
from tests.unit.node.case_chain import CaseTxs
from tests.unit.node.chain_kit import open_ledger
from tests.unit.node.test_web_pages import Site, serving

WINNING_TOTAL_FEN = 2_480_506
"""234,010 kg at 10,600 fen/t (auction_case.py's docstring)."""


@pytest.fixture(scope="module")
def auction(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Site, AuctionTxs]]:
    ledger = open_ledger(tmp_path_factory.mktemp("auctions") / "data")
    txs = run_auction(ledger)
    with serving(ledger, CaseTxs(by_type={})) as served:
        yield served, txs


@pytest.fixture(scope="module")
def site(auction: tuple[Site, AuctionTxs]) -> Site:
    return auction[0]


def test_the_api_reads_a_lot_with_its_bids_in_commit_order(
    auction: tuple[Site, AuctionTxs],
) -> None:
    site, txs = auction
    answer = site.client.get(f"/v1/auctions/{LOT_ID}").json()
    stored = site.client.get(f"/v1/state/auction/{LOT_ID}").json()["value"]
    bids = answer.pop("bids")
    assert answer == stored
    lot = Lot.from_json(answer)
    assert (lot.status, lot.winner_account, lot.price_fen_per_t, lot.total_fen) == (
        "settled",
        WINNER.account_id,
        WINNING_FEN_PER_T,
        WINNING_TOTAL_FEN,
    )
    assert lot.unrevealed == (UNREVEALED.account_id,)
    assert lot.settle_tx_id.hex() == txs.settle_tx  # type: ignore[union-attr]
    parsed = [Bid.from_json(bid) for bid in bids]
    assert [b.bidder_account for b in parsed] == [b.account_id for b in BIDDERS]
    assert [b.seq for b in parsed] == [0, 1, 2]
    assert [b.tx_id.hex() for b in parsed] == list(txs.bid_txs)
    assert [b.revealed_price_fen_per_t for b in parsed] == [WINNING_FEN_PER_T, 8_800, None]
    assert all("salt" not in bid for bid in bids)
    listed = site.client.get("/v1/auctions").json()["items"]
    assert [item["lot_id"] for item in listed] == [LOT_ID, OPEN_LOT_ID]
    assert listed[0]["bids"] == bids
    assert site.client.get("/v1/auctions/no-such-lot").status_code == 404


def test_the_lots_and_bids_csv(site: Site) -> None:
    page = site.page("/projects")
    assert 'href="/export/auctions.csv"' in page and 'href="/export/auction-bids.csv"' in page
    lots = _csv(site, "auctions")
    assert lots[0] == list(LOT_CSV_COLUMNS) == list(EXPORTS["auctions"][1])
    assert lots[0][: len(field_names(Lot))] == list(field_names(Lot))
    settled = dict(zip(lots[0], lots[1], strict=True))
    assert (settled["lot_id"], settled["status"], settled["winner_account"]) == (
        LOT_ID,
        "settled",
        WINNER.account_id,
    )
    assert (settled["price_yuan_per_t"], settled["total_yuan"]) == ("106.00", "24805.06")
    assert (settled["reserve_yuan_per_t"], settled["unrevealed"]) == (
        "30.00",
        UNREVEALED.account_id,
    )
    assert len(lots) == 3
    bids = _csv(site, "auction-bids")
    assert bids[0] == list(BID_CSV_COLUMNS) and "salt" not in bids[0]
    rows = [dict(zip(bids[0], row, strict=True)) for row in bids[1:]]
    assert [(r["lot_id"], r["seq"], r["revealed_price_yuan_per_t"]) for r in rows] == [
        (LOT_ID, "0", "106.00"),
        (LOT_ID, "1", "88.00"),
        (LOT_ID, "2", ""),
        (OPEN_LOT_ID, "0", "90.00"),
    ]


def _csv(site: Site, kind: str) -> list[list[str]]:
    response = site.client.get(f"/export/{kind}.csv")
    assert response.status_code == 200, kind
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_lantan_query_lists_auctions() -> None:
    (resource,) = [r for r in LIST_RESOURCES if r.name == "auctions"]
    assert resource.path == "/v1/auctions" and resource.item_noun == "LOT_ID"
    assert {"lot_id", "status", "winner_account", "price_fen_per_t"} <= set(resource.columns)
    assert set(resource.columns) <= set(field_names(Lot))


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        (
            "en",
            (
                f"Auction lot {LOT_ID}",
                "settled",
                "Reserve price",
                "¥30.00/t",
                "Winning price",
                "¥106.00/t",
                "¥24,805.06",
                "¥88.00/t",
                "not revealed",
                "Never revealed",
                "234,010 kg (234.01 t)",
                f"lantan auction verify {LOT_ID}",
            ),
        ),
        (
            "zh",
            (
                f"拍卖标的 {LOT_ID}",
                "已成交",
                "起拍价",
                "成交价",
                "中标人",
                "未揭标",
                "密封出价（按提交顺序）",
            ),
        ),
    ],
)
def test_the_lot_page_shows_the_outcome(site: Site, lang: str, words: tuple[str, ...]) -> None:
    page = site.page(f"/auctions/{LOT_ID}", lang)
    missing = [word for word in words if word not in page]
    assert not missing, (lang, missing)
    assert f'href="/accounts/{WINNER.account_id}' in page
    assert f'href="/institutions/{OPERATOR}' in page
    bids = page[page.index('id="bids"') :]
    order = [bids.index(f"/accounts/{bidder.account_id}") for bidder in BIDDERS]
    assert order == sorted(order), "bids in commit order"
    assert "salt" not in page.lower()
    assert "¥120.00/t" not in page, "the unrevealed bid's price is never known"


def test_the_open_lot_page_hides_revealed_prices_until_the_reveal_window_ends(site: Site) -> None:
    page = site.page(f"/auctions/{OPEN_LOT_ID}")
    assert "revealed; the price is shown after height" in page
    assert "¥90.00/t" not in page
    assert "reveals accepted up to height" in page
    assert "Outcome" not in page
    assert f'href="/accounts/{BIDDER.account_id}' in page
    assert "已揭标；高度" in site.page(f"/auctions/{OPEN_LOT_ID}", "zh")


def test_the_auctions_list_and_the_lot_errors(site: Site) -> None:
    page = site.page("/auctions")
    assert f'href="/auctions/{LOT_ID}' in page and f'href="/auctions/{OPEN_LOT_ID}' in page
    assert 'href="/auctions?lang=en"' in page or 'href="/auctions"' in page
    assert "密封竞价拍卖" in site.page("/auctions", "zh")
    assert site.client.get("/auctions/no-such-lot").status_code == 404
    assert site.client.get("/auctions/Not_A_Slug").status_code == 400


@pytest.mark.parametrize(
    ("lang", "label"), [("en", "In auction (ADR 0034)"), ("zh", "拍卖托管中（ADR 0034）")]
)
def test_the_account_page_shows_escrowed_kg(site: Site, lang: str, label: str) -> None:
    page = site.page(f"/accounts/{TOWNSHIP_ACCOUNT}", lang)
    holdings = page[page.index('id="holdings"') :]
    assert label in holdings
    assert f"{OPEN_LOT_KG:,} kg (10 t)" in holdings
    assert "拍卖托管中" in holdings if lang == "zh" else "escrowed for auction" in holdings
    winner = site.page(f"/accounts/{WINNER.account_id}", lang)
    assert f"{LOT_KG:,} kg (234.01 t)" in winner[winner.index('id="holdings"') :]


def test_the_batch_page_lists_its_lots(site: Site) -> None:
    page = site.page(f"/batches/{BATCH_ID}")
    fields = page[: page.index("Serial blocks")]
    assert f"In auction (ADR 0034)</th><td>{OPEN_LOT_KG:,} kg (10 t)" in fields
    section = page[page.index("Auctions of this batch") :]
    assert f'href="/auctions/{LOT_ID}' in section and f'href="/auctions/{OPEN_LOT_ID}' in section
    assert "escrowed for auction" in page


def test_the_tx_pages_link_the_lot_and_the_settlement_shows_its_consideration(
    auction: tuple[Site, AuctionTxs],
) -> None:
    site, txs = auction
    bid = site.page(f"/txs/{txs.bid_txs[0]}")
    assert f'href="/auctions/{LOT_ID}' in bid and f'href="/accounts/{WINNER.account_id}' in bid
    settle = site.page(f"/txs/{txs.settle_tx}", "zh")
    assert "交易对价" in settle and "¥24,805.06" in settle and "拍卖成交结算" in settle
