"""node/transport.py: a peer's answer to a post is bounded in bytes and in time.

Hostile pass of stop 48: every honest validator posts to every other, so a Byzantine
validator answers each of their posts. httpx's post reads the whole answer into memory,
and its timeout (5 s) bounds each read alone: an answer declaring 1 TiB and streaming it
grew the honest node by what it sent (32 MiB here in well under a second, then held), and
one that then sent a byte every second held the sender for ever. Each case runs against a
real socket: a server that reads the post, then answers as the hostile peer would.
"""

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from node import transport as transport_module
from node.metrics.registry import NodeMetrics
from node.peer_envelope import PeerKind
from node.transport import Peer, PeerTransport
from protocol.hashing import Hash32
from protocol.signing import SigningKey

CHAIN_ID = Hash32(bytes(32))
ME, A = SigningKey(bytes([1]) * 32), SigningKey(bytes([3]) * 32)
FLOOD_BYTES = 32 * 1024 * 1024
"""What the hostile answer streams as fast as the socket takes it, before it trickles."""
CHUNK = b"x" * 65536
Answer = Callable[[asyncio.StreamWriter], Awaitable[None]]


async def _read_post(reader: asyncio.StreamReader) -> bytes:
    """One post's body, read whole."""
    head = await reader.readuntil(b"\r\n\r\n")
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    return await reader.readexactly(length)


async def _flood_then_trickle(writer: asyncio.StreamWriter, head: bytes, chunked: bool) -> None:
    writer.write(head)
    sent = 0
    while sent < FLOOD_BYTES:
        writer.write(b"%x\r\n%s\r\n" % (len(CHUNK), CHUNK) if chunked else CHUNK)
        await writer.drain()
        sent += len(CHUNK)
    while True:  # a byte a second: httpx's read timeout (5 s) never fires
        await asyncio.sleep(1)
        writer.write(b"1\r\nx\r\n" if chunked else b"x")
        await writer.drain()


async def declared_huge(writer: asyncio.StreamWriter) -> None:
    head = b"HTTP/1.1 202 Accepted\r\ncontent-length: 1099511627776\r\n\r\n"
    await _flood_then_trickle(writer, head, chunked=False)


async def chunked_endless(writer: asyncio.StreamWriter) -> None:
    head = b"HTTP/1.1 202 Accepted\r\ntransfer-encoding: chunked\r\n\r\n"
    await _flood_then_trickle(writer, head, chunked=True)


async def short_but_dripped(writer: asyncio.StreamWriter) -> None:
    body = b'{"accepted":true}'
    writer.write(b"HTTP/1.1 202 Accepted\r\ncontent-length: %d\r\n\r\n" % len(body))
    for byte in body:
        writer.write(bytes([byte]))
        await writer.drain()
        await asyncio.sleep(1)


async def _post_once(answer: Answer, wait_s: float) -> tuple[dict[str, float], float]:
    """Post one message to a peer answering with answer; the outcomes counted within
    wait_s and how long the first one took (wait_s if none)."""

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await _read_post(reader)
            await answer(writer)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass  # the honest node hung up on us (or the test ended): what the test wants
        finally:
            writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    metrics = NodeMetrics()
    peer = Peer(name="a", public_key=A.public_key, url=f"http://127.0.0.1:{port}")
    transport = PeerTransport(ME, CHAIN_ID, [peer], metrics=metrics)
    transport.start()
    loop = asyncio.get_running_loop()
    started = loop.time()
    try:
        transport.send(A.public_key, PeerKind.CONSENSUS, {"kind": "status", "height": 1})
        while loop.time() - started < wait_s and not _outcomes(metrics):
            await asyncio.sleep(0.05)
        return _outcomes(metrics), loop.time() - started
    finally:
        await transport.stop()
        server.close()


def _outcomes(metrics: NodeMetrics) -> dict[str, float]:
    return {
        sample.labels["outcome"]: sample.value
        for family in metrics.peer_sends.collect()
        for sample in family.samples
        if sample.name.endswith("_total") and sample.value
    }


@pytest.mark.parametrize("answer", [declared_huge, chunked_endless], ids=lambda a: a.__name__)
def test_an_answer_past_its_byte_bound_is_cut_off(answer: Answer) -> None:
    outcomes, took_s = asyncio.run(_post_once(answer, wait_s=8.0))
    assert outcomes == {"bad_answer": 1.0}, outcomes
    assert took_s < 5.0


def test_an_answer_whose_bytes_stop_coming_is_cut_off() -> None:
    # Its headers at once, then a byte a second: cut BODY_GRACE_S (2 s) after its headers.
    outcomes, took_s = asyncio.run(_post_once(short_but_dripped, wait_s=8.0))
    assert outcomes == {"bad_answer": 1.0}, outcomes
    assert 2.0 <= took_s < 5.0


def test_headers_dripped_past_the_post_deadline_are_cut_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def dripped_headers(writer: asyncio.StreamWriter) -> None:
        for byte in b"HTTP/1.1 202 Accepted\r\nx-padding: " + b"x" * 60:
            writer.write(bytes([byte]))
            await writer.drain()
            await asyncio.sleep(1)

    monkeypatch.setattr(transport_module, "POST_DEADLINE_S", 2.0)
    outcomes, took_s = asyncio.run(_post_once(dripped_headers, wait_s=8.0))
    assert outcomes == {"bad_answer": 1.0}, outcomes
    assert 2.0 <= took_s < 5.0


def test_an_honest_answer_is_read_within_the_bounds() -> None:
    async def accepted(writer: asyncio.StreamWriter) -> None:
        body = b'{"accepted":true}'
        writer.write(b"HTTP/1.1 202 Accepted\r\ncontent-length: %d\r\n\r\n%s" % (len(body), body))
        await writer.drain()

    outcomes, _ = asyncio.run(_post_once(accepted, wait_s=8.0))
    assert outcomes == {"sent": 1.0}
