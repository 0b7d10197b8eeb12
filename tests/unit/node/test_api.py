"""node/api/: the FastAPI app over a real NodeService and Ledger (LevelDB in tmp_path), no
runtime. Submission, tx status, chain and record reads, cursors, and the error shape
{"error": {"code", "detail"}} of every refusal.
"""

import json
import logging
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import nacl.pwhash
import pytest
from starlette.exceptions import StarletteDeprecationWarning

from genesis.document import build_genesis
from genesis.keystore import KdfLimits
from genesis.network import init_local_network
from node.api.app import create_app
from node.api.limits import DEFAULT_LIMITS
from node.chain_events import ChainEvents
from node.checkpoints import CheckpointBook
from node.ledger import Ledger
from node.logs import ContextFilter
from node.mempool import Mempool
from node.peer_envelope import PeerKind, seal_envelope
from node.peering import PeerInbox
from node.readiness import Readiness
from node.server import build_chain_view
from node.service import NodeService
from node.sync import SyncState
from protocol.encoding import encode
from protocol.hashing import sha256
from protocol.note import sign_note
from protocol.signing import SigningKey
from protocol.tx import SignedTx, sign_tx
from tests.unit.node.chain_kit import (
    CHAIN_ID,
    GENESIS,
    GENESIS_TIME_MS,
    KEYS,
    NAMES,
    VALIDATOR_KEYS,
    VALIDATOR_NAMES,
    account_open,
    build_and_commit,
    certify,
    make_tx,
    open_ledger,
)

with warnings.catch_warnings():
    # Starlette asks for httpx2 but still works with the httpx the project pins.
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient

NOW_MS = GENESIS_TIME_MS + 10_000
NINGBO = KEYS["ningbo-ptc"].public_key


class FakeClock:
    def __init__(self, now_ms: int = NOW_MS) -> None:
        self.now = now_ms

    def now_ms(self) -> int:
        return self.now


@dataclass
class Api:
    client: TestClient
    service: NodeService
    ledger: Ledger
    inbox: PeerInbox


def make_api(ledger: Ledger) -> tuple[NodeService, PeerInbox, Any]:
    service = NodeService(
        name="ningbo-ptc",
        ledger=ledger,
        mempool=Mempool(),
        events=ChainEvents(),
        checkpoints=CheckpointBook(ledger.chain_id),
        clock=FakeClock(),
        transport=None,
        runtime=None,
    )
    inbox = PeerInbox(service, None)
    view = build_chain_view(service, {})
    app = create_app(service, inbox, None, Readiness(SyncState(), observer=True), view=view)
    return service, inbox, app


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    ledger = open_ledger(tmp_path / "data")
    service, inbox, app = make_api(ledger)
    try:
        with TestClient(app) as client:
            yield Api(client=client, service=service, ledger=ledger, inbox=inbox)
    finally:
        ledger.store.close()


def post_tx(api: Api, tx: SignedTx) -> Any:
    return api.client.post("/v1/txs", content=encode(tx.to_json()))


def commit_pending(api: Api) -> None:
    txs = api.service.mempool.take(1000, 1 << 30)
    build_and_commit(api.ledger, txs)
    api.service.after_commit()


def assert_error(response: Any, status: int, code: str) -> dict[str, str]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "detail"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["detail"], str)
    return body["error"]  # type: ignore[no-any-return]


# --- submit and follow a tx ----------------------------------------------------------------


def test_a_submitted_tx_is_pending_then_committed(api: Api) -> None:
    tx = account_open(1, "township")
    response = post_tx(api, tx)
    assert response.status_code == 202
    assert response.json() == {
        "tx_id": tx.tx_id.hex(),
        "status": "pending",
        "reason": None,
        "detail": None,
        "height": None,
        "index": None,
    }
    assert tx.tx_id in api.service.mempool
    status = api.client.get(f"/v1/txs/{tx.tx_id.hex()}")
    assert status.status_code == 200
    assert status.json()["status"] == "pending"
    assert api.client.get(f"/v1/nonces/{NINGBO.hex()}").json() == {
        "public_key": NINGBO.hex(),
        "committed": 0,
        "pending": 1,
    }

    commit_pending(api)
    body = api.client.get(f"/v1/txs/{tx.tx_id.hex()}").json()
    assert body == {
        "tx_id": tx.tx_id.hex(),
        "status": "committed",
        "height": 1,
        "index": 0,
        "result": {"tx_id": tx.tx_id.hex(), "status": "accepted", "reason": None},
        "reason": None,
    }
    assert len(api.service.mempool) == 0
    assert api.client.get(f"/v1/nonces/{NINGBO.hex()}").json()["committed"] == 1
    # The same tx again is known, not a second submission, and answered as committed
    # where it is (it was answered "pending" before).
    again = post_tx(api, tx)
    assert again.status_code == 202
    assert again.json() == {
        "tx_id": tx.tx_id.hex(),
        "status": "committed",
        "reason": None,
        "detail": None,
        "height": 1,
        "index": 0,
    }
    assert len(api.service.mempool) == 0


def test_a_committed_rejection_carries_its_reason(api: Api) -> None:
    first, duplicate = account_open(1, "same"), account_open(2, "same")
    assert post_tx(api, first).status_code == 202
    assert post_tx(api, duplicate).status_code == 202
    commit_pending(api)
    body = api.client.get(f"/v1/txs/{duplicate.tx_id.hex()}").json()
    assert (body["status"], body["height"], body["index"]) == ("committed", 1, 1)
    assert body["result"] == {
        "tx_id": duplicate.tx_id.hex(),
        "status": "rejected",
        "reason": "already_exists",
    }


def test_the_nonce_rule_uses_the_pending_sequence(api: Api) -> None:
    assert post_tx(api, account_open(1)).status_code == 202
    assert post_tx(api, account_open(2)).status_code == 202
    refused = post_tx(api, account_open(4))
    error = assert_error(refused, 400, "wrong_nonce")
    assert "3" in error["detail"]
    status = api.client.get(f"/v1/txs/{account_open(4).tx_id.hex()}").json()
    assert status["status"] == "rejected_at_admission"
    assert status["reason"] == "wrong_nonce"


ADMISSION_REFUSALS = {
    "wrong_chain_id": lambda: make_tx(
        "ningbo-ptc", "account.open", {}, nonce=1, chain_id=GENESIS.header.state_root
    ),
    "expired": lambda: account_open(1, expires_at_ms=NOW_MS - 1),
    "unknown_tx_type": lambda: make_tx("ningbo-ptc", "credits.print", {}, nonce=1),
    "unknown_field": lambda: make_tx(
        "ningbo-ptc",
        "account.open",
        dict(account_open(1).tx.body) | {"colour": "blue"},
        nonce=1,
    ),
}


@pytest.mark.parametrize("reason", ADMISSION_REFUSALS)
def test_admission_refusals_are_400_with_the_reason(api: Api, reason: str) -> None:
    tx = ADMISSION_REFUSALS[reason]()
    assert_error(post_tx(api, tx), 400, reason)
    assert len(api.service.mempool) == 0
    assert api.client.get(f"/v1/txs/{tx.tx_id.hex()}").json()["status"] == ("rejected_at_admission")


def test_a_bad_signature_is_refused(api: Api) -> None:
    wire: Any = account_open(1).to_json()
    signature = wire["signatures"][0]["signature"]
    wire["signatures"][0]["signature"] = ("0" if signature[0] != "0" else "1") + signature[1:]
    assert_error(api.client.post("/v1/txs", content=encode(wire)), 400, "bad_signature")


def test_an_unknown_sender_and_a_missing_sender_signature_are_refused(api: Api) -> None:
    stranger = SigningKey(sha256(b"not an institution"))
    unsigned = replace(account_open(1).tx, sender=stranger.public_key)
    assert_error(post_tx(api, sign_tx(unsigned, stranger)), 400, "unknown_sender")
    cosigned_only = sign_tx(account_open(1).tx, KEYS["xiamen-ptc"])
    assert_error(post_tx(api, cosigned_only), 400, "missing_signature")


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"{", "malformed_json"),
        (b"", "malformed_json"),
        (b"\xff\xfe", "malformed_json"),
        (b'{"tx": {"nonce": 1.0}, "signatures": []}', "float_number"),
        (b'{"txs": [{"nonce": 1e3}]}', "float_number"),
        (b'{"a": 1, "a": 2}', "malformed_json"),
        (b'{"tx": {}, "signatures": [], "x": 1}', "unknown_field"),
        (b'{"tx": {}}', "missing_field"),
        (b"[]", "field_type"),
    ],
)
def test_malformed_bodies_are_400(api: Api, body: bytes, code: str) -> None:
    assert_error(api.client.post("/v1/txs", content=body), 400, code)


def test_a_batch_gets_one_result_per_tx(api: Api) -> None:
    good, bad = account_open(1), account_open(5)
    body = {"txs": [good.to_json(), bad.to_json(), {"tx": 1}]}
    response = api.client.post("/v1/txs", content=encode(body))
    assert response.status_code == 202
    results = response.json()["results"]
    assert results[0] == {
        "tx_id": good.tx_id.hex(),
        "status": "pending",
        "reason": None,
        "detail": None,
        "height": None,
        "index": None,
    }
    assert results[1]["tx_id"] == bad.tx_id.hex()
    assert (results[1]["status"], results[1]["reason"]) == ("rejected_at_admission", "wrong_nonce")
    assert results[2]["tx_id"] is None
    assert results[2]["status"] == "rejected_at_admission"
    assert len(api.service.mempool) == 1


def test_a_batch_admits_a_sender_sequence_in_order(api: Api) -> None:
    txs = [account_open(n) for n in (1, 2, 3)]
    response = api.client.post("/v1/txs", json={"txs": [t.to_json() for t in txs]})
    assert [r["status"] for r in response.json()["results"]] == ["pending"] * 3
    assert api.service.mempool.pending_nonce(NINGBO) == 3


@pytest.mark.parametrize(
    "body",
    [{"txs": []}, {"txs": {}}, {"txs": "x"}, {"txs": [{}] * 1001}],
    ids=["empty", "object", "string", "too many"],
)
def test_a_bad_batch_is_400(api: Api, body: Any) -> None:
    assert_error(api.client.post("/v1/txs", content=encode(body)), 400, "BAD_BATCH")


def test_a_body_over_the_limit_is_413(api: Api) -> None:
    big = b" " * (DEFAULT_LIMITS.txs_request_bytes_max + 1)
    assert_error(api.client.post("/v1/txs", content=big), 413, "TOO_LARGE")
    assert_error(
        api.client.post("/v1/txs", content=b"{}", headers={"content-length": "x1"}),
        413,
        "TOO_LARGE",
    )
    # Other routes take small bodies only.
    assert_error(api.client.post("/v1/status", content=b" " * 100_000), 413, "TOO_LARGE")


def test_a_chunked_body_is_counted_as_it_streams_whatever_content_length_claims(
    api: Api,
) -> None:
    # The old limit trusted the header: "content-length: 10" let 17 MiB of chunks through
    # to be read whole and parsed.
    chunks_read = 0

    def chunks() -> Iterator[bytes]:
        nonlocal chunks_read
        for _ in range(17):
            chunks_read += 1
            yield b" " * (1024 * 1024)

    response = api.client.post("/v1/txs", content=chunks(), headers={"content-length": "10"})
    assert_error(response, 413, "TOO_LARGE")
    response = api.client.post("/v1/txs", content=chunks())
    assert_error(response, 413, "TOO_LARGE")


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 100_000 + b"]" * 100_000,
        b'{"txs": [' + b",".join([b"[1]"] * 300_000) + b"]}",
    ],
)
def test_deep_or_huge_json_is_refused_before_it_is_decoded(api: Api, body: bytes) -> None:
    assert_error(api.client.post("/v1/txs", content=body), 413, "TOO_COMPLEX")


def test_a_full_mempool_and_a_sender_over_its_quota_are_429_with_retry_after(
    api: Api,
) -> None:
    api.service.mempool = Mempool(txs_max=100, sender_txs_max=2)
    assert post_tx(api, account_open(1)).status_code == 202
    assert post_tx(api, account_open(2)).status_code == 202
    refused = post_tx(api, account_open(3))
    assert_error(refused, 429, "sender_quota_exceeded")
    assert refused.headers["retry-after"] == "2"
    api.service.mempool = Mempool(txs_max=1)
    assert post_tx(api, account_open(1)).status_code == 202
    batch = {"txs": [account_open(2).to_json()]}
    refused = api.client.post("/v1/txs", content=encode(batch))
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "2"
    assert refused.json()["results"][0]["reason"] == "mempool_full"


def validators_update(*cosigners: str) -> SignedTx:
    """ningbo-ptc re-affirms the current validator set: it needs q=2 validator signatures."""
    body = {
        "validator_set": GENESIS.document.validators.to_json(),
        "evidence_hashes": [],
    }
    return make_tx("ningbo-ptc", "validators.update", body, nonce=1, cosigners=cosigners)


def test_a_copy_stripped_of_a_needed_cosignature_is_refused_and_the_full_copy_commits(
    api: Api,
) -> None:
    # Before: the stripped copy was pending, committed as validator_quorum_missing and
    # burned the nonce; the full copy (same tx_id) was answered "pending" and lost.
    full = validators_update("xiamen-ptc")
    stripped = validators_update()
    assert full.tx_id == stripped.tx_id
    error = assert_error(post_tx(api, stripped), 400, "validator_quorum_missing")
    assert "co-signature" in error["detail"]
    assert stripped.tx_id not in api.service.mempool
    assert post_tx(api, full).json()["status"] == "pending"
    commit_pending(api)
    body = api.client.get(f"/v1/txs/{full.tx_id.hex()}").json()
    assert body["result"]["status"] == "accepted"


def test_a_copy_with_more_valid_cosignatures_replaces_the_pooled_one(api: Api) -> None:
    fewer = validators_update("xiamen-ptc")
    more = validators_update("xiamen-ptc", "xiangshan-county")
    assert post_tx(api, fewer).status_code == 202
    assert post_tx(api, more).status_code == 202
    assert api.service.mempool.get(more.tx_id) == more
    assert post_tx(api, fewer).status_code == 202  # a subset never replaces
    assert api.service.mempool.get(more.tx_id) == more
    forged: Any = validators_update("xiamen-ptc", "xiangshan-county", "xiangshan-court").to_json()
    court = KEYS["xiangshan-court"].public_key.hex()
    for entry in forged["signatures"]:
        if entry["public_key"] == court:
            entry["signature"] = "00" * 64
    refused = api.client.post("/v1/txs", content=encode(forged))
    assert refused.status_code == 400
    assert api.service.mempool.get(more.tx_id) == more


@pytest.mark.parametrize(
    "tx_id",
    ["zz", "00" * 31, "00" * 33, "AB" * 32, "0" * 63, "%20" + "00" * 32],
)
def test_a_bad_tx_id_is_400(api: Api, tx_id: str) -> None:
    assert_error(api.client.get(f"/v1/txs/{tx_id}"), 400, "BAD_TX_ID")


def test_an_unknown_tx_is_unknown(api: Api) -> None:
    body = api.client.get(f"/v1/txs/{'00' * 32}?wait_ms=0").json()
    assert body == {
        "tx_id": "00" * 32,
        "status": "unknown",
        "height": None,
        "index": None,
        "result": None,
        "reason": None,
    }


@pytest.mark.parametrize("wait_ms", ["-1", "30001", "1.5", "soon"])
def test_a_bad_wait_is_400(api: Api, wait_ms: str) -> None:
    assert_error(api.client.get(f"/v1/txs/{'00' * 32}?wait_ms={wait_ms}"), 400, "BAD_REQUEST")


def test_an_expired_pending_tx_is_reported_expired(api: Api) -> None:
    soon = account_open(1, expires_at_ms=NOW_MS + 100)
    assert post_tx(api, soon).status_code == 202
    build_and_commit(api.ledger)  # at GENESIS + 1 s: still pending
    api.service.after_commit()
    assert api.client.get(f"/v1/txs/{soon.tx_id.hex()}").json()["status"] == "pending"
    prepared = api.ledger.build(
        txs=(), evidence=(), time_ms=NOW_MS + 100, proposer=VALIDATOR_KEYS[0].public_key
    )
    api.ledger.commit(prepared, certify(prepared))
    api.service.after_commit()
    body = api.client.get(f"/v1/txs/{soon.tx_id.hex()}").json()
    assert (body["status"], body["reason"]) == ("expired", "EXPIRED")
    assert len(api.service.mempool) == 0


# --- status and blocks ---------------------------------------------------------------------


def test_status(api: Api) -> None:
    assert post_tx(api, account_open(1)).status_code == 202
    body = api.client.get("/v1/status").json()
    head = api.ledger.head()
    assert body == {
        "chain_id": CHAIN_ID.hex(),
        "node": "ningbo-ptc",
        "role": "observer",
        "height": 0,
        "round": None,
        "proposer": None,
        "head_hash": head.block_hash().hex(),
        "state_root": head.state_root.hex(),
        "history_root": api.ledger.history_root().hex(),
        "validators": [v.to_json() for v in GENESIS.document.validators.validators],
        "quorum": 2,
        "f_S": 0,
        "f_L": 1,
        "mempool_txs": 1,
        "halted": None,
    }
    assert sorted(v["name"] for v in body["validators"]) == sorted(VALIDATOR_NAMES)


def test_blocks_page_from_the_newest_down(api: Api) -> None:
    for _ in range(5):
        build_and_commit(api.ledger)
    seen: list[int] = []
    pages = 0
    url = "/v1/blocks?limit=2"
    while True:
        body = api.client.get(url).json()
        pages += 1
        seen += [item["height"] for item in body["items"]]
        for item in body["items"]:
            header = api.ledger.header(item["height"])
            assert header is not None
            assert item == header.to_json() | {"block_hash": header.block_hash().hex()}
        if body["next_cursor"] is None:
            break
        url = f"/v1/blocks?limit=2&cursor={body['next_cursor']}"
    assert seen == [5, 4, 3, 2, 1, 0]
    assert pages == 3
    default = api.client.get("/v1/blocks").json()
    assert [item["height"] for item in default["items"]] == [5, 4, 3, 2, 1, 0]
    assert default["next_cursor"] is None


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("limit=0", "BAD_REQUEST"),
        ("limit=101", "BAD_REQUEST"),
        ("limit=ten", "BAD_REQUEST"),
        ("cursor=abc", "BAD_CURSOR"),
        ("cursor=-1", "BAD_CURSOR"),
        ("cursor=" + "9" * 17, "BAD_CURSOR"),
    ],
)
def test_bad_block_page_queries_are_400(api: Api, query: str, code: str) -> None:
    assert_error(api.client.get(f"/v1/blocks?{query}"), 400, code)


def test_a_block_with_its_certificate_and_results(api: Api) -> None:
    txs = (account_open(1), account_open(2, "account-1"))
    prepared = build_and_commit(api.ledger, txs)
    body = api.client.get("/v1/blocks/1").json()
    assert body["block"] == prepared.block.to_json()
    certificate = api.ledger.certificate(1)
    assert certificate is not None
    assert body["certificate"] == certificate.to_json()
    assert body["results"] == [r.to_json() for r in prepared.results]
    genesis = api.client.get("/v1/blocks/0").json()
    assert genesis["certificate"] is None
    assert genesis["results"] == []
    assert genesis["block"]["header"] == GENESIS.header.to_json()


@pytest.mark.parametrize("height", ["2", "-1", "18446744073709551616", "99999999999999999999"])
def test_a_missing_block_is_404(api: Api, height: str) -> None:
    assert_error(api.client.get(f"/v1/blocks/{height}"), 404, "NOT_FOUND")


def test_a_non_numeric_height_is_400(api: Api) -> None:
    assert_error(api.client.get("/v1/blocks/one"), 400, "BAD_REQUEST")


def test_checkpoints_are_served_once_signed_by_a_quorum(api: Api) -> None:
    assert_error(api.client.get("/v1/checkpoints/latest"), 404, "NOT_FOUND")
    assert_error(api.client.get("/v1/checkpoints/1"), 404, "NOT_FOUND")
    book, validators = api.service.checkpoints, api.ledger.validators_for_next_height()
    size, root = 1, api.ledger.history_root()
    book.set_committed_root(size, root)
    for name in VALIDATOR_NAMES[:2]:
        line = sign_note(book.checkpoint(size, root).body(), name, KEYS[name]).line()
        book.add(size=size, root=root, line=line, validators=validators)
    latest = api.client.get("/v1/checkpoints/latest")
    assert latest.status_code == 200
    assert latest.headers["content-type"].startswith("text/plain")
    assert latest.text == api.client.get("/v1/checkpoints/1").text
    assert latest.text.startswith(f"lantan/{CHAIN_ID.hex()}\n1\n")


@pytest.mark.parametrize("key", ["zz", "00" * 31, "AB" * 32])
def test_a_bad_public_key_is_400(api: Api, key: str) -> None:
    assert_error(api.client.get(f"/v1/nonces/{key}"), 400, "BAD_PUBLIC_KEY")


# --- records -------------------------------------------------------------------------------


def test_records_page_by_cursor_in_key_order(api: Api) -> None:
    body = api.client.get("/v1/institutions").json()
    ids = [item["institution_id"] for item in body["items"]]
    assert ids == sorted(NAMES)
    assert body["next_cursor"] is None
    paged: list[str] = []
    url = "/v1/institutions?limit=4"
    while url:
        page = api.client.get(url).json()
        assert len(page["items"]) <= 4
        paged += [item["institution_id"] for item in page["items"]]
        cursor = page["next_cursor"]
        url = f"/v1/institutions?limit=4&cursor={cursor}" if cursor else ""
    assert paged == ids
    exact = api.client.get(f"/v1/institutions?limit={len(ids)}").json()
    assert exact["next_cursor"] is None


def test_one_record_by_id_and_by_state_key(api: Api) -> None:
    record = api.client.get("/v1/institutions/ningbo-ptc").json()
    assert record["institution_id"] == "ningbo-ptc"
    assert NINGBO.hex() in json.dumps(record)
    by_key = api.client.get("/v1/state/institution/ningbo-ptc").json()
    assert by_key == {"key": "institution/ningbo-ptc", "value": record, "height": 0}
    assert_error(api.client.get("/v1/institutions/nobody"), 404, "NOT_FOUND")
    assert_error(api.client.get("/v1/state/institution/nobody"), 404, "NOT_FOUND")


def test_committed_accounts_are_listed(api: Api) -> None:
    assert api.client.get("/v1/accounts").json() == {"items": [], "next_cursor": None}
    for n in (1, 2, 3):
        assert post_tx(api, account_open(n, f"acct-{n}")).status_code == 202
    commit_pending(api)
    first = api.client.get("/v1/accounts?limit=2").json()
    assert [item["account_id"] for item in first["items"]] == ["acct-1", "acct-2"]
    rest = api.client.get(f"/v1/accounts?limit=2&cursor={first['next_cursor']}").json()
    assert [item["account_id"] for item in rest["items"]] == ["acct-3"]
    assert rest["next_cursor"] is None
    holdings = api.client.get("/v1/accounts/acct-1/holdings").json()
    assert holdings == {"items": [], "next_cursor": None}


@pytest.mark.parametrize("cursor", ["zz", "f", "ff"])
def test_a_bad_record_cursor_is_400(api: Api, cursor: str) -> None:
    assert_error(api.client.get(f"/v1/projects?cursor={cursor}"), 400, "BAD_CURSOR")


# --- HTTP errors, health, peers --------------------------------------------------------------


def test_unknown_routes_and_methods(api: Api) -> None:
    assert_error(api.client.get("/v1/nothing"), 404, "NOT_FOUND")
    assert_error(api.client.delete("/v1/txs"), 405, "METHOD_NOT_ALLOWED")


def test_health_readiness_and_metrics(api: Api) -> None:
    assert api.client.get("/healthz").json() == {"status": "ok"}
    ready = api.client.get("/readyz")
    assert ready.status_code == 503  # an observer with no reachable peer
    assert ready.json()["ready"] is False
    assert any("connected to 0 peers" in p for p in ready.json()["problems"])
    metrics = api.client.get("/metrics", headers={"x-request-id": "scrape-1"})
    assert metrics.status_code == 200
    assert metrics.headers["x-request-id"] == "scrape-1"
    assert metrics.headers["content-type"].startswith("text/plain; version=0.0.4")
    names = [line.split()[0] for line in metrics.text.splitlines() if not line.startswith("#")]
    assert names
    assert all(name.startswith(("lantan_", "process_", "python_")) for name in names)
    assert "lantan_height 0.0" in metrics.text
    assert "# TYPE lantan_blocks_committed_total counter" in metrics.text
    assert "# TYPE lantan_tx_commit_latency_seconds histogram" in metrics.text
    assert 'lantan_node_info{chain_id="' in metrics.text
    assert 'node="ningbo-ptc"' in metrics.text
    # Requests are labelled by route template and status.
    assert (
        'lantan_http_request_duration_seconds_count{method="GET",route="/readyz",status="503"} 1.0'
        in metrics.text
    )
    # Without a client id, each request gets a fresh one.
    first, second = (api.client.get("/healthz").headers["x-request-id"] for _ in range(2))
    assert first != second


def test_the_openapi_schema_is_served(api: Api) -> None:
    schema = api.client.get("/openapi.json").json()
    assert "/v1/txs" in schema["paths"]
    assert not any(path.startswith("/peer/") for path in schema["paths"])


def test_peer_messages_are_answered_202_and_refusals_counted(api: Api) -> None:
    garbage = api.client.post("/peer/consensus", content=b"nonsense")
    assert (garbage.status_code, garbage.json()) == (202, {"accepted": False})
    assert api.inbox.dropped["malformed"] == 1
    outsider = seal_envelope(KEYS["xiangshan-court"], CHAIN_ID, PeerKind.TXS, {"txs": []})
    assert api.client.post("/peer/txs", content=outsider).json() == {"accepted": False}
    assert api.inbox.dropped["unknown_key"] == 1
    # A validator's envelope with a body that is no tx list is accepted, then dropped.
    bad_body = seal_envelope(VALIDATOR_KEYS[0], CHAIN_ID, PeerKind.TXS, {"tx": 1})
    assert api.client.post("/peer/txs", content=bad_body).json() == {"accepted": True}
    assert api.inbox.dropped["bad_body"] == 1
    # Gossiped txs are admitted like submitted ones.
    tx = account_open(1)
    gossip = seal_envelope(VALIDATOR_KEYS[0], CHAIN_ID, PeerKind.TXS, {"txs": [tx.to_json()]})
    assert api.client.post("/peer/txs", content=gossip).json() == {"accepted": True}
    assert tx.tx_id in api.service.mempool
    assert "lantan_peer_messages_dropped_total" in api.client.get("/metrics").text


# --- a genesis made by `genesis init` --------------------------------------------------------


def test_the_api_over_a_local_network_genesis(tmp_path: Path) -> None:
    limits = KdfLimits(
        opslimit=nacl.pwhash.argon2id.OPSLIMIT_MIN, memlimit=nacl.pwhash.argon2id.MEMLIMIT_MIN
    )
    document = init_local_network(
        tmp_path / "net", validator_count=4, genesis_time_ms=GENESIS_TIME_MS, limits=limits
    )
    genesis = build_genesis(document)
    ledger = open_ledger(tmp_path / "net" / "xiangshan-court" / "data", genesis)
    try:
        _service, _inbox, app = make_api(ledger)
        with TestClient(app) as client:
            status = client.get("/v1/status").json()
            assert status["chain_id"] == document.chain_id().hex()
            assert (status["quorum"], status["f_S"], status["f_L"]) == (3, 1, 1)
            assert len(status["validators"]) == 4
            accounts = client.get("/v1/accounts").json()["items"]
            assert [a["kind"] for a in accounts] == ["ecological"]
    finally:
        ledger.store.close()


@pytest.mark.parametrize("size", [0, 2, 2**64, 152994564867802923008])
def test_checkpoint_sizes_no_checkpoint_can_have_are_404_not_500(api: Api, size: int) -> None:
    # schemathesis found /v1/receipts/{id}?size=<21 digits> raising in the 8-byte store key.
    assert_error(api.client.get(f"/v1/checkpoints/{size}"), 404, "NOT_FOUND")
    response = api.client.get(f"/v1/receipts/{'00' * 32}", params={"size": size})
    assert 400 <= response.status_code < 500


def test_a_requests_log_lines_carry_its_request_id(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.handler.addFilter(ContextFilter())
    with caplog.at_level(logging.DEBUG, logger="lantan.http"):
        api.client.get("/v1/status", headers={"x-request-id": "audit-42"})
        api.client.get("/v1/status", headers={"x-request-id": "not a token!"})
    first, second = (r for r in caplog.records if r.name == "lantan.http")
    assert first.getMessage().startswith("GET /v1/status -> 200")
    assert first.request_id == "audit-42"  # type: ignore[attr-defined]
    assert len(second.request_id) == 16  # type: ignore[attr-defined]  # made by the node


@pytest.mark.parametrize(
    "path", ["/", "/blocks", "/projects", "/projects/no-such-project", "/checker"]
)
def test_every_page_has_a_strict_content_security_policy(api: Api, path: str) -> None:
    # Only /checker had one before.
    policy = api.client.get(path).headers.get("content-security-policy", "")
    assert "default-src 'none'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    offline = api.client.get("/checker/offline.html").headers["content-security-policy"]
    assert "default-src 'none'" in offline and "connect-src" not in offline
