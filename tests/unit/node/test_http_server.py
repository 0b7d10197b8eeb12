"""GuardedH11Protocol on a real asyncio server and real sockets: which connection goes when
connections_max is passed."""

import asyncio
import contextlib
import json
import logging
import socket
from typing import Any

import pytest
from starlette.types import Receive, Scope, Send
from uvicorn.config import Config
from uvicorn.server import ServerState

from node.api.limits import HttpLimits
from node.api.observability import RequestObserver
from node.api.routes.peer import _read_body
from node.http_server import GuardedH11Protocol, guarded_protocol, over_cap
from node.metrics.registry import EVICTION_KINDS, NodeMetrics

HEALTHZ = b"GET /healthz HTTP/1.1\r\nHost: node\r\n\r\n"


async def ok_app(scope: dict[str, object], receive: object, send: object) -> None:
    assert scope["type"] == "http"
    await send({"type": "http.response.start", "status": 200, "headers": []})  # type: ignore[operator]
    await send({"type": "http.response.body", "body": b"ok"})  # type: ignore[operator]


async def closed(reader: asyncio.StreamReader) -> bool:
    """The node closed this connection (EOF), within a short wait."""
    try:
        return await asyncio.wait_for(reader.read(4096), 0.5) == b""
    except TimeoutError:
        return False
    except ConnectionError:
        return True


async def guarded_server(
    *, connections_max: int, app: Any = ok_app, metrics: NodeMetrics | None = None
) -> tuple[asyncio.Server, int]:
    """app (ok_app) behind GuardedH11Protocol on a free port of 127.0.0.1 (header deadline 30 s)."""
    config = Config(app=app, lifespan="off", log_config=None)
    config.load()
    state = ServerState()
    limits = HttpLimits(connections_max=connections_max, header_timeout_s=30.0)
    protocol = guarded_protocol(limits, metrics)

    def make() -> GuardedH11Protocol:
        return protocol(config=config, server_state=state, app_state={})

    server = await asyncio.get_running_loop().create_server(make, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


async def served_then_flooded() -> tuple[bool, list[bool]]:
    server, port = await guarded_server(connections_max=3)
    try:
        served = await asyncio.open_connection("127.0.0.1", port)
        served[1].write(HEALTHZ)
        await served[1].drain()
        assert (await served[0].readuntil(b"ok")).startswith(b"HTTP/1.1 200")
        # Two connections that never finish their headers, opened after the served one went idle.
        slow = [await asyncio.open_connection("127.0.0.1", port) for _ in range(2)]
        for _, writer in slow:
            writer.write(b"POST /v1/txs HTTP/1.1\r\nX-Slow: ")
            await writer.drain()
        await asyncio.sleep(0.1)
        # A fourth connection passes connections_max=3: one waiting connection must go.
        extra = await asyncio.open_connection("127.0.0.1", port)
        await asyncio.sleep(0.1)
        served_closed = await closed(served[0])
        slow_closed = [await closed(reader) for reader, _ in slow]
        for _, writer in [served, *slow, extra]:
            writer.close()
        return served_closed, slow_closed
    finally:
        server.close()


def test_past_connections_max_a_never_served_connection_goes_before_an_idle_served_one() -> None:
    # The served connection has waited for its next headers the longest; before, it was the
    # one closed, and a client's next request on it met a reset (CI, stop 25).
    served_closed, slow_closed = asyncio.run(served_then_flooded())
    assert not served_closed
    assert slow_closed == [True, False]


class _Transport:
    def __init__(self, closing: bool) -> None:
        self.closing = closing

    def is_closing(self) -> bool:
        return self.closing

    def get_write_buffer_size(self) -> int:
        return 0


class _Connection:
    def __init__(self, closing: bool) -> None:
        self.transport = _Transport(closing)


def test_connections_closing_do_not_count_against_the_cap() -> None:
    """The header deadline closes a flood's sockets in one turn of the loop; until their
    connection_lost runs they are still in the set, and must not make a new connection look
    over the cap (it found none to evict and closed itself: CI, stop 30)."""
    closing = [_Connection(closing=True) for _ in range(5)]
    assert not over_cap([*closing, _Connection(closing=False)], connections_max=3)
    open_ones = [_Connection(closing=False) for _ in range(4)]
    assert over_cap([*closing, *open_ones], connections_max=3)
    assert not over_cap(open_ones[:3], connections_max=3)


async def honest_accepted_in_a_flood() -> bytes:
    """Five connections reach the listen queue while the loop is busy (blocking connects from
    inside it): one slow, an honest /healthz, three slow. The loop then accepts them in one
    batch and makes all five before it reads any, with connections_max=3: two must go, and
    by age alone they would be the first two, the slow one and the honest one."""
    server, port = await guarded_server(connections_max=3)
    sockets: list[socket.socket] = []
    try:
        for index in range(5):
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sockets.append(sock)
            sock.sendall(HEALTHZ if index == 1 else b"POST /v1/txs HTTP/1.1\r\nX-Slow: ")
        honest = sockets[1]
        honest.setblocking(False)
        answer = b""
        for _ in range(50):
            await asyncio.sleep(0.02)
            try:
                chunk = honest.recv(4096)
            except BlockingIOError:
                continue
            except ConnectionError:
                break
            answer += chunk
            if not chunk or b"ok" in answer:
                break
        return answer
    finally:
        for sock in sockets:
            sock.close()
        server.close()


def test_an_honest_request_accepted_with_a_flood_is_served_not_evicted() -> None:
    # Before: the honest connection was among the oldest made and "waiting for headers" (its
    # bytes not read yet), so the fifth connection pushed it out (CI: /healthz ReadError
    # during the 1,100-socket slow-loris test). Now it is skipped and a slow one goes.
    answer = asyncio.run(honest_accepted_in_a_flood())
    assert answer.startswith(b"HTTP/1.1 200"), answer


async def body_app(scope: dict[str, object], receive: Any, send: Any) -> None:
    """Reads the whole request body (as the node's routes do), then answers "ok"."""
    assert scope["type"] == "http"
    while True:
        message = await receive()
        if message["type"] != "http.request" or not message.get("more_body", False):
            break
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


SLOW_BODY_HEAD = b"POST /peer/consensus HTTP/1.1\r\nHost: node\r\nContent-Length: 8000000\r\n\r\n"


async def honest_after_slow_bodies() -> tuple[bytes, list[bool]]:
    """connections_max=3 held by three connections whose headers are whole and whose bodies
    trickle (a byte so far of 8 MB); then an honest /healthz on a fourth connection."""
    server, port = await guarded_server(connections_max=3, app=body_app)
    slow = []
    try:
        for _ in range(3):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(SLOW_BODY_HEAD + b"{")
            await writer.drain()
            slow.append((reader, writer))
            await asyncio.sleep(0.05)  # the first one is the oldest in its body
        await asyncio.sleep(0.1)
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(HEALTHZ)
        await writer.drain()
        try:
            answer = await asyncio.wait_for(reader.read(4096), 2.0)
        except ConnectionError as error:
            answer = repr(error).encode()
        writer.close()
        slow_closed = [await closed(r) for r, _ in slow]
        return answer, slow_closed
    finally:
        for _, w in slow:
            w.close()
        server.close()


def test_bodies_that_trickle_do_not_lock_out_a_new_connection() -> None:
    # Before: only connections waiting for their headers could be pushed out, so 1,000
    # connections with whole headers and a body sent a byte at a time (anyone may open them:
    # a peer envelope is authenticated only once its body is in) closed every new one for
    # the 30 s body timeout, again and again: /healthz reset, and with two of three
    # validators so held the chain stopped (no new peer connection got through).
    # Now the connection longest in its body goes, as a slow header does.
    answer, slow_closed = asyncio.run(honest_after_slow_bodies())
    assert answer.startswith(b"HTTP/1.1 200"), answer
    assert slow_closed == [True, False, False]


BIG_ANSWER = 8 * 1024 * 1024


async def big_app(scope: dict[str, object], receive: Any, send: Any) -> None:
    """Answers 8 MiB, in one piece as the node's routes do (a range of blocks is up to 16)."""
    assert scope["type"] == "http"
    length = str(BIG_ANSWER).encode()
    await send(
        {"type": "http.response.start", "status": 200, "headers": [(b"content-length", length)]}
    )
    await send({"type": "http.response.body", "body": b"x" * BIG_ANSWER})


async def stalled_server(limits: HttpLimits) -> tuple[asyncio.Server, int, ServerState]:
    config = Config(app=big_app, lifespan="off", log_config=None, timeout_keep_alive=1)
    config.load()
    state = ServerState()
    protocol = guarded_protocol(limits)
    server = await asyncio.get_running_loop().create_server(
        lambda: protocol(config=config, server_state=state, app_state={}), "127.0.0.1", 0
    )
    return server, server.sockets[0].getsockname()[1], state


async def never_read(port: int, count: int) -> list[socket.socket]:
    """count connections that ask for the big answer and never read it (a tiny receive
    window, so nearly all of it stays in the node's buffers)."""
    sockets = []
    for _ in range(count):
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
        sock.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            sock.connect(("127.0.0.1", port))
        await asyncio.sleep(0.02)
        sock.send(b"GET /range HTTP/1.1\r\nHost: node\r\n\r\n")
        sockets.append(sock)
        await asyncio.sleep(0.05)
    return sockets


def unsent(state: ServerState) -> int:
    return sum(c.transport.get_write_buffer_size() for c in state.connections)


async def unread_answers_after(wait_s: float, limits: HttpLimits, count: int) -> tuple[int, int]:
    server, port, state = await stalled_server(limits)
    sockets = await never_read(port, count)
    try:
        await asyncio.sleep(wait_s)
        return len(state.connections), unsent(state)
    finally:
        for sock in sockets:
            sock.close()
        server.close()


def test_an_answer_never_read_is_dropped_after_the_drain_timeout() -> None:
    # Before: the keep-alive timeout and the header deadline close()d such a connection,
    # and asyncio keeps a closing transport until its buffer is sent: never, for a client
    # that does not read. Each one held its answer (a range: up to 16 MiB) and a file
    # descriptor for good, outside connections_max (closing ones are not counted), so
    # anyone could fill the node's memory or its descriptors with GET /v1/blocks/range.
    limits = HttpLimits(response_drain_timeout_s=0.5)
    connections, left = asyncio.run(unread_answers_after(2.5, limits, 4))
    assert (connections, left) == (0, 0)


def test_answers_never_read_stay_within_the_unsent_bytes_bound() -> None:
    # Before: nothing bounded the answers waiting in buffers for clients that do not read
    # them: connections_max (1,000) of 16 MiB ranges is 16 GB. Past the bound, the
    # connection whose answer has waited longest is dropped.
    limits = HttpLimits(unsent_bytes_max=3 * BIG_ANSWER)
    connections, left = asyncio.run(unread_answers_after(0.2, limits, 6))
    assert left <= 3 * BIG_ANSWER
    assert connections <= 4


def test_answers_never_read_do_not_lock_out_a_new_connection() -> None:
    # Counted against connections_max once they are closing (they hold a socket and their
    # answer), they must also be the ones pushed out for a new connection.
    async def scenario() -> bytes:
        limits = HttpLimits(connections_max=3, header_timeout_s=0.3)
        server, port, _ = await stalled_server(limits)
        sockets = await never_read(port, 3)
        try:
            await asyncio.sleep(1.5)  # closed by the header deadline, but never sent
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(HEALTHZ)
            await writer.drain()
            try:
                answer = await asyncio.wait_for(reader.read(64), 2.0)
            except ConnectionError as error:
                answer = repr(error).encode()
            writer.close()
            return answer
        finally:
            for sock in sockets:
                sock.close()
            server.close()

    assert asyncio.run(scenario()).startswith(b"HTTP/1.1 200")


def test_a_client_still_reading_a_large_answer_is_not_cut_off() -> None:
    # A large export on a slow link takes longer than response_drain_timeout_s; as long as
    # the client reads some of it in every interval (here a few hundred bytes a tick, which
    # frees room in the kernel's send queue long before asyncio's buffer moves), the
    # connection is kept.
    async def scenario() -> tuple[int, int]:
        limits = HttpLimits(response_drain_timeout_s=0.3)
        server, port, state = await stalled_server(limits)
        loop = asyncio.get_running_loop()
        (sock,) = await never_read(port, 1)  # a tiny window: most of the answer waits here
        try:
            received = 0
            for _ in range(15):  # ~1.5 s: five drain intervals, a little read in each
                await asyncio.sleep(0.1)
                received += len(await asyncio.wait_for(loop.sock_recv(sock, 4096), 1.0))
            return received, len(state.connections)
        finally:
            sock.close()
            server.close()

    received, connections = asyncio.run(scenario())
    assert 0 < received < BIG_ANSWER
    assert connections == 1


async def answer_to(request: bytes) -> bytes:
    server, port = await guarded_server(connections_max=8)
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(request)
        await writer.drain()
        answer = await asyncio.wait_for(reader.read(), 5)  # the node closes after a 400
        writer.close()
        return answer
    finally:
        server.close()


def test_a_malformed_content_length_is_a_400_in_the_api_s_json_shape() -> None:
    # It was uvicorn's text/plain "Invalid HTTP request received.", the one answer of the API
    # that a client parsing {"error": {"code", "detail"}} could not read.
    request = b"POST /v1/txs HTTP/1.1\r\nHost: node\r\nContent-Length: 12abc\r\n\r\n"
    head, _, body = asyncio.run(answer_to(request)).partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 "), head
    assert b"content-type: application/json" in head.lower()
    assert json.loads(body) == {
        "error": {"code": "BAD_REQUEST", "detail": "Invalid HTTP request received."}
    }


def test_a_websocket_upgrade_is_a_plain_request_and_logs_nothing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # uvicorn logged "Unsupported upgrade request." and its advice to install
    # uvicorn[standard] in node.log for every such request.
    request = (
        b"GET /healthz HTTP/1.1\r\nHost: node\r\nConnection: Upgrade, close\r\n"
        b"Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
        b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
    )
    with caplog.at_level(logging.DEBUG, logger="uvicorn"):
        answer = asyncio.run(answer_to(request))
    assert answer.startswith(b"HTTP/1.1 200 ") and b"\r\nok\r\n" in answer, answer
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []


CLAIMED_KEY = "5da7d22a2765811b" + "ab" * 24
AUTH_LINE = (CLAIMED_KEY + " " + "cd" * 64 + "\n").encode()
"""A peer body's authentication line naming a validator key (its signature is checked
only once the body is whole, so anyone can send it)."""


class _EveryKeyInbox:
    """The PeerInbox calls of the fast path's body reading: every key a validator's, every
    sender within its budget."""

    def refused_sender(self, head: bytes) -> None:
        return None

    def over_budget(self, head: bytes, size: int) -> bool:
        return False


async def peer_body_app(scope: Scope, receive: Receive, send: Send) -> None:
    """/peer/consensus read as node/api/routes/peer.py reads it (a hang-up: no answer); any
    other path answered "ok" at once."""
    inbox: Any = _EveryKeyInbox()
    peer = scope["path"] == "/peer/consensus"
    if peer and await _read_body(scope, receive, inbox, 8_000_000) is None:
        return
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


def _count(metrics: NodeMetrics, name: str, **labels: str) -> float:
    return metrics.registry.get_sample_value(name, labels) or 0.0


def _requests(metrics: NodeMetrics, status: str) -> float:
    labels = {"method": "POST", "route": "unmatched", "status": status}
    return _count(metrics, "lantan_http_request_duration_seconds_count", **labels)


async def peer_body_abandoned(metrics: NodeMetrics) -> None:
    """The hostile pass's reproduction (h56 F5): a peer post declaring 100,000 bytes, its
    authentication line and a few bytes sent, then the socket closed."""
    app = RequestObserver(peer_body_app, metrics)
    server, port = await guarded_server(connections_max=10, app=app, metrics=metrics)
    try:
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        head = b"POST /peer/consensus HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n"
        writer.write(head + AUTH_LINE + b'{"body"')
        await writer.drain()
        await asyncio.sleep(0.2)
        writer.close()
        await asyncio.sleep(0.2)
    finally:
        server.close()


def test_a_peer_post_whose_client_hangs_up_mid_body_is_no_500() -> None:
    # It was labelled 500 (the observer's default for an app that never answered): anyone
    # could raise the node's 5xx rate by hanging up.
    metrics = NodeMetrics()
    asyncio.run(peer_body_abandoned(metrics))
    assert _requests(metrics, "499") == 1
    assert _requests(metrics, "500") == 0
    assert all(
        _count(metrics, "lantan_http_connections_evicted_total", kind=kind) == 0
        for kind in EVICTION_KINDS
    )


async def slow_peer_bodies_then_healthz(metrics: NodeMetrics) -> list[bool]:
    """connections_max=3 held by three peer posts whose authentication line is in and whose
    bodies trickle; a fourth connection evicts the oldest."""
    app = RequestObserver(peer_body_app, metrics)
    server, port = await guarded_server(connections_max=3, app=app, metrics=metrics)
    slow = []
    try:
        for _ in range(3):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(SLOW_BODY_HEAD + AUTH_LINE + b"{")
            await writer.drain()
            slow.append((reader, writer))
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.1)
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(HEALTHZ)
        await writer.drain()
        assert (await asyncio.wait_for(reader.read(4096), 2.0)).startswith(b"HTTP/1.1 200")
        writer.close()
        slow_closed = [await closed(r) for r, _ in slow]
        await asyncio.sleep(0.1)
        return slow_closed
    finally:
        for _, w in slow:
            w.close()
        await asyncio.sleep(0.2)  # the other two hang up: not cancelled by the run's end
        server.close()


def test_a_slow_peer_body_evicted_is_counted_and_said_with_its_claimed_sender(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # 1,100 slow bodies in one validator's name, 105 evicted: counted as 500s, no line.
    metrics = NodeMetrics()
    with caplog.at_level(logging.WARNING, logger="lantan.http"):
        slow_closed = asyncio.run(slow_peer_bodies_then_healthz(metrics))
    assert slow_closed == [True, False, False]
    assert _count(metrics, "lantan_http_connections_evicted_total", kind="slow_body") == 1
    # The evicted one, then the two the test closes itself.
    assert _requests(metrics, "499") == 3 and _requests(metrics, "500") == 0
    lines = [r.getMessage() for r in caplog.records if r.name == "lantan.http"]
    assert len(lines) == 1, lines
    assert lines[0].startswith("connections_max reached: closed a connection from 127.0.0.1:")
    assert lines[0].endswith(f"(slow_body; claimed sender {CLAIMED_KEY[:16]})")


def test_a_connection_evicted_waiting_for_headers_is_counted_and_said(
    caplog: pytest.LogCaptureFixture,
) -> None:
    metrics = NodeMetrics()

    async def flood() -> None:
        server, port = await guarded_server(connections_max=2, metrics=metrics)
        try:
            held = [await asyncio.open_connection("127.0.0.1", port) for _ in range(3)]
            await asyncio.sleep(0.2)
            for _, writer in held:
                writer.close()
        finally:
            server.close()

    with caplog.at_level(logging.WARNING, logger="lantan.http"):
        asyncio.run(flood())
    assert _count(metrics, "lantan_http_connections_evicted_total", kind="waiting_headers") == 1
    lines = [r.getMessage() for r in caplog.records if r.name == "lantan.http"]
    assert len(lines) == 1 and lines[0].endswith("(waiting_headers; claimed sender unknown)")


def test_an_app_that_fails_without_its_client_leaving_is_still_a_500() -> None:
    metrics = NodeMetrics()

    async def failing(scope: Any, receive: Any, send: Any) -> None:
        await receive()
        raise RuntimeError("a bug")

    async def main() -> None:
        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: Any) -> None:
            pass

        scope = {"type": "http", "method": "POST", "path": "/x", "headers": []}
        with contextlib.suppress(RuntimeError):
            await RequestObserver(failing, metrics)(scope, receive, send)

    asyncio.run(main())
    assert _requests(metrics, "500") == 1 and _requests(metrics, "499") == 0
