"""The one spelling of an error met while talking to a peer, for log lines and /readyz.

httpx's timeouts often carry no text (`ReadTimeout: ` was a whole log line's detail), so a
timeout says which phase of which request ran out, and after how long: the client's
timeout the request was sent with (httpx puts it in request.extensions["timeout"]).
"""

import json

import httpx

_PHASES: dict[type[httpx.TimeoutException], tuple[str, str]] = {
    httpx.ConnectTimeout: ("connect", "connecting"),
    httpx.ReadTimeout: ("read", "reading the response"),
    httpx.WriteTimeout: ("write", "writing the request"),
    httpx.PoolTimeout: ("pool", "waiting for a free connection"),
}
"""Each timeout class: its key in httpx's timeout dict, and what was being done."""


def describe_peer_error(error: BaseException) -> str:
    """`Class: detail`; a timeout as `ReadTimeout: reading the response (GET /v1/status)
    timed out after 5 s`; an error without text as `Class (no detail)`."""
    name = type(error).__name__
    if isinstance(error, httpx.TimeoutException):
        return f"{name}: {_timed_out(error)}"
    detail = str(error).strip()
    return f"{name}: {detail}" if detail else f"{name} (no detail)"


def _timed_out(error: httpx.TimeoutException) -> str:
    key, doing = next(
        (phase for kind, phase in _PHASES.items() if isinstance(error, kind)), ("", "the request")
    )
    try:
        request: httpx.Request | None = error.request
    except RuntimeError:  # raised without a request (httpx allows it)
        request = None
    if request is None:
        return f"{doing} timed out"
    limit = request.extensions.get("timeout", {}).get(key)
    after = f" after {limit:g} s" if isinstance(limit, int | float) else ""
    return f"{doing} ({request.method} {request.url.path}) timed out{after}"


REFUSAL_SHOWN_MAX = 200
"""Characters of a peer's refusal a log line quotes."""


def describe_refusal(status: int, answer: bytes) -> str:
    """A peer's HTTP error answer to a post, for one log line: a Lantan node's JSON error as
    its compact JSON; anything else (another program on the peer's port: a proxy's or a web
    server's HTML page) by status and size, not quoted. Quoted, 200 characters of an HTML
    page hid its status (stop 55's operator pass)."""
    try:
        value = json.loads(answer)
    except ValueError:
        value = None
    if isinstance(value, dict):
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        return f"HTTP {status} {text[:REFUSAL_SHOWN_MAX]}"
    return (
        f"HTTP {status} with {len(answer)} bytes that are no JSON error: is another program"
        " than a Lantan node on that port?"
    )
