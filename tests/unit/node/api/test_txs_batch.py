"""POST /v1/txs with a batch: one result per tx, in order, each outcome counted once; the
records a batch reads read once; the answer's bytes; a batch handed on read in C.
"""

import copy
from collections import Counter
from typing import Any

import pytest
from fastapi.responses import JSONResponse
from hypothesis import given, settings
from hypothesis import strategies as st

from contracts.state import StateView
from contracts.state_keys import nonce_key
from contracts.store import read_params
from node.api.limits import DEFAULT_LIMITS
from node.api.routes.txs import _split_submission, _SubmitResponse
from node.tx_outcomes import DecodedTx
from protocol.encoding import encode
from protocol.tx import SignedTx
from tests.unit.node.api.kit import (
    NINGBO,
    Api,
    assert_error,
    post_tx,
)
from tests.unit.node.chain_kit import (
    account_open,
)


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
    # A batch's txs reach admission decoded (node/tx_outcomes.py DecodedTx), without the raw
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


def test_copies_of_one_tx_in_a_batch_get_the_first_copy_s_answer(api: Api) -> None:
    # The second copy was rejected_at_admission wrong_nonce while the first was pending:
    # two answers for one tx_id in one response (a lone re-POST is answered "pending").
    tx, refused = account_open(1), account_open(5)
    body = {"txs": [tx.to_json(), tx.to_json(), refused.to_json(), tx.to_json(), refused.to_json()]}
    results = api.client.post("/v1/txs", json=body).json()["results"]
    statuses = [(r["tx_id"], r["status"], r["reason"]) for r in results]
    pending = (tx.tx_id.hex(), "pending", None)
    wrong = (refused.tx_id.hex(), "rejected_at_admission", "wrong_nonce")
    assert statuses == [pending, pending, wrong, pending, wrong]
    assert len(api.service.mempool) == 1
    assert api.client.get(f"/v1/txs/{tx.tx_id.hex()}").json()["status"] == "pending"


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
    block commits (node/tx_admission.py _admit_all)."""
    counting = CountingState(api.ledger.store.state)
    monkeypatch.setattr(api.ledger.store, "state", counting)
    txs = [account_open(n) for n in (1, 2, 3)]
    response = api.client.post("/v1/txs", content=encode({"txs": [t.to_json() for t in txs]}))
    assert [r["status"] for r in response.json()["results"]] == ["pending"] * 3
    admission_reads = {key: n for key, n in counting.reads.items() if key != nonce_key(NINGBO)}
    # The mempool's entry reads the nonce once more per batch (on the event loop).
    assert counting.reads[nonce_key(NINGBO)] == 2, counting.reads
    assert set(admission_reads.values()) == {1}, counting.reads


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
