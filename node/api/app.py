"""The FastAPI application of one node: routes, error shape, request size limit."""

from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from node.api.errors import error_body, install_error_handlers
from node.api.routes import chain, docs, health, peer, proofs, records, txs, web
from node.peering import PeerInbox
from node.readiness import Readiness
from node.service import NodeService
from node.transport import PeerTransport

REQUEST_BYTES_MAX = 16 * 1024 * 1024
"""Largest public request body (a 1,000-tx batch is about 2 MiB)."""


def create_app(
    service: NodeService,
    inbox: PeerInbox,
    transport: PeerTransport | None,
    readiness: Readiness,
    lifespan: Callable[[FastAPI], AbstractAsyncContextManager[None]] | None = None,
) -> FastAPI:
    app = FastAPI(
        title="Lantan node",
        version="1",
        description="Blue carbon provenance registry: public API (/v1), health, metrics.",
        lifespan=lifespan,
        docs_url=None,  # /docs and /redoc come from node/api/routes/docs.py, offline
        redoc_url=None,
    )
    app.state.service = service
    app.state.inbox = inbox
    app.state.transport = transport
    app.state.readiness = readiness
    install_error_handlers(app)
    app.middleware("http")(_limit_body_size)
    for module in (txs, chain, records, proofs, health, peer, web, docs):
        app.include_router(module.router)
    return app


async def _limit_body_size(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    length = request.headers.get("content-length")
    limit = REQUEST_BYTES_MAX * 4 if request.url.path.startswith("/peer/") else REQUEST_BYTES_MAX
    if length is not None and (not length.isdigit() or int(length) > limit):
        return JSONResponse(error_body("TOO_LARGE", f"body over {limit} bytes"), status_code=413)
    if length is None and "transfer-encoding" in request.headers:
        # A chunked body would be read whole before any size check could refuse it.
        return JSONResponse(error_body("LENGTH_REQUIRED", "send a content-length"), status_code=411)
    return await call_next(request)
