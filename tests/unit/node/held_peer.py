"""A peer for transport tests: it records each post's body and answers 202 only once the
test releases it, so a test holds the sender's posts in flight as long as it needs."""

import asyncio

from tests.unit.node.test_transport_answers import _read_post


async def start_held_peer(
    release: asyncio.Event, received: list[bytes]
) -> tuple[asyncio.Server, int]:
    """The server (close it after) and its port on 127.0.0.1."""

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                received.append(await _read_post(reader))
                await release.wait()
                body = b'{"accepted":true}'
                writer.write(b"HTTP/1.1 202 Accepted\r\ncontent-length: %d\r\n\r\n" % len(body))
                writer.write(body)
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]
