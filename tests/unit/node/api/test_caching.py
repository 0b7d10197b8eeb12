"""Cache-Control on the API's answers (node/api/caching.py, PROTOCOL.md §15 "Caching"):
there was none at all, so a cache in front of a node could not tell a committed tx's
status from /v1/status, and heuristically kept a 404 past the head."""

import pytest

from node.api.caching import IMMUTABLE, REVALIDATE, VOLATILE
from tests.unit.node.api.kit import Api, commit_pending, post_tx
from tests.unit.node.case_chain import sign_checkpoint
from tests.unit.node.chain_kit import account_open


@pytest.fixture
def chain(api: Api) -> tuple[Api, str]:
    """Two committed blocks, a checkpoint of size 3 and one tx committed at height 2."""
    post_tx(api, account_open(1))
    commit_pending(api)
    tx = account_open(2)
    assert post_tx(api, tx).status_code == 202
    commit_pending(api)
    sign_checkpoint(api.service)
    return api, tx.tx_id.hex()


def test_each_kind_of_answer_says_how_it_may_be_cached(chain: tuple[Api, str]) -> None:
    api, tx_id = chain
    pending = account_open(3)
    assert post_tx(api, pending).status_code == 202
    expected = {
        # The same bytes everywhere, for good.
        f"/v1/txs/{tx_id}": IMMUTABLE,
        "/v1/proofs/consistency?first=1&second=3": IMMUTABLE,
        "/v1/proofs/state/params?height=1": IMMUTABLE,
        # Committed, but carrying signatures this node collected.
        "/v1/blocks/1": REVALIDATE,
        "/v1/blocks/range?from=1": REVALIDATE,
        "/v1/checkpoints/3": REVALIDATE,
        "/v1/proofs/header/1": REVALIDATE,
        f"/v1/proofs/tx/{tx_id}": REVALIDATE,
        # Everything else, errors too.
        f"/v1/txs/{pending.tx_id.hex()}": VOLATILE,
        "/v1/proofs/state/params": VOLATILE,
        "/v1/status": VOLATILE,
        "/v1/blocks": VOLATILE,
        "/v1/checkpoints/latest": VOLATILE,
        "/v1/accounts": VOLATILE,
        "/v1/blocks/9": VOLATILE,
        "/v1/blocks/abc": VOLATILE,
        "/v1/checkpoints/9": VOLATILE,
        "/readyz": VOLATILE,
        "/healthz": VOLATILE,
    }
    served = {}
    for url in expected:
        answer = api.client.get(url)
        assert answer.status_code < 500 or url == "/readyz", (url, answer.text)
        served[url] = answer.headers.get("cache-control")
    assert served == expected
    # HEAD says what GET says.
    assert api.client.head("/v1/blocks/1").headers["cache-control"] == REVALIDATE
    # The web pages are not the API's: left as they were.
    assert "cache-control" not in api.client.get("/").headers
