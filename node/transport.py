"""Outgoing peer traffic: one queue and a few sender tasks per peer, over keep-alive HTTP.

Sends never block the caller: a message is queued and the peer's task posts it. A full
queue drops its oldest message, and a failed post is dropped too (consensus retransmits
its current round; sync fetches what a peer missed), so a dead peer cannot stall a node.
"""

import asyncio
import logging
import ssl
import time
from dataclasses import dataclass

import httpx

from node.metrics.registry import NodeMetrics
from node.peer_envelope import PeerKind, seal_envelope
from protocol.encoding import JsonObject
from protocol.hashing import Hash32
from protocol.signing import PublicKey, SigningKey

QUEUE_MESSAGES_MAX = 2000
POST_TIMEOUT_S = 5.0
SENDERS_PER_PEER = 4
"""Posts in flight per peer. With one, a link carries one message per round trip and a
stalled post holds the queue for POST_TIMEOUT_S: a height needs ~10 messages per peer, so
at 400 ms round trips rounds timed out and the chain stopped (tests/chaos delay_loss: 0
heights in 20 s at 200 ms each way with 10 % loss on one validator's links; 24 a minute
with four). Consensus does not depend on the order messages arrive in."""
log = logging.getLogger("lantan.transport")


@dataclass(frozen=True, slots=True, kw_only=True)
class Peer:
    name: str
    public_key: PublicKey
    url: str
    """Base URL, e.g. http://127.0.0.1:7102."""


class PeerTransport:
    """Signed, queued, best-effort delivery to the other validators."""

    def __init__(
        self,
        key: SigningKey,
        chain_id: Hash32,
        peers: list[Peer],
        *,
        verify: ssl.SSLContext | bool = True,
        metrics: NodeMetrics | None = None,
    ) -> None:
        self._verify = verify
        self._metrics = metrics or NodeMetrics()
        self._key = key
        self._chain_id = chain_id
        self._peers = {peer.public_key: peer for peer in peers if peer.public_key != key.public_key}
        self._queues: dict[PublicKey, asyncio.Queue[tuple[PeerKind, bytes]]] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._client: httpx.AsyncClient | None = None

    @property
    def peers(self) -> list[Peer]:
        return list(self._peers.values())

    def queue_depths(self) -> dict[str, int]:
        """Peer name -> messages waiting to be posted."""
        depths: dict[str, int] = {}
        for key, queue in self._queues.items():
            name = self._peers[key].name
            depths[name] = depths.get(name, 0) + queue.qsize()
        return depths

    def start(self) -> None:
        connections = SENDERS_PER_PEER * max(1, len(self._peers))
        limits = httpx.Limits(max_keepalive_connections=connections, max_connections=connections)
        self._client = httpx.AsyncClient(timeout=POST_TIMEOUT_S, limits=limits, verify=self._verify)
        for key, peer in self._peers.items():
            queue: asyncio.Queue[tuple[PeerKind, bytes]] = asyncio.Queue(QUEUE_MESSAGES_MAX)
            self._queues[key] = queue
            for _ in range(SENDERS_PER_PEER):
                self._tasks.append(asyncio.create_task(self._deliver(peer, queue)))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._client is not None:
            await self._client.aclose()

    def send(self, to: PublicKey, kind: PeerKind, body: JsonObject) -> None:
        self.send_sealed(to, kind, self.seal(kind, body))

    def seal(self, kind: PeerKind, body: JsonObject) -> bytes:
        """The signed envelope of body: CPU work, safe on any thread (a large body can be
        sealed off the event loop, then queued with send_sealed)."""
        return seal_envelope(self._key, self._chain_id, kind, body)

    def send_sealed(self, to: PublicKey, kind: PeerKind, data: bytes) -> None:
        """Queue an envelope made by seal for one peer."""
        queue = self._queues.get(to)
        if queue is None:
            self._metrics.peer_sends.labels(peer="unknown", outcome="unknown_peer").inc()
            return
        self._enqueue(to, queue, kind, data)

    def broadcast(self, kind: PeerKind, body: JsonObject) -> None:
        self.broadcast_sealed(kind, seal_envelope(self._key, self._chain_id, kind, body))

    def broadcast_sealed(self, kind: PeerKind, data: bytes) -> None:
        """Queue an envelope sealed earlier by this node's key (evidence re-gossip sends the
        same bytes again without signing them again)."""
        for to, queue in self._queues.items():
            self._enqueue(to, queue, kind, data)

    def _enqueue(
        self,
        to: PublicKey,
        queue: "asyncio.Queue[tuple[PeerKind, bytes]]",
        kind: PeerKind,
        data: bytes,
    ) -> None:
        if queue.full():
            queue.get_nowait()
            self._count(self._peers[to], "dropped_queue_full")
        queue.put_nowait((kind, data))

    def _count(self, peer: Peer, outcome: str) -> None:
        self._metrics.peer_sends.labels(peer=peer.name, outcome=outcome).inc()

    async def _deliver(self, peer: Peer, queue: "asyncio.Queue[tuple[PeerKind, bytes]]") -> None:
        assert self._client is not None
        while True:
            kind, data = await queue.get()
            url = f"{peer.url}/peer/{kind.value}"
            started = time.monotonic()
            try:
                response = await self._client.post(
                    url, content=data, headers={"content-type": "application/octet-stream"}
                )
            except httpx.HTTPError as error:
                self._sent(peer, "failed", started)
                log.debug("peer %s unreachable: %s", peer.name, error)
                continue
            if response.status_code >= 400:
                self._sent(peer, "refused", started)
                log.warning("peer %s refused %s: %s", peer.name, kind.value, response.text[:200])
            else:
                self._sent(peer, "sent", started)

    def _sent(self, peer: Peer, outcome: str, started: float) -> None:
        self._metrics.peer_send.labels(peer=peer.name).observe(time.monotonic() - started)
        self._count(peer, outcome)
