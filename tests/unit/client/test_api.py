"""client/api.py: typed answers, error mapping and cursor pagination over a mock transport."""

import json
import shutil
import socket
import ssl
import struct
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from client.api import (
    PRIVATE_CA_HINT,
    NodeClient,
    parse_tx_status,
    tls_context,
    unreachable_text,
)
from client.errors import NodeRejectedError, NodeResponseError, NodeUnreachableError
from protocol.encoding import JsonObject
from tests.kit.tls_contexts import count_tls_contexts
from tests.unit.client.fake_node import ok, serve_answers

URL = "http://node.test:7101"


def client_answering(answer: Callable[[httpx.Request], httpx.Response]) -> NodeClient:
    return NodeClient(URL, transport=httpx.MockTransport(answer))


def json_response(status: int, value: object) -> httpx.Response:
    return httpx.Response(status, json=value)


def test_admission_rejection_carries_code_and_detail() -> None:
    body = {"error": {"code": "wrong_nonce", "detail": "5 != 4"}}
    with (
        client_answering(lambda _request: json_response(400, body)) as client,
        pytest.raises(NodeRejectedError) as caught,
    ):
        client.submit({"tx": {}, "signatures": []})
    assert (caught.value.status_code, caught.value.code, caught.value.detail) == (
        400,
        "wrong_nonce",
        "5 != 4",
    )
    assert "wrong_nonce (HTTP 400): 5 != 4" in str(caught.value)
    assert caught.value.url == URL


def test_error_without_error_object_reports_the_http_status() -> None:
    with (
        client_answering(lambda _request: httpx.Response(502, text="bad gateway")) as client,
        pytest.raises(NodeRejectedError) as caught,
    ):
        client.status()
    assert caught.value.code == "HTTP_502"
    assert caught.value.detail == "bad gateway"


def test_a_web_page_instead_of_a_node_is_named_not_printed() -> None:
    """A URL that is some other web server (a typo'd port): one line saying so, not the
    HTML of its 404 page."""
    page = "<!DOCTYPE HTML>\n<html lang='en'><head><title>Error response</title></head>\n</html>"
    with (
        client_answering(
            lambda _request: httpx.Response(404, text=page, headers={"content-type": "text/html"})
        ) as client,
        pytest.raises(NodeRejectedError) as caught,
    ):
        client.status()
    assert caught.value.code == "HTTP_404"
    assert caught.value.detail == "the answer is text/html, not a Lantan node's JSON: check the URL"
    assert "<" not in str(caught.value) and "\n" not in str(caught.value)


def test_framework_validation_detail_is_kept() -> None:
    body = {"detail": [{"loc": ["query", "limit"], "msg": "too large"}]}
    with (
        client_answering(lambda _request: json_response(422, body)) as client,
        pytest.raises(NodeRejectedError, match="too large") as caught,
    ):
        client.page("/v1/accounts", limit=500)
    assert caught.value.code == "HTTP_422"


def test_connection_refused_says_cannot_reach() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # Nothing listens on the port any more: the connection is refused.
    with (
        NodeClient(f"http://127.0.0.1:{port}") as client,
        pytest.raises(NodeUnreachableError, match=r"http://127\.0\.0\.1:\d+: cannot reach it"),
    ):
        client.status()


def test_https_to_a_plain_http_node_says_to_try_http() -> None:
    """OpenSSL's "[SSL: WRONG_VERSION_NUMBER]" alone does not tell a user that the node
    serves plain http; the message says so and names the http:// URL to try."""
    with serve_answers(lambda *_request: ok({})) as plain_url:
        url = plain_url.replace("http://", "https://")
        with NodeClient(url) as client, pytest.raises(NodeUnreachableError) as caught:
            client.status()
    assert str(caught.value).startswith(f"{url}: cannot reach it: ")
    hint = f"(the node may serve plain http: try {plain_url})"
    assert str(caught.value).endswith(hint), caught.value


def tls_only(directory: Path) -> ssl.SSLContext:
    """A server context over a self-signed certificate for 127.0.0.1 (openssl)."""
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command")
    key, certificate = directory / "key.pem", directory / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-nodes", "-days", "1", "-subj", "/CN=lantan-test", "-keyout", str(key),
         "-out", str(certificate)],
        check=True, capture_output=True,
    )  # fmt: skip
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificate, key)
    return context


def test_http_to_a_tls_only_node_says_to_try_https(tmp_path: Path) -> None:
    """A TLS-only node drops a plain-http request in its handshake, unanswered: httpx says
    "Server disconnected without sending a response", as for a node that crashed. The
    message says the node speaks TLS and names the https:// URL to try."""
    with serve_answers(lambda *_request: ok({}), tls=tls_only(tmp_path)) as tls_url:
        url = tls_url.replace("https://", "http://")
        with (
            NodeClient(url, sleep=lambda _s: None) as client,
            pytest.raises(NodeUnreachableError) as caught,
        ):
            client.status()
    assert str(caught.value).startswith(f"{url}: cannot reach it: ")
    hint = f"(the node serves https: try {tls_url})"
    assert str(caught.value).endswith(hint), caught.value


def test_a_certificate_of_an_unknown_ca_says_how_to_trust_the_private_ca(tmp_path: Path) -> None:
    """Found at stop 50 on three hosts with the private CA of docs/OPERATIONS.md: every
    command said only `[SSL: CERTIFICATE_VERIFY_FAILED] ... unable to get local issuer
    certificate`; the client trusts the network's CA once SSL_CERT_FILE names it."""
    with (
        serve_answers(lambda *_request: ok({}), tls=tls_only(tmp_path)) as tls_url,
        NodeClient(tls_url, sleep=lambda _s: None) as client,
        pytest.raises(NodeUnreachableError) as caught,
    ):
        client.status()
    assert "CERTIFICATE_VERIFY_FAILED" in str(caught.value)
    assert str(caught.value).endswith(f"({PRIVATE_CA_HINT})"), caught.value


def test_uvicorns_hang_up_on_plain_http_gets_the_https_hint_too(tmp_path: Path) -> None:
    # uvicorn's TLS listener closes without a reset: httpx says RemoteProtocolError.
    error = httpx.RemoteProtocolError("Server disconnected without sending a response.")
    with serve_answers(lambda *_request: ok({}), tls=tls_only(tmp_path)) as tls_url:
        text = unreachable_text(tls_url.replace("https://", "http://"), error)
    assert text.endswith(f"(the node serves https: try {tls_url})"), text


def test_a_plain_node_that_hangs_up_gives_no_https_hint() -> None:
    with (
        serve_answers(lambda *_request: None) as url,
        NodeClient(url, sleep=lambda _s: None) as client,
        pytest.raises(NodeUnreachableError) as caught,
    ):
        client.status()
    assert "Server disconnected without sending a response" in str(caught.value)
    assert "https" not in str(caught.value)


def test_a_refused_connection_gives_no_plain_http_hint() -> None:
    error = httpx.ConnectError("[Errno 111] Connection refused")
    assert unreachable_text("https://node.test:7101", error) == (
        "cannot reach it: [Errno 111] Connection refused"
    )


def test_the_default_node_says_it_is_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    # Stop 55 (the operator's pass): with no --node and no $LANTAN_NODES, a network on
    # other ports was told "http://127.0.0.1:7101: cannot reach it", a node never set.
    error = httpx.ConnectError("[Errno 111] Connection refused")
    monkeypatch.delenv("LANTAN_NODES", raising=False)
    assert unreachable_text("http://127.0.0.1:7101", error) == (
        "cannot reach it: [Errno 111] Connection refused (http://127.0.0.1:7101 is the"
        " default: give --node URL, or set $LANTAN_NODES)"
    )
    assert "default" not in unreachable_text("http://127.0.0.1:7201", error)
    monkeypatch.setenv("LANTAN_NODES", "http://127.0.0.1:7101")
    assert "default" not in unreachable_text("http://127.0.0.1:7101", error)


def test_timeout_is_unreachable() -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    with (
        client_answering(slow) as client,
        pytest.raises(NodeUnreachableError, match="did not answer in time"),
    ):
        client.status()


def test_non_json_success_is_a_response_error() -> None:
    with (
        client_answering(lambda _request: httpx.Response(200, text="<html>")) as client,
        pytest.raises(NodeResponseError, match="not JSON"),
    ):
        client.status()


def test_nonces_give_the_next_nonce() -> None:
    seen: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        return json_response(200, {"public_key": "ab", "committed": 4, "pending": 6})

    with client_answering(answer) as client:
        assert client.nonces("ab" * 32).next_nonce == 7
    assert seen == ["/v1/nonces/" + "ab" * 32]


def test_nonces_must_be_integers() -> None:
    answer = {"public_key": "ab", "committed": "4", "pending": 0}
    with (
        client_answering(lambda _request: json_response(200, answer)) as client,
        pytest.raises(NodeResponseError, match="committed"),
    ):
        client.nonces("ab")


def test_tx_status_passes_wait_ms_and_parses_the_result() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return json_response(
            200,
            {
                "tx_id": "aa",
                "status": "committed",
                "height": 7,
                "index": 2,
                "result": {"tx_id": "aa", "status": "rejected", "reason": "insufficient_balance"},
                "reason": None,
            },
        )

    with client_answering(answer) as client:
        status = client.tx_status("aa", wait_ms=1500)
    assert seen[0].url.params["wait_ms"] == "1500"
    assert (status.height, status.index, status.result_reason) == (7, 2, "insufficient_balance")
    assert not status.accepted
    assert status.to_json()["result"] == {"status": "rejected", "reason": "insufficient_balance"}


def test_tx_status_without_status_is_a_response_error() -> None:
    with pytest.raises(NodeResponseError):
        parse_tx_status(URL, {"tx_id": "aa"})


def test_batch_submit_returns_one_result_per_tx() -> None:
    results = [
        {"tx_id": "aa", "status": "pending"},
        {"tx_id": None, "status": "rejected_at_admission", "reason": "expired"},
    ]

    sent: list[int] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(len(json.loads(request.content)["txs"]))
        return json_response(202, {"results": results})

    with client_answering(answer) as client:
        assert client.submit_batch([{}, {}]) == results
        with pytest.raises(NodeResponseError, match="one result per tx"):
            client.submit_batch([{}])
    assert sent == [2, 1]


def paged(items: list[int], page_size: int) -> Callable[[httpx.Request], httpx.Response]:
    """A list endpoint whose cursor is the index of the next item."""

    def answer(request: httpx.Request) -> httpx.Response:
        start = int(request.url.params.get("cursor", "0"))
        end = start + page_size
        next_cursor = str(end) if end < len(items) else None
        return json_response(200, {"items": items[start:end], "next_cursor": next_cursor})

    return answer


def test_iterate_follows_every_cursor() -> None:
    with client_answering(paged(list(range(7)), 3)) as client:
        assert list(client.iterate("/v1/accounts")) == list(range(7))
        assert list(client.iterate("/v1/accounts", cursor="5")) == [5, 6]
        first = client.page("/v1/accounts", limit=3)
    assert first.items == (0, 1, 2)
    assert first.next_cursor == "3"


def test_iterate_stops_on_a_cursor_that_does_not_advance() -> None:
    stuck = {"items": [1], "next_cursor": "same"}
    with (
        client_answering(lambda _request: json_response(200, stuck)) as client,
        pytest.raises(NodeResponseError, match="does not advance"),
    ):
        list(client.iterate("/v1/accounts", cursor="same"))


def test_a_bare_list_is_one_page() -> None:
    with client_answering(lambda _request: json_response(200, [1, 2])) as client:
        page = client.page("/v1/batches/b/serials")
    assert (page.items, page.next_cursor) == ((1, 2), None)


class ResettingServer:
    """A loopback HTTP server that resets its first `resets` connections (RST, no answer);
    connections counts the HTTP requests among them."""

    def __init__(self, resets: int) -> None:
        self.resets = resets
        self.connections = 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        body = b'{"height": 7}'
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            with conn:
                if conn.recv(65536).startswith(b"\x16"):
                    continue  # a TLS handshake: the client asks whether TLS is spoken here
                self.connections += 1
                if self.connections <= self.resets:
                    # SO_LINGER 0: close() sends RST, what "Connection reset by peer" is.
                    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    continue
                head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\n"
                conn.sendall(head.encode() + b"Content-Type: application/json\r\n\r\n" + body)

    def close(self) -> None:
        self.listener.close()


@pytest.mark.parametrize(("resets", "answered"), [(2, True), (4, False)])
def test_a_reset_read_is_retried_a_bounded_number_of_times(resets: int, answered: bool) -> None:
    # Issue 20: one "Connection reset by peer" ended an audit of a healthy chain.
    server = ResettingServer(resets)
    waits: list[float] = []
    try:
        with NodeClient(f"http://127.0.0.1:{server.port}", sleep=waits.append) as client:
            if answered:
                assert client.get_json("/v1/status") == {"height": 7}
            else:
                with pytest.raises(NodeUnreachableError):
                    client.get_json("/v1/status")
    finally:
        server.close()
    assert waits == [0.2, 0.4, 0.8][: min(resets, 3)]
    assert server.connections == min(resets + 1, 4)


def test_a_post_is_never_sent_twice() -> None:
    server = ResettingServer(1)
    try:
        with (
            NodeClient(f"http://127.0.0.1:{server.port}") as client,
            pytest.raises(NodeUnreachableError),
        ):
            client.submit({"tx": {}, "signatures": []})
    finally:
        server.close()
    assert server.connections == 1


def test_submit_sends_canonical_bytes() -> None:
    """The node parses canonical bytes in C; any other spelling takes its pure parser."""
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if json.loads(request.content).get("txs") is not None:
            return json_response(202, {"results": [{"tx_id": "ab"}]})
        return json_response(202, {"tx_id": "ab"})

    signed: JsonObject = {"tx": {"b": 1, "a": "€"}, "signatures": []}
    with client_answering(answer) as client:
        assert client.submit(signed) == "ab"
        client.submit_batch([signed])
    assert seen[0].content == '{"signatures":[],"tx":{"a":"€","b":1}}'.encode()
    assert seen[1].content == b'{"txs":[' + seen[0].content + b"]}"
    assert all(r.headers["content-type"] == "application/json" for r in seen)
    assert all(r.headers["accept"] == "application/json" for r in seen)


def test_clients_share_one_tls_context_per_trust_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every NodeClient used to build its own context (certifi's bundle loaded, ~50 ms of
    CPU each: three per command against three nodes). One per process now, while the
    variables naming the CAs to trust keep their values; naming another CA still counts."""
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    built = count_tls_contexts(monkeypatch)
    for _ in range(3):
        NodeClient("https://node.test:7101").close()
    assert len(built) == 1 and tls_context() is built[0]
    tls_only(tmp_path)  # writes tmp_path/cert.pem, a self-signed CA of subject lantan-test
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "cert.pem"))
    NodeClient("https://node.test:7101").close()
    assert len(built) == 2 and tls_context() is built[1]
    trusted = [dict(pair[0] for pair in ca["subject"]) for ca in built[1].get_ca_certs()]  # type: ignore[misc]
    assert trusted == [{"commonName": "lantan-test"}]
