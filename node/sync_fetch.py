"""Block sync's reads of peers' public /v1 API, each bounded as it streams in: a byte bound
per kind of answer and deadlines for its headers, its pace and the whole of it, so a peer
cannot make this node buffer more than one block's worth, nor hold a poll. Also the
observer's checkpoint fetches use it (node/checkpoint_follow.py), and the answers to the
transport's posts are read by the same rule (request_bounded, node/transport.py). What the
served bytes mean is node/sync_blocks.py's; this module only gets them.
"""

import asyncio
import contextlib
import logging
import ssl

import httpx

from node.peer_errors import describe_peer_error
from protocol.encoding import decode, encode
from protocol.errors import ProtocolError
from protocol.fields import is_decimal
from protocol.votes import CommitCertificate

log = logging.getLogger("lantan.sync")
RESPONSE_BYTES_MAX = 16 * 1024 * 1024
"""A block response is at most one block (8 MiB) plus its certificate, in JSON; a peer
serving more is refused while the bytes stream in, not after they are all in memory."""
STATUS_BYTES_MAX = 64 * 1024
BLOCK_RANGE_LIMIT_MAX = 64
"""GET /v1/blocks/range serves at most this many blocks per request..."""
BLOCK_RANGE_BYTES_MAX = 16 * 1024 * 1024
"""...and adds no block once the stored bytes of its blocks and certificates would pass
this (a single block, at most 8 MiB, is always served)."""
RANGE_RESPONSE_BYTES_MAX = BLOCK_RANGE_BYTES_MAX + 64 * 1024
"""A range response: the stored bytes above plus the JSON around each of at most
BLOCK_RANGE_LIMIT_MAX blocks; refused while it streams in once it passes this."""
STATUS_DEADLINE_S = 5.0
"""The whole of a status answer, from the request to its last byte. httpx's timeout (5 s)
bounds each read alone: a peer that sent a byte every 3 s held a poll for ever (a hostile
validator did so, and a restarting validator never got past its first catch-up)."""
BODY_DEADLINE_S = 30.0
"""The same for a block or a range of blocks (up to ~16 MiB: at least ~0.5 MB/s). A peer
that drips a range costs a catch-up round this once, then the next peer is asked."""
HEAD_DEADLINE_S = 10.0
"""From a request to its answer's headers: a peer builds a range (up to 16 MiB) before it
sends them, well within this."""
MIN_BODY_BYTES_PER_S = 512 * 1024
BODY_GRACE_S = 2.0
"""Once the headers are in, an answer's bytes must keep coming: at least MIN_BODY_BYTES_PER_S
on average after the first BODY_GRACE_S (BODY_DEADLINE_S asks as much of a whole range).
A peer that sent the start of a range and then stopped (a hostile validator claiming the
highest head, asked first at a restart) held that catch-up the whole BODY_DEADLINE_S."""


class PeerAnswerError(Exception):
    """A peer's answer was refused while it came in (PeerClient.get_bounded)."""


class ResponseTooLargeError(PeerAnswerError):
    """A peer's response exceeded the bound for its kind."""


class ResponseTooSlowError(PeerAnswerError):
    """A peer's response did not end within its deadline."""


class PeerClient:
    """One HTTP client for every peer; transport replaces the network (tests)."""

    def __init__(
        self,
        *,
        verify: ssl.SSLContext | bool = True,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._client = httpx.AsyncClient(timeout=5.0, verify=verify, transport=transport)

    async def close(self) -> None:
        await self._client.aclose()

    async def get_bounded(
        self, url: str, limit: int, *, deadline_s: float | None = None
    ) -> tuple[int, bytes]:
        """GET url; the status and body, refused as soon as the body passes limit bytes
        (ResponseTooLargeError) or the answer has not ended deadline_s (BODY_DEADLINE_S)
        after the request (ResponseTooSlowError)."""
        if deadline_s is None:
            deadline_s = BODY_DEADLINE_S
        return await request_bounded(self._client, "GET", url, limit, deadline_s=deadline_s)

    async def fetch_block(
        self, peer_url: str, height: int
    ) -> tuple[bytes, CommitCertificate] | None:
        """The peer's block at height and its certificate, unchecked (GET /v1/blocks/{h});
        None, said at info, when the peer failed or answered with anything else."""
        try:
            url = f"{peer_url}/v1/blocks/{height}"
            status, content = await self.get_bounded(url, RESPONSE_BYTES_MAX)
            if status != 200:
                return None
            body = decode(content)
            assert isinstance(body, dict)
            certificate = CommitCertificate.from_json(body["certificate"])
            return encode(body["block"]), certificate
        except (
            httpx.HTTPError,
            ProtocolError,
            PeerAnswerError,
            KeyError,
            AssertionError,
        ) as error:
            log.info(
                "fetching block %d from %s failed: %s", height, peer_url, describe_peer_error(error)
            )
            return None


async def request_bounded(
    client: httpx.AsyncClient,
    method: str,
    url: str,
    limit: int,
    *,
    deadline_s: float,
    head_deadline_s: float | None = None,
    content: bytes | None = None,
) -> tuple[int, bytes]:
    """One request (with content as its body, if any); the answer's status and body, refused
    as soon as the body passes limit bytes (ResponseTooLargeError), its headers take past
    head_deadline_s (HEAD_DEADLINE_S), its bytes fall under MIN_BODY_BYTES_PER_S after
    BODY_GRACE_S, or it has not ended deadline_s after the request (ResponseTooSlowError)."""
    if head_deadline_s is None:
        head_deadline_s = HEAD_DEADLINE_S
    loop = asyncio.get_running_loop()
    end = loop.time() + deadline_s
    why = f"no whole answer within {deadline_s:g} s"
    try:
        async with asyncio.timeout_at(min(end, loop.time() + head_deadline_s)) as timer:
            request = client.build_request(method, url, content=content)
            return await _read_bounded(client, request, limit, timer, end)
    except TimeoutError:
        # Which bound passed: the whole answer's, or the pace its bytes must keep.
        if loop.time() < end:
            why = f"its bytes stopped coming (under {MIN_BODY_BYTES_PER_S} a second)"
        raise ResponseTooSlowError(f"{url}: {why}") from None


async def _read_bounded(
    client: httpx.AsyncClient,
    request: httpx.Request,
    limit: int,
    timer: asyncio.Timeout,
    end: float,
) -> tuple[int, bytes]:
    """The request within timer, which the body's pace moves on: never past end."""
    loop = asyncio.get_running_loop()
    url = request.url
    response = await client.send(request, stream=True)
    async with contextlib.aclosing(response):
        declared = response.headers.get("content-length")
        if declared is not None and is_decimal(declared) and int(declared) > limit:
            raise ResponseTooLargeError(f"{url}: {declared} bytes declared")
        began = loop.time()
        timer.reschedule(min(end, began + BODY_GRACE_S))
        chunks, total = [], 0
        async for chunk in response.aiter_bytes():
            total += len(chunk)
            if total > limit:
                raise ResponseTooLargeError(f"{url}: over {limit} bytes")
            chunks.append(chunk)
            timer.reschedule(min(end, began + BODY_GRACE_S + total / MIN_BODY_BYTES_PER_S))
        return response.status_code, b"".join(chunks)
