"""A route that fails unexpectedly answers the API's JSON error shape with 500 (it was
Starlette's text/plain "Internal Server Error"), and says nothing of the error itself; a
client that leaves while its body is read is not logged as the node's error."""

import asyncio
import logging
from collections.abc import MutableMapping
from typing import Any

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient

from node.api.errors import install_error_handlers
from node.api.route_paths import RoutePaths


def test_an_unexpected_error_is_a_json_500_that_names_nothing_of_it() -> None:
    app = FastAPI()

    @app.get("/fails")
    def fails() -> None:
        raise ValueError("invalid literal for int() with base 10: '²' (a secret path)")

    install_error_handlers(app, RoutePaths.of(app.routes))
    with TestClient(app, raise_server_exceptions=False) as client:
        answer = client.get("/fails")
    assert answer.status_code == 500
    assert answer.headers["content-type"] == "application/json"
    assert answer.json() == {
        "error": {
            "code": "INTERNAL",
            "detail": "the node failed to answer this request; see its log",
        }
    }


def test_a_client_that_leaves_mid_body_is_no_error_of_the_nodes(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """ClientDisconnect while a body is read (a POST /v1/txs whose client closed the socket)
    was an ERROR "Exception in ASGI application" with a traceback; now a debug line."""
    app = FastAPI()

    @app.post("/reads")
    async def reads(request: Request) -> dict[str, int]:
        return {"bytes": len(await request.body())}

    install_error_handlers(app, RoutePaths.of(app.routes))
    sent: list[MutableMapping[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.disconnect"}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/reads",
        "raw_path": b"/reads",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"content-length", b"100")],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 2),
    }
    caplog.set_level(logging.DEBUG)
    asyncio.run(app(scope, receive, send))
    # Never sent (the client is gone): the status its request is counted with, as a peer
    # post's hang-up is (node/api/observability.py).
    assert sent[0]["type"] == "http.response.start" and sent[0]["status"] == 499
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert any("client left POST /reads" in r.getMessage() for r in caplog.records)
