"""POST /v1/txs and GET /v1/txs/{id}: admission, refusals, co-signatures, a tx's fate."""

import copy
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from fastapi.responses import JSONResponse
from hypothesis import given, settings
from hypothesis import strategies as st

import node.service as service_module
from contracts import admission
from contracts.state import StateView
from contracts.state_keys import nonce_key
from contracts.store import read_params
from node.api.limits import DEFAULT_LIMITS
from node.api.routes.txs import _split_submission, _SubmitResponse
from node.mempool import Mempool
from node.service import DecodedTx
from protocol.encoding import encode
from protocol.hashing import sha256
from protocol.signing import PublicKey, SigningKey
from protocol.tx import SignedTx, sign_tx
from tests.unit.node.api.kit import (
    NINGBO,
    NOW_MS,
    Api,
    assert_error,
    commit_pending,
    post_tx,
)
from tests.unit.node.chain_kit import (
    GENESIS,
    KEYS,
    VALIDATOR_KEYS,
    account_open,
    build_and_commit,
    certify,
    key_of,
    make_tx,
)


def accepted(
    tx: SignedTx, status: str, *, height: int | None = None, index: int | None = None
) -> dict[str, Any]:
    """The 202 answer to a submission: no refusal, and where the tx is if committed."""
    where = {"height": height, "index": index}
    return {"tx_id": tx.tx_id.hex(), "status": status, "reason": None, "detail": None, **where}


# --- submit and follow a tx ----------------------------------------------------------------


def test_a_submitted_tx_is_pending_then_committed(api: Api) -> None:
    tx = account_open(1, "township")
    response = post_tx(api, tx)
    assert response.status_code == 202
    assert response.json() == accepted(tx, "pending")
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
    assert again.json() == accepted(tx, "committed", height=1, index=0)
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


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "text/plain; charset=utf-8",
        "application/x-www-form-urlencoded",
        "Multipart/Form-Data; boundary=x",
        # Not a form, but not what the route reads either: refused, not parsed as JSON.
        "application/xml",
        "application/cbor",
        "application/octet-stream",
        "application/merge-patch+json",
        "text/json",
    ],
)
def test_a_tx_sent_as_anything_but_json_is_refused_unread(api: Api, content_type: str) -> None:
    # Among them the body types a browser may send to any origin unasked.
    tx = account_open(1)
    response = api.client.post(
        "/v1/txs", content=encode(tx.to_json()), headers={"content-type": content_type}
    )
    assert "application/json" in assert_error(response, 415, "UNSUPPORTED_MEDIA_TYPE")["detail"]
    assert len(api.service.mempool) == 0
    for accepted in ("application/json", "application/json; charset=utf-8", "Application/JSON"):
        response = api.client.post(
            "/v1/txs", content=encode(tx.to_json()), headers={"content-type": accepted}
        )
        assert response.status_code == 202, response.text
    assert len(api.service.mempool) == 1


def test_a_tx_sent_with_no_content_type_is_read_as_json(api: Api) -> None:
    # As clients and scripts have always sent them (httpx sends none with content=).
    request = api.client.build_request("POST", "/v1/txs", content=encode(account_open(1).to_json()))
    assert "content-type" not in request.headers
    response = api.client.send(request)
    assert response.status_code == 202, response.text


@pytest.mark.parametrize(
    ("body", "unknown"),
    [
        ({"txs": [{}], "extra": 1}, "'extra'"),
        ({"txs": [{}], "b": 1, "a": 2}, "'a' and 1 more: 'b'"),
        ({"extra": 1, "txs": "x"}, "'extra'"),
    ],
)
def test_a_batch_with_another_field_names_that_field_only(
    api: Api, body: dict[str, Any], unknown: str
) -> None:
    # Not read as one tx, whose fields "txs" is not (nor a typo of "tx").
    error = assert_error(api.client.post("/v1/txs", content=encode(body)), 400, "unknown_field")
    assert error["detail"] == (
        f'batch: unknown field {unknown}; a batch is {{"txs": [signed tx, ...]}} and nothing else'
    )
    good = {"txs": [account_open(1).to_json()], "extra": 1}
    assert_error(api.client.post("/v1/txs", content=encode(good)), 400, "unknown_field")
    assert len(api.service.mempool) == 0


def key_rotation(sender: str, old: SigningKey, new: SigningKey) -> SignedTx:
    body = {"public_key": old.public_key.hex(), "new_public_key": new.public_key.hex()}
    signed = make_tx(sender, "key.rotate", body, nonce=1)
    return sign_tx(sign_tx(signed, old), new)


def test_a_validator_key_rotates_once_a_day(api: Api) -> None:
    """contracts/validator_rotation.py: a second rotation of a seat's key within 24 h of
    block time is refused at admission (HTTP 400 and its reason) and never pooled."""
    old, new, newer = KEYS["xiamen-ptc"], key_of("xiamen-ptc 2"), key_of("xiamen-ptc 3")
    assert post_tx(api, key_rotation("xiamen-ptc", old, new)).status_code == 202
    commit_pending(api)
    again = key_rotation("xiangshan-county", new, newer)
    error = assert_error(post_tx(api, again), 400, "key_rotation_too_soon")
    assert "xiamen-ptc rotated its validator key at height 1" in error["detail"]
    assert again.tx_id not in api.service.mempool


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


def test_a_batch_counts_each_outcome_once_per_tx(api: Api) -> None:
    txs = [account_open(1), account_open(2), account_open(7), account_open(8)]
    api.client.post("/v1/txs", content=encode({"txs": [tx.to_json() for tx in txs]}))
    counted = {
        reason: api.service.metrics.registry.get_sample_value(
            "lantan_txs_submitted_total", {"outcome": reason}
        )
        for reason in ("pending", "wrong_nonce")
    }
    assert counted == {"pending": 2, "wrong_nonce": 2}


def test_a_batch_tx_over_the_size_limit_is_refused_alone(api: Api) -> None:
    # A batch's txs reach admission decoded (node/service.py DecodedTx), without the raw
    # length check at the edge: the limit must still hold, on their canonical bytes.
    limit = read_params(api.service.ledger.store.state).tx_size_max_bytes
    big = account_open(1, "big-" + "x" * limit)
    good = account_open(1)
    response = api.client.post("/v1/txs", content=encode({"txs": [big.to_json(), good.to_json()]}))
    assert response.status_code == 202
    first, second = response.json()["results"]
    assert (first["status"], first["reason"]) == ("rejected_at_admission", "tx_too_large")
    assert second["status"] == "pending"
    assert list(api.service.mempool.pending_nonces().values()) == [1]


def test_a_batch_admits_a_sender_sequence_in_order(api: Api) -> None:
    txs = [account_open(n) for n in (1, 2, 3)]
    response = api.client.post("/v1/txs", json={"txs": [t.to_json() for t in txs]})
    assert [r["status"] for r in response.json()["results"]] == ["pending"] * 3
    assert api.service.mempool.pending_nonce(NINGBO) == 3


class CountingState:
    """The committed state, counting the reads of each key."""

    def __init__(self, base: StateView) -> None:
        self.base = base
        self.reads: Counter[str] = Counter()

    def get(self, key: str) -> bytes | None:
        self.reads[key] += 1
        return self.base.get(key)


def test_a_batch_reads_each_committed_record_once(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Admission reads the sender's nonce twice per tx (is it committed? is it next?) and
    its key records and the params once each: a batch reads each of them once while no
    block commits (node/service.py _admit_all)."""
    counting = CountingState(api.ledger.store.state)
    monkeypatch.setattr(api.ledger.store, "state", counting)
    txs = [account_open(n) for n in (1, 2, 3)]
    response = api.client.post("/v1/txs", content=encode({"txs": [t.to_json() for t in txs]}))
    assert [r["status"] for r in response.json()["results"]] == ["pending"] * 3
    admission_reads = {key: n for key, n in counting.reads.items() if key != nonce_key(NINGBO)}
    # The mempool's entry reads the nonce once more per batch (on the event loop).
    assert counting.reads[nonce_key(NINGBO)] == 2, counting.reads
    assert set(admission_reads.values()) == {1}, counting.reads


def test_a_block_committed_during_a_batch_is_seen_by_the_rest_of_it(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The records a batch read are kept for one committed state only: the same tx twice in
    a batch, with the block holding it committed after the first copy was admitted, is
    answered committed both times (a view kept for the whole batch would still read the
    nonce before the block and refuse the second copy's nonce)."""
    tx = account_open(1, "township")
    admit_one = api.service._admit_one
    calls: list[int] = []

    def committed_after_the_first(*args: Any) -> Any:
        checked = admit_one(*args)
        calls.append(1)
        if len(calls) == 1:
            build_and_commit(api.ledger, (tx,))
        return checked

    monkeypatch.setattr(api.service, "_admit_one", committed_after_the_first)
    response = api.client.post("/v1/txs", content=encode({"txs": [tx.to_json()] * 2}))
    committed = accepted(tx, "committed", height=1, index=0)
    assert response.json()["results"] == [committed, committed]


def starlette_bytes(content: Any) -> bytes:
    """What starlette's JSONResponse writes (its render, which _SubmitResponse replaces)."""
    return bytes(JSONResponse(content).body)


def test_a_batch_answer_is_written_as_starlette_writes_json(api: Api) -> None:
    """The C encoder writes the same bytes json.dumps did, here with a detail that holds
    non-ASCII text (the unknown field's name, as the refusal quotes it)."""
    good = account_open(1).to_json()
    odd = {**account_open(2).to_json(), 'ключ😀\u2028"': 1}
    response = api.client.post("/v1/txs", content=encode({"txs": [good, odd]}))
    assert response.status_code == 202
    assert "ключ😀" in response.json()["results"][1]["detail"]
    assert response.content == starlette_bytes(response.json())
    single = post_tx(api, account_open(2))
    assert single.content == starlette_bytes(single.json())


def test_a_batch_is_handed_on_read_in_c_or_decoded() -> None:
    """A canonical batch of well-formed envelopes is read in C straight into signed txs
    (protocol.tx_decode.signed_batch_fast); another spelling is decoded by the reference,
    its txs walked as before; a canonical batch the typed read leaves alone (a signature in
    upper-case hex) is decoded in C, its txs encoded unwalked, and admission's reference
    names the error."""
    signed = [account_open(n) for n in (1, 2)]
    txs = {"txs": [tx.to_json() for tx in signed]}
    limit = DEFAULT_LIMITS.json_elements_max
    read, _ = _split_submission(encode(txs), limit)
    assert [type(p) for p in read] == [SignedTx] * 2 and list(read) == signed
    spaced, _ = _split_submission(encode(txs) + b" ", limit)
    assert [(type(p), getattr(p, "in_c_domain", None)) for p in spaced] == [(DecodedTx, False)] * 2
    upper: Any = copy.deepcopy(txs)
    entry = upper["txs"][0]["signatures"][0]
    entry["signature"] = entry["signature"].upper()
    decoded, _ = _split_submission(encode(upper), limit)
    assert [(type(p), getattr(p, "in_c_domain", None)) for p in decoded] == [(DecodedTx, True)] * 2


outcome_values = st.none() | st.integers(min_value=0, max_value=2**53) | st.text()


@settings(max_examples=300, deadline=None)
@given(st.lists(st.dictionaries(st.text(), outcome_values, max_size=6), max_size=4))
def test_the_submit_answer_bytes_are_json_response_s(results: list[dict[str, Any]]) -> None:
    content = {"results": results}
    assert bytes(_SubmitResponse(content).body) == starlette_bytes(content)


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


def test_the_cleanup_after_a_commit_reads_the_nonces_of_the_blocks_senders_only(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The cleanup runs on the event loop after every block: it once read the committed
    # nonce of every sender with txs pending. The block reaches it from the ledger's commit,
    # whichever path committed it (here neither consensus nor sync: the ledger itself).
    first, second = account_open(1), account_open(2)
    assert [post_tx(api, t).status_code for t in (first, second)] == [202, 202]
    elsewhere = make_tx("xiamen-ptc", "account.open", {"n": 1}, nonce=1)
    api.service.mempool.add(elsewhere, elsewhere.tx_id, 100)  # a sender the block lacks
    read: list[PublicKey] = []

    def committed_nonce(state: StateView, sender: PublicKey) -> int:
        read.append(sender)
        return admission.committed_nonce(state, sender)

    monkeypatch.setattr(service_module, "committed_nonce", committed_nonce)
    build_and_commit(api.ledger, (first,))
    api.service.after_commit()
    assert read == [NINGBO]
    pool = api.service.mempool
    assert (first.tx_id in pool, second.tx_id in pool, elsewhere.tx_id in pool) == (
        False,
        True,
        True,
    )
    assert pool.pending_nonce(NINGBO) == 2
    api.service.after_commit()  # no block since: nothing is read
    assert read == [NINGBO]


def test_a_tx_committed_while_its_copy_was_in_admission_is_answered_committed(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The other validators' copies can get the tx into a block this node applies while
    this node still admits the client's copy (a loaded node): that copy then passed the
    nonce check against the state before the block, and must be answered as committed,
    not refused for its nonce."""
    tx = account_open(1, "township")
    admit_all = api.service._admit_all

    def admitted_then_committed(*args: Any) -> Any:
        checked = admit_all(*args)
        build_and_commit(api.ledger, (tx,))  # the block lands before the mempool entry
        return checked

    monkeypatch.setattr(api.service, "_admit_all", admitted_then_committed)
    response = post_tx(api, tx)
    assert (response.status_code, response.json()) == (
        202,
        accepted(tx, "committed", height=1, index=0),
    )
    assert tx.tx_id not in api.service.mempool
