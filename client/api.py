"""A small typed client for one node's public HTTP API (`/v1/...`, DESIGN.md §7).

Every answer is JSON except the checkpoint note. Failures become typed NodeErrors
(client/errors.py): unreachable node, an error object {"error": {"code", "detail"}}, or an
answer that breaks the contract. One httpx.Client per node keeps its connection alive.
"""

import functools
import os
import socket
import ssl
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import quote, urlsplit

import httpx

from client.errors import (
    NodeRejectedError,
    NodeResponseError,
    NodeUnreachableError,
    UsageError,
)
from protocol.encoding import JsonObject, decode, encode
from protocol.errors import EncodingError

NODES_ENV: Final = "LANTAN_NODES"
DEFAULT_NODE_URL: Final = "http://127.0.0.1:7101"
"""The node a command asks when neither --node nor $LANTAN_NODES names one
(client/node_pool.py node_urls)."""

WAIT_MS_MAX: Final = 30_000
"""The longest wait_ms a node honours on GET /v1/txs/{tx_id}."""
PAGE_LIMIT_MAX: Final = 100
TIMEOUT_S: Final = 10.0
CONNECT_TIMEOUT_S: Final = 3.0
USER_AGENT: Final = "lantan-client/0.1"
READ_RETRIES: Final = 3
"""A GET whose connection was reset is sent again this many times, after 0.2, 0.4, 0.8 s."""
RETRY_BACKOFF_S: Final = 0.2
NOT_TLS_REASONS: Final = frozenset({"WRONG_VERSION_NUMBER", "RECORD_LAYER_FAILURE"})
"""OpenSSL's reason when a TLS handshake is answered in plain text, e.g. by a plain-http
node (OpenSSL 3.2 and later say RECORD_LAYER_FAILURE where earlier ones said the first)."""
UNKNOWN_ISSUER_CODES: Final = frozenset({2, 18, 19, 20})
"""OpenSSL's verify codes for a certificate chain that ends at no CA this machine trusts
(unable to get the issuer's certificate, self-signed, self-signed in the chain, unable to
get the local issuer): a network's private CA the client was not given."""
PRIVATE_CA_HINT: Final = (
    "the node's certificate is not signed by a CA this machine trusts: for the network's "
    'private CA, set SSL_CERT_FILE to its certificate (docs/OPERATIONS.md "5. TLS between '
    'institutions")'
)


@dataclass(frozen=True, slots=True, kw_only=True)
class TxStatus:
    """GET /v1/txs/{tx_id}: where a tx stands on one node."""

    tx_id: str
    status: str
    """pending, committed, rejected_at_admission, dropped, expired or unknown."""
    height: int | None
    index: int | None
    result_status: str | None
    """accepted or rejected once committed; None before."""
    result_reason: str | None
    reason: str | None
    """Why the tx never entered a block (rejected_at_admission, dropped, expired)."""

    @property
    def accepted(self) -> bool:
        return self.status == "committed" and self.result_status == "accepted"

    def to_json(self) -> JsonObject:
        return {
            "tx_id": self.tx_id,
            "status": self.status,
            "height": self.height,
            "index": self.index,
            "result": None
            if self.result_status is None
            else {"status": self.result_status, "reason": self.result_reason},
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class NonceInfo:
    """GET /v1/nonces/{key}: the sender's last committed and highest pending nonce."""

    committed: int
    pending: int

    @property
    def next_nonce(self) -> int:
        return max(self.committed, self.pending) + 1


@dataclass(frozen=True, slots=True, kw_only=True)
class Page:
    """One page of a list endpoint; next_cursor is None on the last page."""

    items: tuple[Any, ...]
    next_cursor: str | None


def tls_context() -> ssl.SSLContext:
    """The context that checks a node's certificate, httpx's default (verify=True: the CA
    file SSL_CERT_FILE names, else the directory SSL_CERT_DIR names, else certifi's roots).
    Shared by every NodeClient of the process while those two variables keep their values:
    loading a CA bundle costs ~50 ms of CPU, and a `lantan` command opens a client per node
    (three contexts a command against three nodes)."""
    return _tls_context(os.environ.get("SSL_CERT_FILE") or "", os.environ.get("SSL_CERT_DIR") or "")


@functools.lru_cache(maxsize=4)
def _tls_context(_cert_file: str, _cert_dir: str) -> ssl.SSLContext:
    """httpx.create_ssl_context() reads the two variables itself; they are the cache key."""
    return httpx.create_ssl_context()


class NodeClient:
    """The public API of the node at url. Close it (or use `with`) to free the connection."""

    def __init__(
        self,
        url: str,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout_s: float = TIMEOUT_S,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.url = url.rstrip("/")
        self._timeout_s = timeout_s
        self._sleep = sleep
        self._http = httpx.Client(
            base_url=self.url,
            transport=transport,
            verify=tls_context(),
            timeout=httpx.Timeout(timeout_s, connect=CONNECT_TIMEOUT_S),
            headers={"user-agent": USER_AGENT, "accept": "application/json"},
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "NodeClient":
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def status(self) -> JsonObject:
        return _expect_dict(self.url, self.get_json("/v1/status"), "status")

    def nonces(self, public_key_hex: str) -> NonceInfo:
        answer = _expect_dict(self.url, self.get_json(f"/v1/nonces/{public_key_hex}"), "nonces")
        return NonceInfo(
            committed=_int_field(self.url, answer, "committed"),
            pending=_int_field(self.url, answer, "pending"),
        )

    def submit(self, signed_tx: JsonObject) -> str:
        """POST one signed tx; returns the node's tx_id. Admission failures raise."""
        answer = _expect_dict(self.url, self._send("POST", "/v1/txs", **_body(signed_tx)), "submit")
        tx_id = answer.get("tx_id")
        if not isinstance(tx_id, str):
            raise NodeResponseError(self.url, "submit answer without a tx_id")
        return tx_id

    def submit_batch(self, signed_txs: list[JsonObject]) -> list[JsonObject]:
        """POST {"txs": [...]}; one result object per tx, in order."""
        answer = self._send("POST", "/v1/txs", **_body({"txs": signed_txs}))
        results = _expect_dict(self.url, answer, "batch submit").get("results")
        if not isinstance(results, list) or len(results) != len(signed_txs):
            raise NodeResponseError(self.url, "batch answer without one result per tx")
        return [_expect_dict(self.url, result, "batch result") for result in results]

    def tx_status(self, tx_id: str, *, wait_ms: int = 0) -> TxStatus:
        """Requires 0 <= wait_ms <= WAIT_MS_MAX; the node answers once committed or timed out."""
        assert 0 <= wait_ms <= WAIT_MS_MAX
        timeout = httpx.Timeout(self._timeout_s + wait_ms / 1000, connect=CONNECT_TIMEOUT_S)
        params = {"wait_ms": str(wait_ms)} if wait_ms else None
        answer = self.get_json(f"/v1/txs/{tx_id}", params=params, timeout=timeout)
        return parse_tx_status(self.url, answer)

    def page(self, path: str, *, cursor: str | None = None, limit: int | None = None) -> Page:
        """One page of a cursor-paginated list, e.g. path "/v1/accounts"."""
        params = {"cursor": cursor, "limit": None if limit is None else str(limit)}
        answer = self.get_json(path, params={k: v for k, v in params.items() if v is not None})
        if isinstance(answer, list):
            return Page(items=tuple(answer), next_cursor=None)
        page = _expect_dict(self.url, answer, "list")
        items, cursor_after = page.get("items"), page.get("next_cursor")
        if not isinstance(items, list) or not isinstance(cursor_after, str | None):
            raise NodeResponseError(self.url, f"{path}: not a page of items")
        # An empty page with a cursor would loop forever when following cursors.
        return Page(items=tuple(items), next_cursor=cursor_after if items else None)

    def iterate(
        self, path: str, *, cursor: str | None = None, limit: int | None = None
    ) -> Iterator[Any]:
        """Every item of a list from cursor on, following next_cursor to the end."""
        while True:
            page = self.page(path, cursor=cursor, limit=limit)
            yield from page.items
            if page.next_cursor is None:
                return
            if page.next_cursor == cursor:
                raise NodeResponseError(self.url, f"{path}: the cursor does not advance")
            cursor = page.next_cursor

    def get_json(
        self,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        timeout: httpx.Timeout | None = None,
        strict: bool = False,
    ) -> Any:
        """The node's JSON answer. strict: parsed as the protocol's JSON (protocol.encoding
        decode: no duplicate key, no float, no number past 2^53), for answers whose facts
        a verdict rests on: with a duplicate key, Python keeps the last member and other
        parsers the first, so one answer could read ACCEPTED here and rejected to an
        auditor's own tool (stop 56's JS auditor pass)."""
        if not strict:
            return self._send("GET", path, params=params, timeout=timeout)
        response = self._request("GET", path, params=params, timeout=timeout)
        try:
            return decode(response.content)
        except EncodingError as error:
            detail = f"GET {path}: the answer is not strict JSON: {error}"
            raise NodeResponseError(self.url, detail) from None

    def get_text(self, path: str) -> str:
        return self._request("GET", path, accept="text/plain").text

    def post_text(self, path: str, text: str) -> Any:
        """POST a text/plain body (a cosignature line); the answer is JSON."""
        headers = {"content-type": "text/plain; charset=utf-8"}
        return self._send("POST", path, content=text.encode("utf-8"), headers=headers)

    def _send(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self._request(method, path, **kwargs)
        try:
            return response.json()
        except ValueError:
            raise NodeResponseError(self.url, f"{method} {path}: the answer is not JSON") from None

    def _request(
        self, method: str, path: str, *, accept: str = "application/json", **kwargs: Any
    ) -> httpx.Response:
        if kwargs.get("timeout") is None:
            kwargs.pop("timeout", None)
        try:
            response = self._request_retrying(method, path, accept, kwargs)
        except httpx.TimeoutException:
            raise NodeUnreachableError(self.url, "the node did not answer in time") from None
        except httpx.TransportError as error:
            raise NodeUnreachableError(self.url, unreachable_text(self.url, error)) from None
        if response.status_code >= 400:
            raise rejection(self.url, response)
        return response

    def _request_retrying(
        self, method: str, path: str, accept: str, kwargs: dict[str, Any]
    ) -> httpx.Response:
        """Send; a GET whose connection broke is sent again, up to READ_RETRIES times.

        Only reads are retried (they are idempotent); a POST may have been taken before
        the connection broke, and sending it twice is the caller's decision.
        """
        for attempt in range(READ_RETRIES + 1):
            try:
                headers = {"accept": accept, **kwargs.get("headers", {})}
                sent = {name: value for name, value in kwargs.items() if name != "headers"}
                return self._http.request(method, path, headers=headers, **sent)
            except (httpx.TimeoutException, httpx.ConnectError) as error:
                retry = isinstance(error, httpx.ConnectError) and "reset" in str(error).lower()
                if not retry or method != "GET" or attempt == READ_RETRIES:
                    raise
            except httpx.TransportError:
                if method != "GET" or attempt == READ_RETRIES:
                    raise
            self._sleep(RETRY_BACKOFF_S * 2**attempt)
        raise AssertionError("unreachable")


def unreachable_text(url: str, error: httpx.TransportError) -> str:
    """Why a node could not be reached, with what to try when the reason is a known mistake:
    an https:// URL for a node that serves plain http fails in the TLS handshake, and
    OpenSSL's words for it ("[SSL: WRONG_VERSION_NUMBER]") do not say so; an http:// URL
    for a TLS-only node gets its connection dropped unanswered ("Server disconnected
    without sending a response", or a reset), as from a node that crashed."""
    text = f"cannot reach it: {error}"
    if url.startswith("https://") and _not_tls(error):
        text += f" (the node may serve plain http: try http://{url.removeprefix('https://')})"
    elif url.startswith("http://") and isinstance(error, DROPPED) and _speaks_tls(url):
        text += f" (the node serves https: try https://{url.removeprefix('http://')})"
    elif any(
        isinstance(seen, ssl.SSLCertVerificationError) and seen.verify_code in UNKNOWN_ISSUER_CODES
        for seen in _causes(error)
    ):
        text += f" ({PRIVATE_CA_HINT})"
    elif url == DEFAULT_NODE_URL and NODES_ENV not in os.environ:
        # Stop 55 (the operator's pass): a network on other ports was told of one never set.
        text += f" ({url} is the default: give --node URL, or set ${NODES_ENV})"
    return text


DROPPED: Final = (httpx.RemoteProtocolError, httpx.ReadError)
"""How httpx reports a connection closed without an answer (uvicorn's TLS-only listener
hangs up on a plain-http request; Python's ssl server resets it)."""


def _speaks_tls(url: str) -> bool:
    """Whether the server at url's host and port completes a TLS handshake. The certificate
    is not checked: this only asks which protocol it speaks, and sends nothing."""
    parts = urlsplit(url)
    if parts.hostname is None:
        return False
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        address = (parts.hostname, parts.port or 80)
        with (
            socket.create_connection(address, timeout=CONNECT_TIMEOUT_S) as raw,
            context.wrap_socket(raw, server_hostname=parts.hostname),
        ):
            return True
    except (OSError, ValueError):
        return False


def _not_tls(error: BaseException) -> bool:
    """The TLS handshake was answered by something that does not speak TLS."""
    return any(
        isinstance(seen, ssl.SSLError) and seen.reason in NOT_TLS_REASONS for seen in _causes(error)
    )


def _causes(error: BaseException) -> Iterator[BaseException]:
    """error, then what caused it, and so on (httpx wraps the ssl module's errors)."""
    seen: BaseException | None = error
    while seen is not None:
        yield seen
        seen = seen.__cause__ or seen.__context__


def _body(value: object) -> dict[str, Any]:
    """Request arguments sending value as its canonical bytes: the spelling a node parses
    in C (protocol/encoding.py); any other goes through the pure reference parser. A value
    outside the canonical domain is sent as httpx spells it, for the node to refuse."""
    try:
        return {"content": encode(value), "headers": {"content-type": "application/json"}}
    except EncodingError:
        return {"json": value}


def encode_path_segment(value: str) -> str:
    """Percent-encode one path segment (ids are slugs, but state keys hold '/'). UsageError
    for "", "." and "..": no encoding keeps them one segment (the URL is resolved, and
    `query accounts ..` asked another route, answered a bare "Not Found": stop 55)."""
    if value in ("", ".", ".."):
        raise UsageError(f"{value!r} is not an id: an id is never empty, '.' or '..'")
    return quote(value, safe="")


def rejection(url: str, response: httpx.Response) -> NodeRejectedError:
    """The node's {"error": {"code", "detail"}}, or the HTTP status when it sent none."""
    code, detail = f"HTTP_{response.status_code}", response.text[:300]
    try:
        body = response.json()
    except ValueError:
        return NodeRejectedError(url, response.status_code, code, _not_json(response))
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        code = str(error.get("code") or code)
        detail = str(error.get("detail") or "")
    elif isinstance(body, dict) and "detail" in body:
        detail = str(body["detail"])[:300]
    return NodeRejectedError(url, response.status_code, code, detail)


def _not_json(response: httpx.Response) -> str:
    """The detail of an answer that is not JSON: one line naming what came back, never its
    body (a web server's HTML page is not a reason to print)."""
    kind = response.headers.get("content-type", "no content type").split(";")[0].strip()
    text = response.text.strip()
    if kind == "text/plain" and text and "\n" not in text and len(text) <= 200:
        return text
    return f"the answer is {kind or 'no content type'}, not a Lantan node's JSON: check the URL"


def parse_tx_status(url: str, value: object) -> TxStatus:
    answer = _expect_dict(url, value, "tx status")
    result = answer.get("result")
    result_obj = result if isinstance(result, dict) else {}
    tx_id, status = answer.get("tx_id"), answer.get("status")
    if not isinstance(tx_id, str) or not isinstance(status, str):
        raise NodeResponseError(url, "tx status without tx_id or status")
    return TxStatus(
        tx_id=tx_id,
        status=status,
        height=_optional_int(answer.get("height")),
        index=_optional_int(answer.get("index")),
        result_status=_optional_str(result_obj.get("status")),
        result_reason=_optional_str(result_obj.get("reason")),
        reason=_optional_str(answer.get("reason")),
    )


def _expect_dict(url: str, value: object, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise NodeResponseError(url, f"{what}: expected a JSON object")
    return value


def _int_field(url: str, answer: Mapping[str, Any], name: str) -> int:
    value = answer.get(name)
    if isinstance(value, bool) or not isinstance(value, int):
        raise NodeResponseError(url, f"{name}: expected an integer")
    return value


def _optional_int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _optional_str(value: object) -> str | None:
    return value if isinstance(value, str) else None
