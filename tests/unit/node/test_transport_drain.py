"""node/transport.py drain(): a stopping node waits, bounded, for what it queued last (its
hand-over of pending txs, node/tx_relay.py) to be posted before stop() cancels the senders."""

import asyncio
import socket

from node.peer_envelope import PeerKind
from node.transport import Peer, PeerTransport
from protocol.hashing import Hash32
from protocol.signing import SigningKey
from tests.unit.node.held_peer import start_held_peer

CHAIN_ID = Hash32(bytes(32))
ME, A = SigningKey(bytes([1]) * 32), SigningKey(bytes([3]) * 32)


async def _drains_once_answered() -> tuple[bool, bool, list[bytes]]:
    """Three posts to a peer that answers only once released: drain before and after."""
    release = asyncio.Event()
    received: list[bytes] = []

    server, port = await start_held_peer(release, received)
    peer = Peer(name="a", public_key=A.public_key, url=f"http://127.0.0.1:{port}")
    transport = PeerTransport(ME, CHAIN_ID, [peer])
    transport.start()
    try:
        for index in range(3):
            transport.send_sealed(A.public_key, PeerKind.TXS, b"last-%d" % index)
        held = await transport.drain(0.3)
        release.set()
        answered = await transport.drain(5.0)
        return held, answered, received
    finally:
        await transport.stop()
        server.close()


def test_drain_waits_for_the_posts_queued_and_is_bounded() -> None:
    held, answered, received = asyncio.run(_drains_once_answered())
    assert held is False  # the peer had not answered within 0.3 s: given up on, not waited for
    assert answered is True
    assert sorted(received) == [b"last-0", b"last-1", b"last-2"]


def test_drain_gives_up_on_an_unreachable_peer_at_once() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    async def scenario() -> bool:
        peer = Peer(name="a", public_key=A.public_key, url=f"http://127.0.0.1:{port}")
        transport = PeerTransport(ME, CHAIN_ID, [peer])
        transport.start()
        try:
            transport.send_sealed(A.public_key, PeerKind.TXS, b"last")
            return await transport.drain(5.0)
        finally:
            await transport.stop()

    assert asyncio.run(scenario()) is True
