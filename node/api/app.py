"""The FastAPI application of one node: routes, error shape, request bounds."""

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

from fastapi import FastAPI

from node.api.caching import VolatileByDefault
from node.api.errors import install_error_handlers
from node.api.limits import DEFAULT_LIMITS, HttpLimits, RequestLimits
from node.api.middleware import HeadAsGet
from node.api.observability import install_observability
from node.api.openapi import install_openapi
from node.api.route_paths import RoutePaths
from node.api.routes import chain, docs, health, peer, proofs, records, txs, web
from node.chain_view import ChainView
from node.peering import PeerInbox
from node.readiness import Readiness
from node.service import NodeService
from node.transport import PeerTransport


def create_app(
    service: NodeService,
    inbox: PeerInbox,
    transport: PeerTransport | None,
    readiness: Readiness,
    lifespan: Callable[[FastAPI], AbstractAsyncContextManager[None]] | None = None,
    *,
    view: ChainView,
    limits: HttpLimits = DEFAULT_LIMITS,
) -> FastAPI:
    """The app of one node: service takes txs and peer messages; view is the one read port
    of its committed chain that the read routes and web pages use (node/chain_view.py)."""
    app = FastAPI(
        title="Lantan node",
        version="1",
        description="Blue carbon provenance registry: public API (/v1), health, metrics.",
        lifespan=lifespan,
        docs_url=None,  # /docs and /redoc come from node/api/routes/docs.py, offline
        redoc_url=None,
        # A path with a slash too many (or too few) is a JSON 404 naming the route (errors.py),
        # not a 307 with an empty body: JSON clients follow that silently, or not at all, and
        # no page of node/web links to a path with a trailing slash.
        redirect_slashes=False,
    )
    app.state.service = service
    app.state.view = view
    app.state.inbox = inbox
    app.state.transport = transport
    app.state.readiness = readiness
    app.state.limits = limits
    modules = (txs, chain, records, proofs, health, peer, web, docs)
    for module in modules:
        app.include_router(module.router)
    # The app's own routes (/openapi.json) and every router's: include_router keeps a
    # router whole, so its routes are taken from the router itself.
    routes = [*app.router.routes, *(route for module in modules for route in module.router.routes)]
    app.state.route_paths = RoutePaths.of(routes)
    install_error_handlers(app, app.state.route_paths)
    install_openapi(app)
    # Innermost: Cache-Control no-store on every API answer whose route set none.
    app.add_middleware(VolatileByDefault)
    # Around it: HEAD is served as GET by the router, inside every other middleware.
    app.add_middleware(HeadAsGet)
    # Added next, so it runs inside RequestLimits (body bounds) and RequestObserver.
    app.add_middleware(peer.PeerFastPath)
    app.add_middleware(RequestLimits, limits=limits)
    install_observability(app)
    return app
