"""HttpMiddleware: the ASGI shape node's own middlewares share (RequestLimits, RequestObserver,
HeadAsGet, below).

Lifespan and websocket scopes pass straight through; a subclass handles HTTP requests only.
"""

from starlette.types import ASGIApp, Message, Receive, Scope, Send


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


class HeadAsGet(HttpMiddleware):
    """HEAD answered for every GET route (RFC 9110 §9.3.2): the GET's status and headers,
    its Content-Length included, and no body. The request goes on as a GET, so a path with
    no GET route answers 405 naming what it allows. Sits innermost, around the router, so
    RequestObserver still sees (and labels) the request as HEAD."""

    async def handle_http(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] != "http.response.body":
                await send(message)
            elif not message.get("more_body", False):
                await send({"type": "http.response.body", "body": b""})

        # The scope itself, not a copy: the router writes the matched route into it, which
        # RequestObserver reads once the request is answered.
        scope["method"] = "GET"
        try:
            await self.app(scope, receive, headers_only)
        finally:
            scope["method"] = "HEAD"
