"""The bench's POSTs: a batch survives a connection the node closed as idle (issue 20's
scale run); a single tx goes to every validator at once."""

import json
import threading

import httpx
import pytest

from node import bench as bench_module
from node.bench import (
    POST_RETRIES,
    SENDERS,
    TxFactory,
    _post,
    bench_waves,
    run_batches,
    run_singles,
)
from protocol.hashing import Hash32, sha256
from protocol.signing import SigningKey


def flaky_client(failures: int) -> tuple[httpx.Client, list[bytes]]:
    """A client whose first `failures` requests break with a connection reset."""
    received: list[bytes] = []

    def handle(request: httpx.Request) -> httpx.Response:
        received.append(request.content)
        if len(received) <= failures:
            raise httpx.ReadError("[Errno 104] Connection reset by peer", request=request)
        return httpx.Response(200, json={"results": []})

    return httpx.Client(transport=httpx.MockTransport(handle)), received


def test_a_reset_batch_is_sent_again_and_taken() -> None:
    client, received = flaky_client(failures=1)
    _post(client, "http://node", b'{"txs":[]}')
    assert received == [b'{"txs":[]}', b'{"txs":[]}']


def test_retries_are_bounded() -> None:
    client, received = flaky_client(failures=POST_RETRIES + 1)
    with pytest.raises(httpx.ReadError):
        _post(client, "http://node", b'{"txs":[]}')
    assert len(received) == POST_RETRIES + 1


def test_a_single_tx_goes_to_every_validator_at_once_then_is_followed_to_its_commit() -> None:
    """Posted one after another, the proposer could get the tx a round trip per validator
    late; the posts must be in flight together (a barrier that sequential posts break)."""
    urls = ["http://a", "http://b", "http://c"]
    together = threading.Barrier(len(urls), timeout=5)
    seen: list[str] = []

    def handle(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            together.wait()
            seen.append(f"POST {request.url.host}")
            return httpx.Response(200, json={"results": []})
        seen.append(f"GET {request.url.host}")
        return httpx.Response(200, json={"status": "committed"})

    keys = {name: SigningKey(sha256(name.encode())) for name in SENDERS}
    factory = TxFactory(Hash32(sha256(b"bench chain")), keys)
    with httpx.Client(transport=httpx.MockTransport(handle)) as client:
        latencies = run_singles(client, urls, factory, 2)
    assert len(latencies) == 2
    assert sorted(seen[:3]) == ["POST a", "POST b", "POST c"] and seen[3] == "GET a"
    assert sorted(seen[4:7]) == ["POST a", "POST b", "POST c"] and seen[7:] == ["GET a"]


def _factory() -> TxFactory:
    keys = {name: SigningKey(sha256(name.encode())) for name in SENDERS}
    return TxFactory(Hash32(sha256(b"bench chain")), keys)


def test_waves_keep_each_sender_under_half_its_quota_and_the_order() -> None:
    txs = _factory().round_robin(3 * 25)
    assert bench_waves(txs, 25) == [txs]  # 25 a sender: one wave, as before waves
    assert bench_waves([], 25) == []
    waves = bench_waves(txs, 16)
    assert [tx for wave in waves for tx in wave] == txs
    for wave in waves:
        senders = [tx.tx.sender for tx in wave]
        assert max(senders.count(sender) for sender in set(senders)) <= 8
    assert len(waves) == 4  # 25 a sender in waves of 8


def test_a_run_beyond_the_quota_never_has_a_sender_over_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A mock node holding each sender's quota as the mempool does (refusing past it) and
    committing a sender's txs up to the one whose status is asked: all txs in one go (the
    old run_batches) are refused; waves are taken, every tx once per node."""
    quota = 10
    monkeypatch.setattr(bench_module, "SENDER_TXS_MAX", quota)
    txs = _factory().round_robin(3 * 40)
    by_json = {json.dumps(tx.to_json(), sort_keys=True): tx for tx in txs}
    by_id = {tx.tx_id.hex(): tx for tx in txs}
    committed: dict[bytes, int] = {}
    posted: dict[tuple[str, bytes], int] = {}
    taken: list[str] = []

    def handle(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            tx = by_id[request.url.path.rsplit("/", 1)[-1]]
            sender = tx.tx.sender
            committed[sender] = max(committed.get(sender, 0), tx.tx.nonce)
            return httpx.Response(200, json={"status": "committed"})
        for item in json.loads(request.content)["txs"]:
            tx = by_json[json.dumps(item, sort_keys=True)]
            sender = tx.tx.sender
            if tx.tx.nonce - committed.get(sender, 0) > quota:
                return httpx.Response(429, json={"error": "SENDER_QUOTA"})
            key = (request.url.host, sender)
            posted[key] = max(posted.get(key, 0), tx.tx.nonce)
            taken.append(request.url.host)
        return httpx.Response(200, json={"results": []})

    with httpx.Client(transport=httpx.MockTransport(handle)) as client:
        run_batches(client, ["http://a", "http://b"], txs)
    assert sorted(taken) == ["a"] * len(txs) + ["b"] * len(txs)
    assert all(nonce == 40 for nonce in posted.values()) and len(posted) == 2 * len(SENDERS)
