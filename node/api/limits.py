"""Request bounds enforced on the bytes as they arrive (ASGI), not on what headers claim.

A Content-Length is only a claim: with "Transfer-Encoding: chunked" beside it, the server
reads however many bytes the chunks carry. So the body is counted as each chunk is
received and the request is refused with 413 the moment it passes its route's limit,
whatever the framing; a body that stops arriving is refused with 408 after
body_timeout_s, and said in a warning through the log's rate limit (a wave of 1,295 slow
peer bodies in one validator's name left no line: hostile pass h56). (Header timeouts
and the connection cap live in node/http_server.py, below ASGI, because an app only sees a
request once its headers are complete.)
"""

import asyncio
import json
import logging
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from node.api.errors import error_body
from node.api.middleware import HttpMiddleware
from node.peer_envelope import ENVELOPE_BYTES_MAX
from protocol.fields import is_decimal

log = logging.getLogger("lantan.http")
CLAIMED_SENDER = "lantan.claimed_sender"
"""Scope key: the first 16 hex digits of the validator key a peer body's authentication
line names, set once that line is in and names one (unverified until the body is whole;
node/api/routes/peer.py). A body timeout names it, and so does node/http_server.py when it
evicts the connection as a slow body."""
MIB = 1024 * 1024
HEADER_BYTES_MAX = 16 * 1024
"""Request line plus headers. h11 refuses a head still incomplete past it (its
incomplete-event limit: a plain 400 and the connection closed), but one that arrives whole
in a read is parsed whatever its size; RequestLimits refuses such a head with 431."""


@dataclass(frozen=True, slots=True, kw_only=True)
class HttpLimits:
    """Per-request bounds of the HTTP API (docs/OPERATIONS.md "Resource bounds")."""

    txs_request_bytes_max: int = 4 * MIB
    """POST /v1/txs: a 1,000-tx batch of typical txs is about 2 MiB."""
    peer_request_bytes_max: int = ENVELOPE_BYTES_MAX
    """/peer/...: one signed envelope (node/peer_envelope.py owns the bound)."""
    other_request_bytes_max: int = 64 * 1024
    """Every other route: GETs and small forms."""
    json_elements_max: int = 250_000
    """Values, commas and string quotes in one /v1/txs body, counted before decoding."""
    header_timeout_s: float = 10.0
    """From connection (or the end of the previous response) to complete request headers."""
    body_timeout_s: float = 30.0
    """From complete headers to the last body byte."""
    response_drain_timeout_s: float = 30.0
    """After a response, how long its client may read none of its unsent bytes before it is
    cut off (a client still reading gets another interval)."""
    unsent_bytes_max: int = 256 * MIB
    """Response bytes waiting in the node's buffers for clients to read them, all
    connections together; past it the answer that has waited longest is dropped."""
    keep_alive_timeout_s: int = 5
    connections_max: int = 1000
    """Open connections; past it the oldest one still sending headers is dropped."""
    backlog: int = 2048

    def body_limit(self, path: str) -> int:
        if path == "/v1/txs":
            return self.txs_request_bytes_max
        if path.startswith("/peer/"):
            return self.peer_request_bytes_max
        return self.other_request_bytes_max


DEFAULT_LIMITS = HttpLimits()


class _BodyTooLargeError(Exception):
    pass


class _BodyTimeoutError(Exception):
    pass


class RequestLimits(HttpMiddleware):
    """ASGI middleware: count body bytes per request as they stream in; time the body."""

    def __init__(self, app: ASGIApp, limits: HttpLimits) -> None:
        super().__init__(app)
        self.limits = limits

    async def handle_http(self, scope: Scope, receive: Receive, send: Send) -> None:
        head = _head_bytes(scope)
        if head > HEADER_BYTES_MAX:
            await _refuse(
                send,
                431,
                "HEADERS_TOO_LARGE",
                f"request line and headers over {HEADER_BYTES_MAX} bytes",
            )
            return
        limit = self.limits.body_limit(scope["path"])
        claimed = header_value(scope, b"content-length")
        if claimed is not None and (not is_decimal(claimed) or int(claimed) > limit):
            await _refuse(send, 413, "TOO_LARGE", f"body over {limit} bytes")
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.limits.body_timeout_s
        received = 0
        body_done = False
        started = False

        async def counted_receive() -> Message:
            nonlocal received, body_done
            if body_done:
                # After the body, receive() only waits for a disconnect: no deadline.
                return await receive()
            try:
                # asyncio.timeout, not wait_for: no task per message on the hot path.
                async with asyncio.timeout_at(deadline):
                    message = await receive()
            except TimeoutError:
                raise _BodyTimeoutError from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _BodyTooLargeError
                body_done = not message.get("more_body", False)
            return message

        async def tracked_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, tracked_send)
        except _BodyTooLargeError:
            if not started:
                await _refuse(send, 413, "TOO_LARGE", f"body over {limit} bytes (as streamed)")
        except _BodyTimeoutError:
            timeout = self.limits.body_timeout_s
            _say_body_timeout(scope, timeout)
            if not started:
                await _refuse(send, 408, "BODY_TIMEOUT", f"body not received within {timeout} s")


def _say_body_timeout(scope: Scope, timeout: float) -> None:
    """A warning naming the client, the route and, for a peer body, the sender its
    authentication line claims (unverified); the log's rate limit keeps a wave of slow
    bodies to a few lines and a count (node/logs.py)."""
    client = scope.get("client")
    log.warning(
        "body not received within %s s: %s %s from %s (claimed sender %s)",
        timeout,
        scope.get("method", "?"),
        str(scope.get("path", "?"))[:100],
        "unknown" if client is None else f"{client[0]}:{client[1]}",
        scope.get(CLAIMED_SENDER) or "unknown",
        extra={"reason": "body_timeout"},
    )


def _head_bytes(scope: Scope) -> int:
    """About the bytes of the request line and headers as sent (each header's name and value
    and its ": " and CRLF; the path and query as on the wire)."""
    line = len(scope.get("raw_path") or b"") + len(scope.get("query_string") or b"") + 16
    return line + sum(len(name) + len(value) + 4 for name, value in scope["headers"])


def header_value(scope: Scope, name: bytes) -> str | None:
    """The value of the request's first header called name (lowercase), stripped; None without."""
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value).decode("latin-1").strip()
    return None


async def _refuse(send: Send, status: int, code: str, detail: str) -> None:
    body = json.dumps(error_body(code, detail)).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
