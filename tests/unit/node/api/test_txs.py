"""POST /v1/txs and GET /v1/txs/{id}: admission, refusals, co-signatures, a tx's fate."""

import asyncio
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest

from node.mempool import Mempool
from node.tx_outcomes import TxState, TxStatus
from node.validator_keys import ValidatorKeys
from protocol.encoding import encode
from protocol.hashing import sha256
from protocol.signing import SigningKey
from protocol.tx import SignedTx, sign_tx
from protocol.validators import ValidatorSet
from tests.unit.node.api.kit import (
    NINGBO,
    NOW_MS,
    Api,
    FakeClock,
    accepted,
    assert_error,
    commit_pending,
    make_api,
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
    open_ledger,
)


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
    for media_type in ("application/json", "application/json; charset=utf-8", "Application/JSON"):
        response = api.client.post(
            "/v1/txs", content=encode(tx.to_json()), headers={"content-type": media_type}
        )
        assert response.status_code == 202, response.text
    assert len(api.service.mempool) == 1


def test_a_tx_sent_with_no_content_type_is_read_as_json(api: Api) -> None:
    # As clients and scripts have always sent them (httpx sends none with content=).
    request = api.client.build_request("POST", "/v1/txs", content=encode(account_open(1).to_json()))
    assert "content-type" not in request.headers
    response = api.client.send(request)
    assert response.status_code == 202, response.text


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


def use_mempool(api: Api, mempool: Mempool) -> None:
    """The service reads this pool, and admission fills it."""
    api.service.mempool = api.service.admission.mempool = mempool


def test_a_full_mempool_and_a_sender_over_its_quota_are_429_with_retry_after(
    api: Api,
) -> None:
    use_mempool(api, Mempool(txs_max=100, sender_txs_max=2))
    assert post_tx(api, account_open(1)).status_code == 202
    assert post_tx(api, account_open(2)).status_code == 202
    refused = post_tx(api, account_open(3))
    assert_error(refused, 429, "sender_quota_exceeded")
    assert refused.headers["retry-after"] == "2"
    use_mempool(api, Mempool(txs_max=1))
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


@pytest.mark.parametrize("first", ["stripped", "fewer"])
def test_in_one_batch_a_copy_with_more_signers_is_admitted_as_a_lone_re_post_is(
    api: Api, first: str
) -> None:
    # A stripped copy refused for its missing co-signature, then the full copy: the full
    # one is admitted; a pending copy, then one with more valid signers: it replaces it.
    # A copy after that is answered as a lone re-POST of it is then: pending.
    before = validators_update() if first == "stripped" else validators_update("xiamen-ptc")
    more = validators_update("xiamen-ptc", "xiangshan-county")
    body = {"txs": [before.to_json(), more.to_json(), before.to_json()]}
    results = api.client.post("/v1/txs", json=body).json()["results"]
    answers = [(r["status"], r["reason"]) for r in results]
    if first == "stripped":
        refused = ("rejected_at_admission", "validator_quorum_missing")
        assert answers == [refused, ("pending", None), ("pending", None)]
    else:
        assert answers == [("pending", None)] * 3
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


def test_a_pending_tx_whose_nonce_another_tx_used_is_dropped_with_its_reason(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    # It was "unknown" afterwards on every node, as a tx never seen: a platform could not
    # tell "will never commit" from "ask another node" (stop 57's API integrator).
    ours, theirs, later = account_open(1, "ours"), account_open(1, "theirs"), account_open(2)
    assert post_tx(api, ours).json()["status"] == "pending"
    assert post_tx(api, later).json()["status"] == "pending"
    build_and_commit(api.ledger, (theirs, later))  # another node's block took nonce 1
    api.service.after_commit()
    body = api.client.get(f"/v1/txs/{ours.tx_id.hex()}?wait_ms=1000").json()
    assert (body["status"], body["reason"]) == ("dropped", "wrong_nonce")
    assert api.client.get(f"/v1/txs/{later.tx_id.hex()}").json()["status"] == "committed"
    assert list(api.service._displaced) == [ours.tx_id]  # not the committed ones
    # Remembered within the same bound as refusals and expiries.
    monkeypatch.setattr("node.tx_outcomes.REMEMBERED_MAX", 1)
    again = account_open(3, "again")
    assert post_tx(api, again).json()["status"] == "pending"
    build_and_commit(api.ledger, (account_open(3, "other"),))
    api.service.after_commit()
    assert list(api.service._displaced) == [again.tx_id]


def test_an_observer_refuses_a_tx_it_would_never_propose(api: Api) -> None:
    """Before: 202 "pending", and the tx waited in the observer's pool (no consensus, no peer
    transport) until it expired; the client read `unknown` then (stop 51's chaos pass)."""
    api.service.takes_txs = False
    tx = account_open(1, "township")
    response = post_tx(api, tx)
    assert "observer" in assert_error(response, 409, "NOT_A_VALIDATOR")["detail"]
    assert tx.tx_id not in api.service.mempool


def _runtime_holding(key: SigningKey) -> Any:
    """What NodeService.voting reads of a validator's runtime: the keys it signs with."""
    return SimpleNamespace(signing=SimpleNamespace(keys=ValidatorKeys((key,))))


def test_a_validator_outside_the_set_refuses_a_tx_it_would_never_propose(api: Api) -> None:
    """A node whose key the next height's set does not hold (a joiner before its
    validators.update commits) proposes nothing, and the set refuses its announcements
    (unknown_key): before, 202 "pending", and the tx waited in its pool until it expired
    (stop 52, a spare validator on a 3-node net: its pool held the tx, the three never saw
    it)."""
    api.service.runtime = _runtime_holding(SigningKey(sha256(b"a spare validator key")))
    tx = account_open(1, "township")
    detail = assert_error(post_tx(api, tx), 409, "NOT_A_VALIDATOR")["detail"]
    assert "not in the validator set for height 1" in detail, detail
    assert tx.tx_id not in api.service.mempool
    api.service.runtime = _runtime_holding(VALIDATOR_KEYS[0])
    assert post_tx(api, tx).json() == accepted(tx, "pending")


def test_a_validator_rotated_out_takes_txs_until_the_head_set_leaves_it(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A commit that rotates a validator's key out of the next set leaves it signing with
    the old key until it has read the new one from its keystore (node/key_rotation.py):
    its txs are announced and proposed meanwhile, so it takes them while the head's set
    holds its key (test_validator_key_rotation's stream was refused there)."""
    key = VALIDATOR_KEYS[0]
    api.service.runtime = _runtime_holding(key)
    ledger = api.service.ledger
    head_set = ledger.validators_for_next_height()
    others = [v for v in head_set.validators if v.public_key != key.public_key]
    without = ValidatorSet.create(others, len(others))
    monkeypatch.setattr(ledger, "validators_for_next_height", lambda: without)
    monkeypatch.setattr(ledger, "validators_of_head", lambda: head_set)
    tx = account_open(1, "township")
    assert post_tx(api, tx).json() == accepted(tx, "pending")
    monkeypatch.setattr(ledger, "validators_of_head", lambda: without)
    other = account_open(2, "township")
    assert_error(post_tx(api, other), 409, "NOT_A_VALIDATOR")


def test_a_wait_ends_on_time_when_the_wall_clock_steps_back(tmp_path: Path) -> None:
    """wait_ms is measured on the monotonic clock: a wait whose host's wall clock stepped an
    hour back ends when wait_ms has passed. Before, the step lengthened it by an hour (a
    long-poll held open while its tx stayed pending)."""
    ledger = open_ledger(tmp_path / "data")
    service, _, _ = make_api(ledger)
    clock = cast(FakeClock, service.clock)
    tx = account_open(1)
    service.mempool.add(tx, tx.tx_id, 100)

    async def scenario() -> TxStatus:
        waiting = asyncio.create_task(service.wait_tx(tx.tx_id, 100))
        await asyncio.sleep(0)  # it took its deadline and waits for a commit
        clock.wall_step_ms -= 3_600_000
        clock.now += 100
        service.events.committed(ledger.height)  # a commit wakes it, the tx still pending
        return await asyncio.wait_for(waiting, timeout=5)

    try:
        assert asyncio.run(scenario()).state is TxState.PENDING
    finally:
        ledger.store.close()
