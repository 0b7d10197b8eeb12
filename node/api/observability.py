"""Per-request observability: a request id for logs and the client, and latency metrics.

A plain ASGI middleware around the whole app (outside the size limit, so refusals are
measured too). Requests are labelled by their route template (/v1/txs/{tx_id}), never by
the raw path, so a scan of random URLs cannot blow up the number of series.
"""

import logging
import re
import secrets
import time

from fastapi import FastAPI
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from node.api.middleware import HttpMiddleware
from node.logs import request_id
from node.metrics.registry import NodeMetrics
from node.metrics.scrape import NodeStateCollector

REQUEST_ID_HEADER = "x-request-id"
CLIENT_GONE_STATUS = 499
"""The status label of a request whose client went away before it was answered: it hung
up mid-body, or node/http_server.py closed its connection as a slow body to make room.
Nothing is sent, so no status is real; nginx's "client closed request". Labelled 500
before, a client's hang-up (anyone's: a peer body is authenticated only once whole) read
as a server error on the 5xx alerts."""
_CLIENT_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
"""Method labels; any other token a client sends is labelled "other"."""
log = logging.getLogger("lantan.http")


def install_observability(app: FastAPI) -> None:
    """Export the node's live state on /metrics and observe every request.

    Call after app.state holds service, inbox, transport and readiness, and after every
    other middleware, so this one is the outermost.
    """
    state = app.state
    metrics: NodeMetrics = state.service.metrics
    metrics.attach_state(
        NodeStateCollector(state.service, state.inbox, state.transport, state.readiness)
    )
    app.add_middleware(RequestObserver, metrics=metrics)


class RequestObserver(HttpMiddleware):
    def __init__(self, app: ASGIApp, metrics: NodeMetrics) -> None:
        super().__init__(app)
        self.metrics = metrics

    async def handle_http(self, scope: Scope, receive: Receive, send: Send) -> None:
        current = _request_id_of(scope)
        token = request_id.set(current)
        status = 500  # what the client gets if the app raises before answering
        answered = gone = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, answered
            if message["type"] == "http.response.start":
                status, answered = message["status"], True
                MutableHeaders(scope=message).append(REQUEST_ID_HEADER, current)
            await send(message)

        async def receive_noting_gone() -> Message:
            nonlocal gone
            message = await receive()
            gone = gone or message["type"] == "http.disconnect"
            return message

        started = time.perf_counter()
        try:
            await self.app(scope, receive_noting_gone, send_with_id)
        finally:
            if gone and not answered:
                status = CLIENT_GONE_STATUS
            elapsed = time.perf_counter() - started
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            method = scope["method"] if scope["method"] in _METHODS else "other"
            self.metrics.http_requests.labels(
                method=method, route=route, status=str(status)
            ).observe(elapsed)
            log.debug("%s %s -> %d in %.3f s", method, route, status, elapsed)
            request_id.reset(token)


def _request_id_of(scope: Scope) -> str:
    """The client's X-Request-ID when it is a short token, else a fresh one."""
    for name, value in scope["headers"]:
        if name == REQUEST_ID_HEADER.encode():
            text = bytes(value).decode("latin-1")
            if _CLIENT_ID.fullmatch(text):
                return text
    return secrets.token_hex(8)
