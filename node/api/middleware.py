"""HttpMiddleware: the ASGI shape node's own middlewares share (RequestLimits, RequestObserver).

Lifespan and websocket scopes pass straight through; a subclass handles HTTP requests only.
"""

from starlette.types import ASGIApp, Receive, Scope, Send


class HttpMiddleware:
    """Wraps an ASGI app; handle_http sees every HTTP request, nothing else."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.handle_http(scope, receive, send)

    async def handle_http(self, scope: Scope, receive: Receive, send: Send) -> None:
        raise NotImplementedError
