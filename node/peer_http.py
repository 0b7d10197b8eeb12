"""One keep-alive HTTP/1.1 connection that posts peer envelopes, one request at a time.

PeerTransport's senders post small bodies to one peer and read a small answer, and nothing
else: no redirects, cookies, proxies, auth, compression or pool. httpx did all of that for
every post, at about 2.6 ms of CPU a post on the 2-core box (ten times the socket work), and
a validator posts ~7 messages a height. This client speaks just that subset over asyncio
streams (TLS when the URL is https, with the transport's SSL context), and reconnects when
the peer closed an idle connection (its keep-alive ran out) or a post failed.
"""

import asyncio
import ssl
from urllib.parse import urlsplit

RESPONSE_BYTES_MAX = 64 * 1024
"""A peer answers a post with a few bytes of JSON; more than this is refused."""
HEAD_BYTES_MAX = 16 * 1024


class PeerPostError(Exception):
    """The post failed: no connection, a timeout, a closed or malformed answer."""


class _NoAnswerError(Exception):
    """The connection failed before any byte of an answer: the post may be sent again."""


class PeerConnection:
    """Posts to one base URL (http or https, host and port) over one reused connection."""

    def __init__(self, url: str, *, ssl_context: ssl.SSLContext | None, timeout_s: float) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or parts.hostname is None:
            raise ValueError(f"not an http(s) URL: {url}")
        self._tls = ssl_context if parts.scheme == "https" else None
        if parts.scheme == "https" and ssl_context is None:
            raise ValueError(f"{url}: https needs an SSL context")
        self._host = parts.hostname
        self._port = parts.port or (443 if parts.scheme == "https" else 80)
        default = 443 if parts.scheme == "https" else 80
        name = f"[{self._host}]" if ":" in self._host else self._host
        self._host_header = name if self._port == default else f"{name}:{self._port}"
        self._prefix = parts.path.rstrip("/")
        self._timeout_s = timeout_s
        self._streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def post(self, path: str, body: bytes, content_type: str) -> tuple[int, bytes]:
        """POST body to base URL + path; the status and the answer's body.

        A reused connection that fails before any answer arrives (the peer closed it as it
        went idle) is replaced, and the post sent once more on a fresh one. Raises
        PeerPostError.
        """
        request = self._request(path, body, content_type)
        reused = self._streams is not None and not self._streams[0].at_eof()
        try:
            return await self._attempt(request)
        except _NoAnswerError as error:
            if not reused:
                raise PeerPostError(str(error)) from None
        try:
            return await self._attempt(request)
        except _NoAnswerError as error:
            raise PeerPostError(str(error)) from None

    async def _attempt(self, request: bytes) -> tuple[int, bytes]:
        try:
            async with asyncio.timeout(self._timeout_s):
                return await self._exchange(request)
        except asyncio.IncompleteReadError as error:
            self.close()
            if error.partial:
                raise PeerPostError("the answer broke off") from None
            raise _NoAnswerError("closed without an answer") from None
        except TimeoutError:  # before OSError, which it is a kind of
            self.close()
            raise PeerPostError(f"no answer within {self._timeout_s} s") from None
        except OSError as error:
            self.close()
            raise _NoAnswerError(f"{type(error).__name__}: {error}") from None
        except PeerPostError:
            self.close()
            raise

    def _request(self, path: str, body: bytes, content_type: str) -> bytes:
        head = (
            f"POST {self._prefix}{path} HTTP/1.1\r\n"
            f"host: {self._host_header}\r\n"
            f"content-type: {content_type}\r\n"
            f"content-length: {len(body)}\r\n"
            "accept: application/json\r\n\r\n"
        )
        return head.encode("latin-1") + body

    async def _exchange(self, request: bytes) -> tuple[int, bytes]:
        reader, writer = await self._open()
        writer.write(request)
        await writer.drain()
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.LimitOverrunError:
            raise PeerPostError("answer head too long") from None
        status, headers = _parse_head(head)
        if headers.get("transfer-encoding", "identity").lower() != "identity":
            body = await _read_chunked(reader)
        elif "content-length" in headers:
            length = _content_length(headers["content-length"])
            body = await reader.readexactly(length)
        else:  # delimited by the end of the connection
            body = await _read_to_end(reader)
            headers["connection"] = "close"
        if "close" in headers.get("connection", "").lower():
            self.close()
        return status, body

    async def _open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self._streams is not None and self._streams[0].at_eof():
            self.close()  # the peer closed it while it was idle
        if self._streams is None:
            self._streams = await asyncio.open_connection(
                self._host,
                self._port,
                ssl=self._tls,
                server_hostname=self._host if self._tls is not None else None,
                limit=HEAD_BYTES_MAX,
            )
        return self._streams

    def close(self) -> None:
        """Drop the connection (a TLS one finishes its shutdown in the background)."""
        streams, self._streams = self._streams, None
        if streams is not None:
            streams[1].close()


def _parse_head(head: bytes) -> tuple[int, dict[str, str]]:
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/1.") or not parts[1].isdigit():
        raise PeerPostError(f"not an HTTP/1.x status line: {lines[0][:80]!r}")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if not line:
            continue
        name, sep, value = line.partition(":")
        if not sep:
            raise PeerPostError(f"malformed header line: {line[:80]!r}")
        headers[name.strip().lower()] = value.strip()
    return int(parts[1]), headers


def _content_length(value: str) -> int:
    if not value.isdigit() or int(value) > RESPONSE_BYTES_MAX:
        raise PeerPostError(f"answer length {value[:20]!r} refused")
    return int(value)


async def _read_to_end(reader: asyncio.StreamReader) -> bytes:
    body = bytearray()
    while chunk := await reader.read(4096):
        body += chunk
        if len(body) > RESPONSE_BYTES_MAX:
            raise PeerPostError("answer too long")
    return bytes(body)


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    body = bytearray()
    while True:
        size_line = (await reader.readuntil(b"\r\n")).split(b";", 1)[0].strip()
        try:
            size = int(size_line, 16)
        except ValueError:
            raise PeerPostError("malformed chunk size") from None
        if len(body) + size > RESPONSE_BYTES_MAX:
            raise PeerPostError("answer too long")
        if size == 0:
            while (await reader.readuntil(b"\r\n")) != b"\r\n":
                pass  # trailers
            return bytes(body)
        body += await reader.readexactly(size)
        if await reader.readexactly(2) != b"\r\n":
            raise PeerPostError("malformed chunk end")
