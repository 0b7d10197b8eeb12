"""GET /v1/txs?prefix=: committed tx ids by prefix, one seek in the node's tx index, and the
client's prefix lookup on it (stop 55's hostile pass: `lantan query tx 00000000` read every
block, one request each, 42 s at height 1,000 with nothing printed)."""

from collections.abc import Callable

import httpx
import pytest

from client.api import NodeClient
from client.id_prefix import IdPrefixError, resolve_tx_id
from node.api.routes import chain as chain_routes
from node.api.routes.chain import TX_IDS_SHOWN
from tests.unit.node.api.kit import Api, assert_error
from tests.unit.node.chain_kit import account_open, build_and_commit


def committed_ids(api: Api, count: int) -> list[str]:
    txs = tuple(account_open(index) for index in range(1, count + 1))
    build_and_commit(api.ledger, txs)
    api.service.after_commit()
    return sorted(tx.tx_id.hex() for tx in txs)


def test_a_prefix_finds_its_committed_tx_ids(api: Api) -> None:
    ids = committed_ids(api, 30)
    first = ids[0]
    for digits in (8, 9, 63, 64):  # an odd count of digits too: the last one a half byte
        answer = api.client.get("/v1/txs", params={"prefix": first[:digits]}).json()
        assert answer == {"tx_ids": [i for i in ids if i.startswith(first[:digits])], "more": False}
    unknown = "f" * 8 if not any(i.startswith("ffffffff") for i in ids) else "0" * 8
    assert api.client.get("/v1/txs", params={"prefix": unknown}).json() == {
        "tx_ids": [],
        "more": False,
    }


def test_more_than_it_shows_says_so(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    ids = committed_ids(api, 30)
    found = api.service.ledger.store.tx_ids_with_prefix("", TX_IDS_SHOWN + 1)
    assert [i.hex() for i in found] == ids[: TX_IDS_SHOWN + 1]  # in id order, bounded
    # The route's own bound: no 8 digits of 30 ids collide, so it is lowered to none shown.
    monkeypatch.setattr(chain_routes, "TX_IDS_SHOWN", 0)
    answer = api.client.get("/v1/txs", params={"prefix": ids[0][:8]}).json()
    assert answer == {"tx_ids": [], "more": True}


@pytest.mark.parametrize(
    "prefix", ["abcdef1", "ABCDEF12", "abcdefg1", "a" * 65, "abcd ef1", "abcdef12/.."]
)
def test_a_prefix_that_is_no_lowercase_hex_of_8_to_64_digits_is_400(api: Api, prefix: str) -> None:
    assert_error(api.client.get("/v1/txs", params={"prefix": prefix}), 400, "BAD_REQUEST")


def test_no_prefix_is_400(api: Api) -> None:
    assert_error(api.client.get("/v1/txs"), 400, "BAD_REQUEST")


def _client(answer: Callable[[httpx.Request], httpx.Response]) -> NodeClient:
    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/txs":
            return answer(request)
        if request.url.path == "/v1/status":
            return httpx.Response(200, json={"height": 1})
        if request.url.path == "/v1/blocks/1":
            return httpx.Response(200, json={"block": {"txs": []}})
        return httpx.Response(404, json={"error": {"code": "NOT_FOUND", "detail": ""}})

    return NodeClient("http://node.test", transport=httpx.MockTransport(handle))


def test_the_client_asks_the_index_and_says_an_ambiguous_prefix() -> None:
    one = "abcdef12" + "0" * 56
    with _client(lambda _r: httpx.Response(200, json={"tx_ids": [one], "more": False})) as c:
        assert resolve_tx_id(c, "abcdef12") == one
    many = {"tx_ids": ["abcdef12" + f"{i:056x}" for i in range(TX_IDS_SHOWN)], "more": True}
    with (
        _client(lambda _r: httpx.Response(200, json=many)) as c,
        pytest.raises(IdPrefixError, match=f"more than {TX_IDS_SHOWN} committed tx ids"),
    ):
        resolve_tx_id(c, "abcdef12")


def test_a_node_without_the_route_is_read_block_by_block() -> None:
    missing = {"error": {"code": "NOT_FOUND", "detail": "Not Found"}}
    with (
        _client(lambda _r: httpx.Response(404, json=missing)) as c,
        pytest.raises(IdPrefixError, match="no committed tx id starts with abcdef12"),
    ):
        resolve_tx_id(c, "abcdef12")
