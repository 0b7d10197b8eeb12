"""`lantan auction verify` (ADR 0034) against a node's real answers, honest and tampered.

The Huangbi'ao lot is settled on a real Ledger (tests/unit/node/auction_chain.py) and the
node's API answers through an httpx MockTransport, which can change an answer on its way:
a lot or bid record, the consideration, a block with a bid dropped, a certificate. The
verifier must recompute the same outcome from the honest answers and catch every change.
The rule checks of the replay are also run on certified blocks whose results claim a
late bid or a wrong reveal was accepted (as a colluding quorum would certify them).
"""

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from client import node_pool
from client.api import NodeClient
from client.audit.auction import AuctionChainError, CheckedBlock, disagreements, replay_auction
from client.cli import auction as auction_cli
from client.cli.main import main
from contracts.auction_records import bid_commitment
from genesis.document import GenesisDocument
from genesis.example.auction_case import LOT_ID, UNREVEALED, WINNER, WINNING_FEN_PER_T
from protocol.results import TxResult, TxStatus
from tests.unit.node.auction_chain import OPEN_LOT_ID, AuctionTxs, run_auction
from tests.unit.node.case_chain import CaseTxs
from tests.unit.node.chain_kit import make_document, open_ledger
from tests.unit.node.test_web_pages import Site, serving

URL = "http://node.test"
Tamper = Callable[[str, Any], Any]
"""(request path, the node's JSON answer) -> the answer served instead."""


@dataclass(frozen=True)
class Node:
    site: Site
    txs: AuctionTxs
    genesis: Path
    document: GenesisDocument

    def client(self, tamper: Tamper | None = None) -> NodeClient:
        def handle(request: httpx.Request) -> httpx.Response:
            answer = self.site.client.get(request.url.path, params=dict(request.url.params))
            if tamper is None or answer.status_code != 200:
                return httpx.Response(answer.status_code, content=answer.content)
            return httpx.Response(200, json=tamper(request.url.path, answer.json()))

        return NodeClient(URL, transport=httpx.MockTransport(handle))


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Node]:
    directory = tmp_path_factory.mktemp("auction-verify")
    ledger = open_ledger(directory / "data")
    txs = run_auction(ledger)
    document = make_document()
    genesis = directory / "genesis.json"
    genesis.write_bytes(document.canonical_bytes())
    with serving(ledger, CaseTxs(by_type={})) as site:
        yield Node(site=site, txs=txs, genesis=genesis, document=document)


def verify(node: Node, tamper: Tamper | None = None) -> auction_cli.LotVerdict:
    with node.client(tamper) as client:
        return auction_cli.verify_lot(client, node.document, LOT_ID)


def test_the_outcome_recomputed_from_the_chain_equals_the_nodes(node: Node) -> None:
    verdict = verify(node)
    assert verdict.differences == ()
    chain, outcome = verdict.chain, verdict.chain.outcome
    assert (outcome.winner_account, outcome.price_fen_per_t, outcome.total_fen) == (
        WINNER.account_id,
        WINNING_FEN_PER_T,
        2_480_506,
    )
    assert outcome.unrevealed == (UNREVEALED.account_id,) and outcome.invalid == ()
    assert (chain.open_height, chain.settle_height) == (
        node.txs.open_height,
        node.txs.settle_height,
    )
    assert chain.blocks == node.txs.settle_height - node.txs.open_height + 1
    assert [b.tx_id.hex() for b in chain.bids] == list(node.txs.bid_txs)
    assert sorted(r.reason for r in chain.refused) == ["bid_commitment_mismatch", "bidding_closed"]


def _lot(change: Callable[[dict[str, Any]], None]) -> Tamper:
    def tamper(path: str, answer: Any) -> Any:
        if path == f"/v1/auctions/{LOT_ID}":
            change(answer)
        return answer

    return tamper


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (lambda lot: lot.update(winner_account="xiamen-lanhai-trade"), "winner_account"),
        (lambda lot: lot.update(price_fen_per_t=12_000, total_fen=2_808_120), "price_fen_per_t"),
        (lambda lot: lot.update(unrevealed=[]), "unrevealed"),
        (lambda lot: lot.update(reserve_fen_per_t=2_000), "reserve_fen_per_t"),
        (lambda lot: lot["bids"][2].update(revealed_price_fen_per_t=12_000), "revealed_price"),
        (lambda lot: lot["bids"].pop(1), "xiamen-lanhai-trade: the node serves no such bid"),
        (lambda lot: lot["bids"][0].update(seq=1), "seq"),
    ],
    ids=["winner", "price", "unrevealed", "reserve", "bid-price", "bid-dropped", "bid-seq"],
)
def test_a_changed_lot_or_bid_record_is_caught(
    node: Node, change: Callable[[dict[str, Any]], None], named: str
) -> None:
    verdict = verify(node, _lot(change))
    assert verdict.chain.outcome.winner_account == WINNER.account_id
    assert any(named in line for line in verdict.differences), verdict.differences


def test_a_changed_consideration_is_caught(node: Node) -> None:
    def tamper(path: str, answer: Any) -> Any:
        if path.startswith("/v1/considerations/"):
            answer["total_fen"] += 100
        return answer

    (line,) = verify(node, tamper).differences
    assert f"consideration/{node.txs.settle_tx}: total_fen is 2480606" in line


def _block(height: int, change: Callable[[dict[str, Any]], None]) -> Tamper:
    def tamper(path: str, answer: Any) -> Any:
        if path == f"/v1/blocks/{height}":
            change(answer)
        return answer

    return tamper


def _drop_tx(answer: dict[str, Any]) -> None:
    answer["block"]["txs"].pop(0)
    answer["results"].pop(0)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (_drop_tx, "tx_root"),
        (lambda answer: answer["certificate"]["signatures"].pop(0), "CERTIFICATE_BELOW_QUORUM"),
        (lambda answer: answer.update(results=[]), "served results"),
    ],
    ids=["bid-dropped", "certificate-short", "results-dropped"],
)
def test_a_changed_block_is_caught(
    node: Node, change: Callable[[dict[str, Any]], None], words: str
) -> None:
    first_bid = node.txs.open_height + 1
    with pytest.raises(AuctionChainError) as caught:
        verify(node, _block(first_bid, change))
    assert caught.value.code == "chain" and words in caught.value.detail
    assert f"height {first_bid}" in caught.value.detail


def test_a_lot_record_that_hides_the_open_tx_is_caught(node: Node) -> None:
    tamper = _lot(lambda lot: lot.update(height=node.txs.open_height + 1))
    with pytest.raises(AuctionChainError, match="before the lot was opened"):
        verify(node, tamper)


def test_an_open_lot_has_nothing_to_verify_yet(node: Node) -> None:
    with node.client() as client, pytest.raises(auction_cli.LotNotSettledError, match="open"):
        auction_cli.verify_lot(client, node.document, OPEN_LOT_ID)


def checked_blocks(node: Node) -> list[CheckedBlock]:
    with node.client() as client:
        history = auction_cli._set_history(client, node.document)
        heights = range(node.txs.open_height, node.txs.settle_height + 1)
        return auction_cli._checked_blocks(client, node.document, history, heights)


def _with_result(blocks: list[CheckedBlock], tx_ids: set[str], result: str) -> list[CheckedBlock]:
    """blocks with the results of tx_ids turned ACCEPTED or refused with the reason result,
    as a colluding quorum could certify them."""
    changed = []
    for checked in blocks:
        results = tuple(
            TxResult(tx_id=r.tx_id, status=TxStatus.ACCEPTED, reason=None)
            if r.tx_id.hex() in tx_ids and result == "accepted"
            else TxResult(tx_id=r.tx_id, status=TxStatus.REJECTED, reason=result)
            if r.tx_id.hex() in tx_ids
            else r
            for r in checked.results
        )
        changed.append(replace(checked, results=results))
    return changed


@pytest.mark.parametrize(
    ("which", "words"),
    [(0, "after bidding closed"), (1, "does not open the bid's commitment")],
    ids=["late-bid", "wrong-salt"],
)
def test_the_replay_refuses_what_the_rule_refuses(node: Node, which: int, words: str) -> None:
    blocks = checked_blocks(node)
    assert replay_auction(LOT_ID, blocks).outcome.winner_account == WINNER.account_id
    with pytest.raises(AuctionChainError, match=words):
        replay_auction(LOT_ID, _with_result(blocks, {node.txs.refused[which]}, "accepted"))


def test_without_a_valid_reveal_the_lot_is_unsold_and_the_nodes_award_is_caught(
    node: Node,
) -> None:
    blocks = _with_result(checked_blocks(node), set(node.txs.reveal_txs), "reveal_closed")
    chain = replay_auction(LOT_ID, blocks)
    outcome = chain.outcome
    assert (chain.status, outcome.winner_account, outcome.total_fen) == ("unsold", None, None)
    assert len(outcome.unrevealed) == 3
    with node.client() as client:
        served = client.get_json(f"/v1/auctions/{LOT_ID}")
        consideration = client.get_json(f"/v1/considerations/{node.txs.settle_tx}")
    bids = served.pop("bids")
    found = disagreements(chain, served, bids, consideration)
    assert any('status is "settled" on the node, "unsold" by the chain' in f for f in found)
    assert any("the node serves one, but the lot went unsold" in f for f in found)


DOWN_URL = "http://down.test"
"""A node that cannot be reached (every request to it fails to connect)."""


def _serve_clients(node: Node, monkeypatch: pytest.MonkeyPatch, tamper: Tamper | None) -> None:
    """The CLI's node clients (client/node_pool.py makes them): URL answers as the node,
    DOWN_URL refuses every connection."""

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    def client(url: str, *, transport: httpx.BaseTransport | None = None) -> NodeClient:
        if url == DOWN_URL:
            return NodeClient(url, transport=httpx.MockTransport(refuse))
        assert url == URL
        return node.client(tamper)

    monkeypatch.setattr(node_pool, "NodeClient", client)


def _run_cli(
    node: Node, monkeypatch: pytest.MonkeyPatch, tamper: Tamper | None, *extra: str
) -> int:
    _serve_clients(node, monkeypatch, tamper)
    return main(
        ["auction", "verify", LOT_ID, "--node", URL, "--genesis", str(node.genesis), *extra]
    )


def test_the_cli_asks_the_next_node_when_the_first_cannot_be_reached(
    node: Node, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _serve_clients(node, monkeypatch, None)
    nodes = f"{DOWN_URL},{URL}"
    assert main(["auction", "verify", LOT_ID, "--node", nodes, "--genesis", str(node.genesis)]) == 0
    assert "MATCH 一致" in capsys.readouterr().out


def test_the_cli_prints_the_outcome_and_exits_0(
    node: Node, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run_cli(node, monkeypatch, None) == 0
    out = capsys.readouterr().out
    for words in (
        f"中标人 winner      {WINNER.account_id}",
        "成交价 price       106.00 yuan/t",
        "成交总价 total     24,805.06 yuan",
        f"未揭标 unrevealed  {UNREVEALED.account_id}",
        "起拍价 reserve     30.00 yuan/t",
        "结果 outcome       已成交 settled",
        "MATCH 一致",
        "(bidding_closed)",
    ):
        assert words in out, words
    assert _run_cli(node, monkeypatch, None, "--json") == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["verified"], report["winner_account"], report["total_fen"]) == (
        True,
        WINNER.account_id,
        2_480_506,
    )


def test_the_cli_exits_1_on_a_tampered_answer(
    node: Node, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    tamper = _lot(lambda lot: lot.update(winner_account="xiamen-lanhai-trade"))
    assert _run_cli(node, monkeypatch, tamper) == 1
    out = capsys.readouterr().out
    assert "MISMATCH 不一致" in out and "winner_account" in out
    assert _run_cli(node, monkeypatch, _block(node.txs.open_height + 1, _drop_tx)) == 1
    assert "INVALID 无法核验" in capsys.readouterr().out


def test_the_cli_says_when_the_genesis_file_is_another_networks(
    node: Node, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    other = make_document(genesis_time_ms=node.document.genesis_time_ms + 1)
    other_path = node.genesis.with_name("other-genesis.json")
    other_path.write_bytes(other.canonical_bytes())
    _serve_clients(node, monkeypatch, None)
    code = main(["auction", "verify", LOT_ID, "--node", URL, "--genesis", str(other_path)])
    assert code == 1
    error = capsys.readouterr().err
    assert f"but {other_path} is chain {other.chain_id().hex()[:16]}" in error
    assert "wrong genesis file, or another network's node" in error


def test_commit_makes_the_commitment_the_reveal_opens(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reveal = tmp_path / "reveal.json"
    args = ["auction", "commit", "--lot", LOT_ID, "--account", WINNER.account_id]
    assert main([*args, "--price-fen-per-t", "10600", "--reveal-body", str(reveal), "--json"]) == 0
    made = json.loads(capsys.readouterr().out)
    body = json.loads(reveal.read_text())
    assert reveal.stat().st_mode & 0o777 == 0o600
    assert body == made["reveal_body"] and body["salt"] == made["salt"]
    salt = bytes.fromhex(made["salt"])
    assert made["commitment"] == bid_commitment(LOT_ID, WINNER.account_id, 10_600, salt).hex()
    assert made["bid_body"]["commitment"] == made["commitment"]
    assert main([*args, "--price-fen-per-t", "10600", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["salt"] != made["salt"]
    assert main([*args, "--price-fen-per-t", "10600", "--salt", "00"]) == 2


@pytest.mark.parametrize("lot", ["lot.1", "a_1", "0-lot"])
def test_commit_takes_every_id_the_contract_takes(
    lot: str, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["auction", "commit", "--lot", lot, "--account", WINNER.account_id]
    assert main([*args, "--price-fen-per-t", "10600", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["bid_body"]["lot_id"] == lot


@pytest.mark.parametrize("lot", ["BAD LOT", "Lot-1", ".lot", "lot/1", "x" * 65])
def test_commit_refuses_an_id_stating_the_rule_it_applies(
    lot: str, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["auction", "commit", "--lot", lot, "--account", WINNER.account_id]
    assert main([*args, "--price-fen-per-t", "10600"]) == 2
    err = capsys.readouterr().err
    # The rule of contracts/state_keys.py is_slug, '.' and '_' included (they are accepted).
    assert err.startswith("lantan auction commit: error: --lot ")
    assert "'.', '_' and '-'" in err and "beginning with a letter or digit" in err
    assert "1 to 64" in err
