"""node/transport.py: what waits for one peer is bounded in bytes, not only in messages."""

from node.peer_envelope import PeerKind
from node.transport import QUEUE_BYTES_MAX, Peer, PeerTransport
from protocol.hashing import Hash32
from protocol.signing import SigningKey

CHAIN_ID = Hash32(bytes(32))
ME, A = SigningKey(bytes([1]) * 32), SigningKey(bytes([3]) * 32)
BLOCK = 4 * 1024 * 1024


def test_a_peer_that_does_not_take_its_blocks_holds_a_bounded_queue() -> None:
    # A Byzantine validator asked the honest ones for old blocks again and again (a status
    # naming an old height is answered with up to four commits) and took its answers 4 s
    # late: each honest node queued 1,675 commits to it (87 -> 520 MiB resident in 10 s, a
    # 2,000-message queue of 8 MiB blocks is 16 GB). Now the oldest go past QUEUE_BYTES_MAX.
    transport = PeerTransport(
        ME, CHAIN_ID, [Peer(name="a", public_key=A.public_key, url="http://a:1")]
    )
    data = b"x" * BLOCK
    for _ in range(100):
        transport.send_sealed(A.public_key, PeerKind.CONSENSUS, data)
    assert transport.queue_bytes()["a"] <= QUEUE_BYTES_MAX
    assert transport.queue_depths()["a"] == QUEUE_BYTES_MAX // BLOCK
    small = b"y" * 100
    transport.send_sealed(A.public_key, PeerKind.CONSENSUS, small)
    assert transport.queue_bytes()["a"] <= QUEUE_BYTES_MAX


def test_one_envelope_over_the_bound_is_still_sent() -> None:
    transport = PeerTransport(
        ME, CHAIN_ID, [Peer(name="a", public_key=A.public_key, url="http://a:1")]
    )
    transport.send_sealed(A.public_key, PeerKind.CONSENSUS, b"x" * (QUEUE_BYTES_MAX + 1))
    assert transport.queue_depths()["a"] == 1
