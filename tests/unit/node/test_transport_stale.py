"""node/transport.py: a message that waited in a peer's queue past MESSAGE_AGE_MAX_S is
dropped unsent (hostile pass of stop 49). A peer that answered each post slowly had every
message it was sent reach it hours late: its queue held QUEUE_MESSAGES_MAX messages, each
posted only once the four before it were answered."""

import asyncio

from node.metrics.registry import NodeMetrics
from node.peer_envelope import PeerKind
from node.transport import MESSAGE_AGE_MAX_S, SENDERS_PER_PEER, Peer, PeerTransport
from protocol.hashing import Hash32
from protocol.signing import SigningKey
from tests.unit.node.held_peer import start_held_peer
from tests.unit.node.test_transport_answers import _outcomes

CHAIN_ID = Hash32(bytes(32))
ME, A = SigningKey(bytes([1]) * 32), SigningKey(bytes([3]) * 32)
WAIT_S = 10.0


class Clock:
    def __init__(self) -> None:
        self.now_s = 1000.0

    def __call__(self) -> float:
        return self.now_s


async def _posts_after_a_stall() -> tuple[list[bytes], dict[str, float]]:
    """Hold the peer's first posts unanswered, queue messages behind them, let them age
    past the bound, queue one more, then answer: what the peer received, the outcomes."""
    release = asyncio.Event()
    received: list[bytes] = []

    server, port = await start_held_peer(release, received)
    metrics, clock = NodeMetrics(), Clock()
    peer = Peer(name="a", public_key=A.public_key, url=f"http://127.0.0.1:{port}")
    transport = PeerTransport(ME, CHAIN_ID, [peer], metrics=metrics, clock=clock)
    transport.start()
    loop = asyncio.get_running_loop()
    try:
        for index in range(SENDERS_PER_PEER):  # every sender waits for its answer
            transport.send_sealed(A.public_key, PeerKind.CONSENSUS, b"held-%d" % index)
        while len(received) < SENDERS_PER_PEER:
            await asyncio.sleep(0.01)
        for index in range(3):
            transport.send_sealed(A.public_key, PeerKind.CONSENSUS, b"stale-%d" % index)
        clock.now_s += MESSAGE_AGE_MAX_S + 1
        transport.send_sealed(A.public_key, PeerKind.CONSENSUS, b"fresh")
        release.set()
        deadline = loop.time() + WAIT_S
        while _outcomes(metrics).get("sent", 0) < SENDERS_PER_PEER + 1:
            assert loop.time() < deadline, _outcomes(metrics)
            await asyncio.sleep(0.01)
        return received, _outcomes(metrics)
    finally:
        await transport.stop()
        server.close()


def test_a_message_queued_past_its_age_bound_is_dropped_unsent() -> None:
    received, outcomes = asyncio.run(_posts_after_a_stall())
    assert sorted(received) == sorted([b"held-0", b"held-1", b"held-2", b"held-3", b"fresh"])
    assert outcomes == {"sent": SENDERS_PER_PEER + 1, "dropped_stale": 3}, outcomes
