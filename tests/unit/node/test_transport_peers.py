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
