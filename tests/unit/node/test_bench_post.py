"""The bench's batch POST survives a connection the node closed as idle (issue 20's scale run)."""

import httpx
import pytest

from node.bench import POST_RETRIES, _post


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
