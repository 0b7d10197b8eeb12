"""node/tx_relay.py over two real NodeServices (LevelDB in tmp_path) joined by a recording
wire: a client's txs cost peers an id each, not a copy; a peer that lacks some fetches
them; a peer that announces and never serves leaves nothing behind."""

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from node.chain_events import ChainEvents
from node.checkpoints import CheckpointBook
from node.mempool import Mempool
from node.metrics.scrape import NodeStateCollector
from node.peer_envelope import PeerKind, open_envelope
from node.peering import PeerInbox
from node.readiness import Readiness
from node.service import NodeService
from node.sync_state import SyncState
from node.transport import PeerTransport
from node.tx_relay import ANNOUNCE_AFTER_MS, HAND_OVER_WINDOW_MS, TxRelay, ids_body
from node.tx_wants import GRACE_MS
from protocol.encoding import JsonObject
from protocol.signing import PublicKey, SigningKey
from protocol.tx import SignedTx
from tests.fakes.manual_clock import NodeClock
from tests.unit.node.chain_kit import (
    CHAIN_ID,
    GENESIS_TIME_MS,
    VALIDATOR_KEYS,
    account_open,
    open_ledger,
)

NOW_MS = GENESIS_TIME_MS + 10_000


@dataclass(frozen=True, slots=True)
class Sent:
    sender: PublicKey
    to: PublicKey
    kind: PeerKind
    body: JsonObject
    wire_bytes: int


class Wire(PeerTransport):
    """Records every envelope (sealed and opened for real, to count its bytes) for Net."""

    def __init__(self, key: SigningKey, net: "Net") -> None:
        super().__init__(key, CHAIN_ID, [])
        self.me, self.net = key, net

    def send_sealed(self, to: PublicKey, kind: PeerKind, data: bytes) -> None:
        envelope = open_envelope(data, CHAIN_ID, kind, frozenset({self.me.public_key}))
        self.net.sent.append(Sent(self.me.public_key, to, kind, envelope.body, len(data)))

    def broadcast(self, kind: PeerKind, body: JsonObject) -> None:
        self.broadcast_sealed(kind, self.seal(kind, body))

    def broadcast_sealed(self, kind: PeerKind, data: bytes) -> None:
        for to in self.net.nodes:
            if to != self.me.public_key:
                self.send_sealed(to, kind, data)


class Net:
    def __init__(self) -> None:
        self.nodes: dict[PublicKey, NodeService] = {}
        self.sent: list[Sent] = []
        self.clock = NodeClock(NOW_MS)

    def relay(self, key: PublicKey) -> TxRelay:
        relay = self.nodes[key].relay
        assert relay is not None
        return relay

    def announce_all(self) -> None:
        """Let ANNOUNCE_AFTER_MS pass and announce what is due (the relay's loop does)."""
        self.clock.now += ANNOUNCE_AFTER_MS
        for key in self.nodes:
            self.relay(key).announce_due()

    async def deliver(self) -> None:
        """Hand every recorded message to its receiver, as node/api/routes/peer.py does."""
        while self.sent:
            message = self.sent.pop(0)
            service = self.nodes[message.to]
            inbox = PeerInbox(service, None)
            if message.kind is PeerKind.TXS:
                payloads = inbox.tx_payloads(message.body)
                assert payloads is not None
                await service.submit(payloads, gossip=False)
                continue
            tx_ids = inbox.tx_ids(message.body)
            assert tx_ids is not None
            if message.kind is PeerKind.TX_IDS:
                self.relay(message.to).announced(message.sender, tx_ids)
            else:
                await self.relay(message.to).wanted(message.sender, tx_ids)


@pytest.fixture
def net(tmp_path: Path) -> Iterator[Net]:
    net = Net()
    ledgers = []
    for index, key in enumerate(VALIDATOR_KEYS[:2]):
        ledger = open_ledger(tmp_path / f"node-{index}")
        ledgers.append(ledger)
        net.nodes[key.public_key] = NodeService(
            name=f"node-{index}",
            ledger=ledger,
            mempool=Mempool(),
            events=ChainEvents(),
            checkpoints=CheckpointBook(ledger.chain_id),
            clock=net.clock,
            transport=Wire(key, net),
            runtime=None,
        )
    yield net
    for ledger in ledgers:
        ledger.store.close()


A, B = (key.public_key for key in VALIDATOR_KEYS[:2])


def client_txs(count: int) -> list[SignedTx]:
    return [account_open(nonce) for nonce in range(1, count + 1)]


def payloads(txs: list[SignedTx]) -> list[bytes]:
    return [tx.canonical_bytes() for tx in txs]


def test_txs_a_client_sent_to_every_validator_cost_each_peer_an_id_not_a_copy(net: Net) -> None:
    txs = client_txs(20)
    tx_bytes = sum(len(tx.canonical_bytes()) for tx in txs)

    async def scenario() -> None:
        for service in net.nodes.values():  # the client sends to every validator
            await service.submit(payloads(txs))
        net.announce_all()
        gossip_bytes = sum(sent.wire_bytes for sent in net.sent if sent.to == B)
        # The old gossip sent B a full copy of every tx A admitted: more than tx_bytes.
        assert gossip_bytes < tx_bytes / 4
        assert gossip_bytes / len(txs) < 120  # an id and its share of one envelope
        await net.deliver()
        net.clock.now += GRACE_MS
        assert net.relay(A).ask_due() == net.relay(B).ask_due() == 0
        assert not net.sent  # nobody asks, nobody serves

    asyncio.run(scenario())


def test_a_validator_the_client_missed_fetches_the_txs_after_the_grace(net: Net) -> None:
    txs = client_txs(5)

    async def scenario() -> None:
        await net.nodes[A].submit(payloads(txs))  # the client reached A only
        net.announce_all()
        await net.deliver()
        assert net.relay(B).ask_due() == 0  # within the grace: B's own copy may be coming
        net.clock.now += GRACE_MS
        assert net.relay(B).ask_due() == len(txs)
        (want,) = net.sent
        assert (want.to, want.kind) == (A, PeerKind.TX_WANT)
        await net.deliver()  # A answers with the txs; B admits them (signatures checked)
        assert all(tx.tx_id in net.nodes[B].mempool for tx in txs)
        assert len(net.relay(B).wants) == 0
        assert net.relay(A).served == len(txs)
        assert not any(sent.kind is PeerKind.TX_IDS for sent in net.sent)  # not re-announced

    asyncio.run(scenario())


def test_ids_are_announced_after_a_delay_and_only_if_still_pending(net: Net) -> None:
    """A tx committed (or dropped) within ANNOUNCE_AFTER_MS is never announced: every
    validator holds it, and the announcement would cost each peer a request for nothing."""
    txs = client_txs(4)

    async def scenario() -> None:
        await net.nodes[A].submit(payloads(txs))
        net.clock.now += ANNOUNCE_AFTER_MS - 1
        assert net.relay(A).announce_due() == 0
        assert not net.sent
        net.nodes[A].mempool.discard([txs[0].tx_id])  # as a commit's cleanup does
        net.clock.now += 1
        assert net.relay(A).announce_due() == 3
        (announcement,) = net.sent
        assert announcement.kind is PeerKind.TX_IDS
        assert announcement.body == ids_body([tx.tx_id for tx in txs[1:]])
        assert net.relay(A).announce_due() == 0  # each id once

    asyncio.run(scenario())


def test_ids_announced_and_never_served_are_given_up_without_holding_anything(
    net: Net,
) -> None:
    async def scenario() -> None:
        relay = net.relay(B)
        bogus = [tx.tx_id for tx in client_txs(30)]
        relay.announced(A, bogus)
        net.clock.now += GRACE_MS
        assert relay.ask_due() == len(bogus)
        net.sent.clear()  # A never answers
        net.clock.now += relay.wants._timeout_ms
        assert relay.ask_due() == 0
        assert len(relay.wants) == 0
        assert relay.wants.stats.forgotten == len(bogus)

    asyncio.run(scenario())
    service = net.nodes[B]
    collector = NodeStateCollector(
        service, PeerInbox(service, None), None, Readiness(SyncState(), observer=False)
    )
    families = {family.name: family for family in collector.collect()}
    samples = {s.labels["event"]: s.value for s in families["lantan_tx_relay"].samples}
    assert samples["forgotten"] == samples["asked"] == samples["timed_out"] == 30


def test_a_request_is_answered_with_pending_txs_only_in_bounded_answers(
    net: Net, monkeypatch: pytest.MonkeyPatch
) -> None:
    txs = client_txs(6)
    monkeypatch.setattr("node.tx_relay.ANSWER_BYTES_MAX", 2 * len(txs[0].canonical_bytes()))

    async def scenario() -> None:
        await net.nodes[A].submit(payloads(txs))
        net.sent.clear()
        unknown = client_txs(8)[-1].tx_id
        assert await net.relay(A).wanted(B, [tx.tx_id for tx in txs] + [unknown]) == len(txs)
        answers = [sent for sent in net.sent if sent.kind is PeerKind.TXS]
        assert [len(sent.body["txs"]) for sent in answers] == [2, 2, 2]  # type: ignore[arg-type]

    asyncio.run(scenario())


def test_a_peer_asking_without_end_is_served_at_a_bounded_rate(
    net: Net, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("node.tx_relay.SERVE_TXS_BURST", 3)
    monkeypatch.setattr("node.tx_relay.SERVE_TXS_PER_S", 1_000)
    txs = client_txs(6)
    wanted = [tx.tx_id for tx in txs]

    async def scenario() -> None:
        await net.nodes[A].submit(payloads(txs))
        relay = net.relay(A)
        assert await relay.wanted(B, wanted) == 3  # the burst
        assert await relay.wanted(B, wanted) == 0  # nothing left until it refills
        net.clock.now += 2  # 2 ms at 1,000 txs/s
        assert await relay.wanted(B, wanted) == 2
        assert relay.served == 5

    asyncio.run(scenario())


HOUR_MS = 3_600_000


def test_announcing_asking_and_serving_keep_time_when_the_wall_clock_steps_back(
    net: Net, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The relay's delays and its serving rate run on the monotonic clock: with the host's
    wall clock stepped an hour back before each stage, ids are announced, asked for and
    served on time. Before, each stage waited for the wall clock to pass the step again (an
    hour without announcements, found by reading the code after stop 52's clock-jump fix)."""
    monkeypatch.setattr("node.tx_relay.SERVE_TXS_BURST", 3)
    monkeypatch.setattr("node.tx_relay.SERVE_TXS_PER_S", 1_000)
    txs = client_txs(5)

    async def scenario() -> None:
        await net.nodes[A].submit(payloads(txs))  # the client reached A only
        net.clock.wall_step_ms -= HOUR_MS
        net.announce_all()
        assert [sent.kind for sent in net.sent] == [PeerKind.TX_IDS]
        await net.deliver()
        assert len(net.relay(B).wants) == len(txs)
        net.clock.wall_step_ms -= HOUR_MS
        net.clock.now += GRACE_MS
        assert net.relay(B).ask_due() == len(txs)
        await net.deliver()  # A serves its burst of 3, B admits them
        assert net.relay(A).served == 3
        net.clock.wall_step_ms -= HOUR_MS
        net.clock.now += 2  # 2 ms at 1,000 txs/s
        assert await net.relay(A).wanted(B, [tx.tx_id for tx in txs[3:]]) == 2

    asyncio.run(scenario())


def test_malformed_id_lists_are_dropped_and_counted(net: Net) -> None:
    inbox = PeerInbox(net.nodes[A], None)
    too_many = ids_body([client_txs(1)[0].tx_id] * 5_001)
    bodies: list[JsonObject] = [{"tx_ids": ["zz"]}, {"ids": []}, too_many, {"tx_ids": "00"}]
    for body in bodies:
        assert inbox.tx_ids(body) is None
    assert inbox.dropped["bad_body"] == 4


def test_a_stopping_validator_hands_its_last_client_txs_to_its_peers(net: Net) -> None:
    # An integrator's probe (stop 57): a tx a validator answered "pending" 0.2-0.5 s before
    # its SIGTERM was unknown on every node after the stop, its nonce never used.
    txs = client_txs(4)
    earlier, last = txs[:2], txs[2:]

    async def scenario() -> None:
        for service in net.nodes.values():  # the client sent these to every validator
            await service.submit(payloads(earlier))
        net.sent.clear()
        net.clock.now += HAND_OVER_WINDOW_MS + 1  # announced and fetchable long since
        await net.nodes[A].submit(payloads(last))  # reached A only, just before A stops
        assert await net.relay(A).hand_over() == len(last)
        (handed,) = net.sent
        assert (handed.to, handed.kind) == (B, PeerKind.TXS)
        await net.deliver()
        assert all(tx.tx_id in net.nodes[B].mempool for tx in last)
        assert await net.relay(B).hand_over() == 0  # B's copies came from a peer, not a client

    asyncio.run(scenario())
