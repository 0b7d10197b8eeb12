"""node/peer_http.py against a real socket: posts reuse one connection, a connection the
peer closed while idle is replaced without losing the post, answers are read by length,
chunked or to the end, and what a hostile or dead peer sends ends in PeerPostError."""

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from node.peer_http import RESPONSE_BYTES_MAX, PeerConnection, PeerPostError

Answer = Callable[[bytes], bytes | None]
"""The raw bytes to answer one request with (given its body); None closes without one."""


def accepted(_body: bytes) -> bytes:
    return b'HTTP/1.1 202 Accepted\r\ncontent-length: 17\r\n\r\n{"accepted":true}'


class Peer:
    """A tiny HTTP/1.1 server: counts connections, records request heads and bodies."""

    def __init__(self, answer: Answer, *, close_after: int | None = None) -> None:
        self.answer = answer
        self.close_after = close_after
        self.connections = 0
        self.requests: list[tuple[bytes, bytes]] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        served = 0
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(
                    int(line.split(b":")[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                )
                body = await reader.readexactly(length)
                self.requests.append((head, body))
                answer = self.answer(body)
                if answer is None:
                    break
                writer.write(answer)
                await writer.drain()
                served += 1
                if self.close_after is not None and served >= self.close_after:
                    break
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            pass  # the client went away, or the test ended
        finally:
            writer.close()


def run(
    peer: Peer, body: Callable[[PeerConnection], Awaitable[None]], timeout_s: float = 2
) -> None:
    async def main() -> None:
        server = await asyncio.start_server(peer.handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        connection = PeerConnection(
            f"http://127.0.0.1:{port}", ssl_context=None, timeout_s=timeout_s
        )
        try:
            await body(connection)
        finally:
            connection.close()
            server.close()
            await server.wait_closed()

    asyncio.run(main())


def test_posts_reuse_one_connection_and_send_the_body_and_headers() -> None:
    peer = Peer(accepted)

    async def body(connection: PeerConnection) -> None:
        for n in range(3):
            status, answer = await connection.post("/peer/consensus", b"env%d" % n, "x/y")
            assert (status, answer) == (202, b'{"accepted":true}')

    run(peer, body)
    assert peer.connections == 1
    assert [b for _, b in peer.requests] == [b"env0", b"env1", b"env2"]
    head = peer.requests[0][0].decode()
    assert head.startswith("POST /peer/consensus HTTP/1.1\r\n")
    assert "content-type: x/y\r\n" in head and "content-length: 4\r\n" in head
    assert "\r\nhost: 127.0.0.1:" in head


def test_a_connection_the_peer_closed_is_replaced_and_the_post_still_arrives() -> None:
    peer = Peer(accepted, close_after=1)  # like uvicorn's keep-alive running out

    async def body(connection: PeerConnection) -> None:
        for n in range(3):
            assert (await connection.post("/peer/x", b"m%d" % n, "x/y"))[0] == 202
            if n == 1:
                await asyncio.sleep(0.05)  # the close is seen while idle...
        # ...or not yet: the post goes out, finds the connection dead, and is sent again.
        assert (await connection.post("/peer/x", b"m3", "x/y"))[0] == 202

    run(peer, body)
    assert [b for _, b in peer.requests] == [b"m0", b"m1", b"m2", b"m3"]
    assert peer.connections == 4


def test_chunked_and_close_delimited_answers() -> None:
    chunked = (
        b"HTTP/1.1 400 Bad Request\r\ntransfer-encoding: chunked\r\n\r\n"
        b"5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n\r\n"
    )
    peer = Peer(lambda _b: chunked)

    async def body(connection: PeerConnection) -> None:
        assert await connection.post("/p", b"a", "x/y") == (400, b"hello world")
        assert await connection.post("/p", b"b", "x/y") == (400, b"hello world")

    run(peer, body)
    assert peer.connections == 1

    until_close = Peer(
        lambda _b: b"HTTP/1.1 413 Too Large\r\nconnection: close\r\n\r\nbig", close_after=1
    )

    async def body2(connection: PeerConnection) -> None:
        assert await connection.post("/p", b"a", "x/y") == (413, b"big")
        assert await connection.post("/p", b"b", "x/y") == (413, b"big")

    run(until_close, body2)
    assert until_close.connections == 2


@pytest.mark.parametrize(
    "answer",
    [
        b"SMTP ready\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
        b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n" % (RESPONSE_BYTES_MAX + 1),
        b"HTTP/1.1 200 OK\r\ncontent-length: -1\r\n\r\n",
        b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n",
        b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nshort",
        b"HTTP/1.1 200 OK\r\nx: " + b"y" * 20_000 + b"\r\n\r\n",
    ],
)
def test_a_malformed_answer_is_a_post_error(answer: bytes) -> None:
    peer = Peer(lambda _b: answer, close_after=1)

    async def body(connection: PeerConnection) -> None:
        with pytest.raises(PeerPostError):
            await connection.post("/p", b"a", "x/y")
        assert connection._streams is None

    run(peer, body)


def test_no_answer_a_slow_answer_and_no_peer_are_post_errors() -> None:
    silent = Peer(lambda _b: None)  # closes on every request without answering

    async def closes(connection: PeerConnection) -> None:
        with pytest.raises(PeerPostError, match="without an answer"):
            await connection.post("/p", b"a", "x/y")

    run(silent, closes)
    assert silent.connections == 1  # a fresh connection is not tried again

    slow = Peer(lambda _b: b"")  # writes nothing, keeps the connection open

    async def waits(connection: PeerConnection) -> None:
        with pytest.raises(PeerPostError, match="no answer within"):
            await connection.post("/p", b"a", "x/y")

    run(slow, waits, timeout_s=0.2)

    async def nobody() -> None:
        connection = PeerConnection("http://127.0.0.1:1", ssl_context=None, timeout_s=1)
        with pytest.raises(PeerPostError):
            await connection.post("/p", b"a", "x/y")

    asyncio.run(nobody())


def test_urls_it_takes() -> None:
    with pytest.raises(ValueError):
        PeerConnection("ftp://a:1", ssl_context=None, timeout_s=1)
    with pytest.raises(ValueError):
        PeerConnection("https://a:1", ssl_context=None, timeout_s=1)
    connection = PeerConnection("http://a", ssl_context=None, timeout_s=1)
    assert connection._request("/p", b"", "x/y").startswith(b"POST /p HTTP/1.1\r\nhost: a\r\n")
