"""HTTP error shape: 4xx with {"error": {"code", "detail"}}; only node/api/ maps to status codes.

Every refusal carries a machine-readable code (an AdmissionReason value, NOT_FOUND,
BAD_REQUEST, ...) so clients can act on it without parsing prose.
"""

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from node.api.observability import CLIENT_GONE_STATUS
from node.api.route_paths import RoutePaths
from node.storage.errors import StoreDamagedError

log = logging.getLogger("lantan.http")


class ApiError(Exception):
    """Raised by routes; becomes a JSON error response."""

    def __init__(
        self, status_code: int, code: str, detail: str = "", headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(f"{code}: {detail}")
        self.status_code = status_code
        self.code = code
        self.detail = detail
        self.headers = headers


def error_body(code: str, detail: str) -> dict[str, dict[str, str]]:
    return {"error": {"code": code, "detail": detail}}


VALUE_SHOWN_MAX = 40
"""Characters of a refused query or path value quoted back: enough for a height or a hash."""


def shown_value(value: str) -> str:
    """A refused value quoted back in an error's detail, cut at VALUE_SHOWN_MAX characters:
    enough to recognise it, never the whole of a long one."""
    return repr(value if len(value) <= VALUE_SHOWN_MAX else value[:VALUE_SHOWN_MAX] + "...")


_PLACES = {"query": "query parameter", "path": "path parameter", "header": "header"}


def validation_detail(first: Mapping[str, Any]) -> str:
    """One request validation error in words: where, what is wrong, and what was sent, e.g.
    `query parameter first: Input should be greater than or equal to 1, not '0'` (it said
    `query.first: ...`, the framework's location path, without the value refused)."""
    location = tuple(str(part) for part in first.get("loc", ()))
    message = first.get("msg", "invalid request")
    if len(location) == 2 and location[0] in _PLACES:
        where = f"{_PLACES[location[0]]} {location[1]}"
        value = first.get("input")
        if isinstance(value, str):
            return f"{where}: {message}, not {shown_value(value)}"
        return f"{where}: {message}"
    return f"{'.'.join(location)}: {message}"


def install_error_handlers(app: FastAPI, paths: RoutePaths) -> None:
    """JSON errors for ApiError, request validation and the router's 404 and 405; paths
    names the methods a 405 allows and the route a trailing-slash 404 meant."""

    @app.exception_handler(ApiError)
    async def api_error(_request: Request, error: ApiError) -> JSONResponse:
        return JSONResponse(
            error_body(error.code, error.detail),
            status_code=error.status_code,
            headers=error.headers,
        )

    @app.exception_handler(RequestValidationError)
    async def validation_error(_request: Request, error: RequestValidationError) -> JSONResponse:
        first = error.errors()[0] if error.errors() else {}
        return JSONResponse(error_body("BAD_REQUEST", validation_detail(first)), status_code=400)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        path = request.url.path
        headers = dict(error.headers or {})
        detail = str(error.detail)
        if error.status_code == 405:
            headers["Allow"] = paths.allow(path)
            # Not naming the method: HeadAsGet hands a HEAD on as a GET.
            detail = f"method not allowed: {path} allows {headers['Allow']}"
        elif error.status_code == 404 and (route := paths.without_trailing_slash(path)):
            # No redirect (app.py): a JSON client would follow it silently, or not at all.
            detail = f"no route {path}; the route is {route}, without the trailing slash"
        code = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}.get(error.status_code, "HTTP_ERROR")
        return JSONResponse(
            error_body(code, detail), status_code=error.status_code, headers=headers or None
        )

    @app.exception_handler(StoreDamagedError)
    async def store_damaged(request: Request, error: StoreDamagedError) -> JSONResponse:
        # What the request asked for is in a part of the store LevelDB reports damaged: not
        # served (never the damaged bytes), and no fault of the client's. 503, as /readyz:
        # this node cannot answer, another can. One line, without a traceback: the damage
        # and what to do are in the error (and on /readyz from now on).
        log.error("%s %s not answered: %s", request.method, request.url.path, error)
        return JSONResponse(
            error_body(
                "STORE_DAMAGED",
                "this node's store is damaged where the answer is kept, so it is not served; "
                "ask another node (this node's /readyz says what its operator must do)",
            ),
            status_code=503,
        )

    @app.exception_handler(ClientDisconnect)
    async def client_gone(request: Request, _error: ClientDisconnect) -> Response:
        # The client closed the connection while its body was read: nobody reads an answer,
        # and it is no fault of the node's (it was an ERROR with a traceback in node.log).
        # Labelled as the peer fast path's hang-ups are (observability.CLIENT_GONE_STATUS).
        log.debug("client left %s %s before its body was read", request.method, request.url.path)
        return Response(status_code=CLIENT_GONE_STATUS)

    @app.exception_handler(Exception)
    async def unexpected(_request: Request, _error: Exception) -> JSONResponse:
        # A bug, not the client's fault: the answer is still the API's JSON shape (it was
        # Starlette's text/plain), and names nothing of the error. Starlette's outermost
        # middleware, which calls this, then raises the error on to the server, whose log
        # line (the JSON logger, node/logs.py) carries the traceback.
        return JSONResponse(
            error_body("INTERNAL", "the node failed to answer this request; see its log"),
            status_code=500,
        )
