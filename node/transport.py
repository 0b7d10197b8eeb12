"""Outgoing peer traffic: one queue and a few sender tasks per peer, over keep-alive HTTP.

Sends never block the caller: a message is queued and the peer's task posts it. A full
queue drops its oldest message, and a failed post is dropped too (consensus retransmits
its current round; sync fetches what a peer missed), so a dead peer cannot stall a node; so
is a message that waited in its queue past MESSAGE_AGE_MAX_S.
"""

import asyncio
import logging
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from node.metrics.registry import NodeMetrics
from node.peer_envelope import PeerKind, seal_envelope
from node.peer_errors import describe_peer_error, describe_refusal
from node.sync_fetch import PeerAnswerError, request_bounded
from protocol.encoding import JsonObject
from protocol.hashing import Hash32
from protocol.signing import PublicKey, SigningKey

QUEUE_MESSAGES_MAX = 2000
QUEUE_BYTES_MAX = 64 * 1024 * 1024
"""...and at most this many envelope bytes wait for one peer (the oldest go first, as past
QUEUE_MESSAGES_MAX; one envelope larger than it is still queued alone). Bounded by count
alone, a Byzantine validator that asked for old blocks without pause (each status naming an
old height is answered with up to four commits) and took its answers slowly had each honest
node queue 2,000 blocks for it: 87 -> 520 MiB resident in 10 s, and 16 GB of 8 MiB blocks."""
MESSAGE_AGE_MAX_S = 30.0
"""A message that waited this long for a sender to post it is dropped unsent
(`lantan_peer_sends_total{outcome="dropped_stale"}`). A peer that takes each post slowly (a
Byzantine validator answering 30 s late, or a slow link) drains 4 posts per answer time
while a busy chain queues ~10 messages a height for it: its queue fills to
QUEUE_MESSAGES_MAX and each message reached it hours after it was sent, votes of heights
long decided ahead of the current round's. Consensus retransmits its current round, block
sync fetches what a peer missed and evidence is gossiped again, so nothing is lost."""
PEER_LINKS_MAX = 64
"""Peer addresses one node posts to: peers come from node.toml and the chain's validator
sets (ADR 0023), both small; the bound keeps a mistaken list from opening sockets without
end."""
POST_TIMEOUT_S = 5.0
"""Each read or write of a post (httpx's timeout): it bounds one read alone, not the post."""
POST_DEADLINE_S = 30.0
"""The whole of one post, from the request to its answer's last byte (an 8 MiB block at
0.3 MB/s fits). Its answer's bytes must also keep coming once its headers are in
(node/sync_fetch.py request_bounded, the rule block sync's reads keep)."""
ANSWER_BYTES_MAX = 64 * 1024
"""A peer's answer to a post is {"accepted": ...} or a short error; more is refused while it
streams in. httpx's post read the whole answer into memory, each read bounded by
POST_TIMEOUT_S alone: a Byzantine validator answering with 1 TiB grew every honest node that
posted to it by what it sent, and one sending a byte a second held the sender for ever."""
SENDERS_PER_PEER = 4
"""Posts in flight per peer. With one, a link carries one message per round trip and a
stalled post holds the queue for POST_TIMEOUT_S: a height needs ~10 messages per peer, so
at 400 ms round trips rounds timed out and the chain stopped (tests/chaos delay_loss: 0
heights in 20 s at 200 ms each way with 10 % loss on one validator's links; 24 a minute
with four). Consensus does not depend on the order messages arrive in."""
log = logging.getLogger("lantan.transport")
Sealed = tuple[PeerKind, bytes]
"""A sealed envelope and the kind (path) it is posted to."""
Queued = tuple[PeerKind, bytes, Callable[[], Sealed] | None, float]
"""A sealed envelope, its kind, its fallback form (ADR 0036) and when it was queued (s)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Peer:
    name: str
    public_key: PublicKey
    url: str
    """Base URL, e.g. http://127.0.0.1:7102."""


class PeerTransport:
    """Signed, queued, best-effort delivery to the other validators.

    One link (a queue and its sender tasks) per peer address; peer keys map to addresses.
    The peer list can change while running (set_peers: a rotated key, an announced
    validator, ADR 0022/0023), and so can this node's own key (use_key).
    """

    def __init__(
        self,
        key: SigningKey,
        chain_id: Hash32,
        peers: list[Peer],
        *,
        verify: ssl.SSLContext | bool = True,
        metrics: NodeMetrics | None = None,
        own_keys: frozenset[PublicKey] = frozenset(),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._verify = verify
        self._clock = clock
        self._metrics = metrics or NodeMetrics()
        self._key = key
        self._own_keys = own_keys | {key.public_key}
        self._chain_id = chain_id
        self._peers: dict[PublicKey, Peer] = {}
        self._links: dict[str, _Link] = {}
        self._client: httpx.AsyncClient | None = None
        self.set_peers(peers)

    @property
    def peers(self) -> list[Peer]:
        return list(self._peers.values())

    def queue_depths(self) -> dict[str, int]:
        """Peer name -> messages waiting to be posted."""
        return {link.name: link.queue.qsize() for link in self._links.values()}

    def queue_bytes(self) -> dict[str, int]:
        """Peer name -> envelope bytes waiting to be posted."""
        return {link.name: link.queued_bytes for link in self._links.values()}

    def start(self) -> None:
        connections = SENDERS_PER_PEER * PEER_LINKS_MAX
        limits = httpx.Limits(max_keepalive_connections=connections, max_connections=connections)
        self._client = httpx.AsyncClient(
            timeout=POST_TIMEOUT_S,
            limits=limits,
            verify=self._verify,
            headers={"content-type": "application/octet-stream"},
        )
        for link in self._links.values():
            self._start_link(link)

    async def drain(self, timeout_s: float) -> bool:
        """Wait until every envelope queued now has been posted or given up on, at most
        timeout_s: a stopping node's last messages (TxRelay.hand_over) go out before stop()
        cancels the senders. True when every queue emptied in time."""
        joins = [link.queue.join() for link in self._links.values()]
        try:
            await asyncio.wait_for(asyncio.gather(*joins), timeout_s)
        except TimeoutError:
            return False
        return True

    async def stop(self) -> None:
        tasks = [task for link in self._links.values() for task in link.tasks]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._client is not None:
            await self._client.aclose()

    @property
    def sealing_key(self) -> PublicKey:
        """The public key of the key that seals now (use_key changes it)."""
        return self._key.public_key

    def use_key(self, key: SigningKey) -> None:
        """Seal from now on with key (a rotated validator key, ADR 0022)."""
        self._key = key
        self._own_keys = self._own_keys | {key.public_key}

    def set_peers(self, peers: list[Peer]) -> bool:
        """Make peers the peer list; True when it changed. Requires at most PEER_LINKS_MAX
        addresses (more are ignored and logged). A new address gets a link (its senders
        start now if the transport runs); a link whose address left is stopped."""
        wanted: dict[PublicKey, Peer] = {}
        for peer in peers:
            if peer.public_key in self._own_keys or peer.public_key in wanted:
                continue
            known = {p.url for p in wanted.values()}
            if peer.url not in known and len(known) >= PEER_LINKS_MAX:
                log.warning("more than %d peer addresses; %s ignored", PEER_LINKS_MAX, peer.url)
                continue
            wanted[peer.public_key] = peer
        if wanted == self._peers:
            return False
        self._peers = wanted
        urls: dict[str, str] = {}
        for peer in wanted.values():
            # The first name listed at an address (node.toml's peers come first): any
            # validator may announce another's address for its own key (ADR 0023).
            urls.setdefault(peer.url, peer.name)
        for url in [u for u in self._links if u not in urls]:
            for task in self._links.pop(url).tasks:
                task.cancel()
        for url, name in urls.items():
            if url not in self._links:
                self._links[url] = _Link(
                    name=name, url=url, queue=asyncio.Queue(QUEUE_MESSAGES_MAX)
                )
                if self._client is not None:
                    self._start_link(self._links[url])
        return True

    def _start_link(self, link: "_Link") -> None:
        for _ in range(SENDERS_PER_PEER):
            link.tasks.append(asyncio.create_task(self._deliver(link)))

    def send(self, to: PublicKey, kind: PeerKind, body: JsonObject) -> None:
        self.send_sealed(to, kind, self.seal(kind, body))

    def seal(self, kind: PeerKind, body: JsonObject) -> bytes:
        """The signed envelope of body: CPU work, safe on any thread (a large body can be
        sealed off the event loop, then queued with send_sealed)."""
        return seal_envelope(self._key, self._chain_id, kind, body)

    def send_sealed(self, to: PublicKey, kind: PeerKind, data: bytes) -> None:
        """Queue an envelope made by seal for one peer."""
        peer = self._peers.get(to)
        link = None if peer is None else self._links.get(peer.url)
        if link is None:
            self._metrics.peer_sends.labels(peer="unknown", outcome="unknown_peer").inc()
            return
        self._enqueue(link, kind, data)

    def send_to_address(self, url: str, kind: PeerKind, body: JsonObject) -> None:
        """Queue body for the peer at url (a node.toml address, as block sync polls it).
        Nothing when no link has that address (the chain announced another one for that
        validator, ADR 0023): this is an extra send, the retransmission still reaches it."""
        link = self._links.get(url)
        if link is not None:
            self._enqueue(link, kind, self.seal(kind, body))

    def broadcast(self, kind: PeerKind, body: JsonObject) -> None:
        self.broadcast_sealed(kind, seal_envelope(self._key, self._chain_id, kind, body))

    def broadcast_sealed(self, kind: PeerKind, data: bytes) -> None:
        """Queue an envelope sealed earlier by this node's key (evidence re-gossip sends the
        same bytes again without signing them again, while sealing_key is the key that
        sealed them). Each address gets it once."""
        for link in self._links.values():
            self._enqueue(link, kind, data)

    def broadcast_or_fallback(
        self, kind: PeerKind, data: bytes, fallback: Callable[[], Sealed]
    ) -> None:
        """Broadcast an envelope of a kind older builds lack (they answer 404 on its path);
        such a peer gets fallback() instead, now and from then on. fallback is called at
        most once per call, and only for such a peer (it may seal a large envelope)."""
        sealed: list[Sealed] = []

        def once() -> Sealed:
            if not sealed:
                sealed.append(fallback())
            return sealed[0]

        for link in self._links.values():
            if kind in link.lacks:
                self._enqueue(link, *once())
            else:
                self._enqueue(link, kind, data, once)

    def _enqueue(
        self,
        link: "_Link",
        kind: PeerKind,
        data: bytes,
        fallback: Callable[[], Sealed] | None = None,
    ) -> None:
        while not link.queue.empty() and (
            link.queue.full() or link.queued_bytes + len(data) > QUEUE_BYTES_MAX
        ):
            link.queued_bytes -= len(link.queue.get_nowait()[1])
            link.queue.task_done()
            self._count(link.name, "dropped_queue_full")
        link.queue.put_nowait((kind, data, fallback, self._clock()))
        link.queued_bytes += len(data)

    def _count(self, name: str, outcome: str) -> None:
        self._metrics.peer_sends.labels(peer=name, outcome=outcome).inc()

    async def _deliver(self, link: "_Link") -> None:
        while True:
            queued = await link.queue.get()
            try:
                await self._post(link, *queued)
            finally:
                # drain() waits on the queue's count of messages not yet dealt with.
                link.queue.task_done()

    async def _post(
        self,
        link: "_Link",
        kind: PeerKind,
        data: bytes,
        fallback: Callable[[], Sealed] | None,
        queued_s: float,
    ) -> None:
        assert self._client is not None
        link.queued_bytes -= len(data)
        if self._clock() - queued_s > MESSAGE_AGE_MAX_S:
            self._count(link.name, "dropped_stale")
            log.info("peer %s: a %s message queued too long, dropped", link.name, kind.value)
            return
        url = f"{link.url}/peer/{kind.value}"
        started = time.monotonic()
        try:
            status, answer = await request_bounded(
                self._client,
                "POST",
                url,
                ANSWER_BYTES_MAX,
                deadline_s=POST_DEADLINE_S,
                head_deadline_s=POST_DEADLINE_S,
                content=data,
            )
        except httpx.HTTPError as error:
            self._sent(link.name, "failed", started)
            log.debug("peer %s unreachable: %s", link.name, describe_peer_error(error))
            return
        except PeerAnswerError as error:
            self._sent(link.name, "bad_answer", started)
            log.warning("peer %s: answer to a post cut off: %s", link.name, error)
            return
        if status == 404 and fallback is not None:
            # A build without this kind's route: the same message in the form it knows,
            # and that form only from now on (ADR 0036's rolling upgrade).
            link.lacks.add(kind)
            self._sent(link.name, "fallback", started)
            log.info("peer %s lacks /peer/%s; sending the older form", link.name, kind.value)
            self._enqueue(link, *fallback())
        elif status >= 400:
            self._sent(link.name, "refused", started)
            text = describe_refusal(status, answer)
            log.warning("peer %s refused %s: %s", link.name, kind.value, text)
        else:
            self._sent(link.name, "sent", started)

    def _sent(self, name: str, outcome: str, started: float) -> None:
        self._metrics.peer_send.labels(peer=name).observe(time.monotonic() - started)
        self._count(name, outcome)


@dataclass(slots=True, kw_only=True)
class _Link:
    """One peer address: its queue of sealed envelopes and the tasks that post them."""

    name: str
    url: str
    queue: "asyncio.Queue[Queued]"
    tasks: list["asyncio.Task[None]"] = field(default_factory=list)
    lacks: set[PeerKind] = field(default_factory=set)
    """Kinds this peer answered 404 for: it gets their fallback form directly."""
    queued_bytes: int = 0
    """The bytes of the envelopes in queue (QUEUE_BYTES_MAX)."""
