"""The bench's POSTs: a batch survives a connection the node closed as idle (issue 20's
scale run); a single tx goes to every validator at once."""

import threading

import httpx
import pytest

from node.bench import POST_RETRIES, SENDERS, TxFactory, _post, run_singles
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
