"""node/transport.py set_peers: the peer list changes without a restart (ADR 0022, 0023)."""

import asyncio

from node.peer_envelope import PeerKind
from node.transport import PEER_LINKS_MAX, Peer, PeerTransport
from protocol.hashing import Hash32
from protocol.signing import SigningKey

CHAIN_ID = Hash32(bytes(32))
ME, ME_NEXT, A, A_NEXT, B = (SigningKey(bytes([n]) * 32) for n in (1, 2, 3, 4, 5))


def peer(name: str, key: SigningKey, url: str) -> Peer:
    return Peer(name=name, public_key=key.public_key, url=url)


def test_a_rotated_peer_key_reaches_the_same_address() -> None:
    transport = PeerTransport(ME, CHAIN_ID, [peer("a", A, "http://a:1")])
    assert not transport.set_peers([peer("a", A, "http://a:1")])
    assert transport.set_peers([peer("a", A_NEXT, "http://a:1")])
    transport.send(A_NEXT.public_key, PeerKind.CONSENSUS, {"x": 1})
    transport.send(A.public_key, PeerKind.CONSENSUS, {"x": 2})  # no longer a peer key
    assert transport.queue_depths() == {"a": 1}


def test_added_addresses_get_a_link_and_removed_ones_lose_it() -> None:
    async def run() -> dict[str, int]:
        transport = PeerTransport(ME, CHAIN_ID, [peer("a", A, "http://a:1")])
        transport.start()
        try:
            transport.set_peers([peer("a", A, "http://a:1"), peer("b", B, "http://b:1")])
            links = transport._links
            assert sorted(links) == ["http://a:1", "http://b:1"]
            assert all(len(link.tasks) > 0 for link in links.values())
            transport.set_peers([peer("b", B, "http://b:1")])
            assert sorted(transport._links) == ["http://b:1"]
            # One envelope per address, whatever number of keys it serves.
            transport.set_peers([peer("b", B, "http://b:1"), peer("b", A, "http://b:1")])
            await asyncio.sleep(0)
            return {url: len(link.tasks) for url, link in transport._links.items()}
        finally:
            await transport.stop()

    assert list(asyncio.run(run())) == ["http://b:1"]


def test_own_keys_and_excess_addresses_are_never_peers() -> None:
    own = frozenset({ME_NEXT.public_key})
    transport = PeerTransport(ME, CHAIN_ID, [], own_keys=own)
    transport.set_peers([peer("me", ME, "http://me:1"), peer("me", ME_NEXT, "http://me:1")])
    assert transport.peers == []
    transport.use_key(ME_NEXT)
    many = [
        peer(f"p{n}", SigningKey(n.to_bytes(2, "big") * 16), f"http://p{n}:1")
        for n in range(PEER_LINKS_MAX + 5)
    ]
    transport.set_peers(many)
    assert len(transport.queue_depths()) == PEER_LINKS_MAX


class OldPeer:
    """A peer of an older build on 127.0.0.1: 404 for /peer/proposal, 202 for the rest.
    Records the path and body of every POST it answers."""

    def __init__(self) -> None:
        self.posts: list[tuple[str, bytes]] = []
        self.answered = asyncio.Event()

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
                path = head[0].split(" ")[1]
                sizes = [
                    line.split(":", 1)[1]
                    for line in head
                    if line.lower().startswith("content-length")
                ]
                self.posts.append((path, await reader.readexactly(int(sizes[0]))))
                status = b"404 Not Found" if path == "/peer/proposal" else b"202 Accepted"
                writer.write(b"HTTP/1.1 " + status + b"\r\ncontent-length: 2\r\n\r\n{}")
                await writer.drain()
                self.answered.set()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass  # the transport closed its connection
        finally:
            writer.close()


def test_a_peer_without_a_kinds_route_gets_the_fallback_then_only_that() -> None:
    """ADR 0036's rolling upgrade: a compact proposal answered 404 is sent again in the
    whole form, and later proposals go to that peer whole from the start."""

    async def run() -> tuple[list[tuple[str, bytes]], int]:
        old = OldPeer()
        server = await asyncio.start_server(old.serve, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        transport = PeerTransport(ME, CHAIN_ID, [peer("old", A, f"http://127.0.0.1:{port}")])
        fallbacks: list[int] = []

        def whole(n: int) -> tuple[PeerKind, bytes]:
            fallbacks.append(n)
            return PeerKind.CONSENSUS, b"whole %d" % n

        async def settle(posts: int) -> None:
            while len(old.posts) < posts:
                old.answered.clear()
                await asyncio.wait_for(old.answered.wait(), 10)

        transport.start()
        try:
            transport.broadcast_or_fallback(PeerKind.PROPOSAL, b"compact 1", lambda: whole(1))
            await settle(2)
            transport.broadcast_or_fallback(PeerKind.PROPOSAL, b"compact 2", lambda: whole(2))
            await settle(3)
        finally:
            await transport.stop()
            server.close()
            await server.wait_closed()
        return old.posts, len(fallbacks)

    posts, fallbacks = asyncio.run(run())
    assert posts == [
        ("/peer/proposal", b"compact 1"),
        ("/peer/consensus", b"whole 1"),
        ("/peer/consensus", b"whole 2"),
    ]
    assert fallbacks == 2


def test_an_address_keeps_the_name_of_the_first_peer_listed_at_it() -> None:
    # Hostile pass of stop 48: a validator may announce any address for its own key (ADR
    # 0023), another validator's too. The link to that address was named after the last
    # key listed there, the announcer (node.toml's peers come first): the honest peer's
    # sends and queue were labelled with the Byzantine validator's name.
    transport = PeerTransport(ME, CHAIN_ID, [])
    transport.set_peers([peer("ningbo", A, "http://ningbo:1"), peer("court", B, "http://ningbo:1")])
    assert transport.queue_depths() == {"ningbo": 0}
