"""POST /peer/proposal (ADR 0036): a compact proposal reaches the engine as the whole
proposal its sender signed when this node holds every tx, and otherwise makes the node ask
its sender for the block; a malformed one is dropped and counted, never delivered."""

from dataclasses import dataclass
from typing import Any

import pytest

from consensus import BlockRequest, MessageReceived
from node.compact_proposals import compact_of
from node.peer_envelope import PeerKind, seal_envelope
from protocol.hashing import Hash32
from protocol.signing import PublicKey
from tests.unit.node.api.kit import Api
from tests.unit.node.chain_kit import CHAIN_ID, account_open, build_and_commit
from tests.unit.node.proposal_kit import PROPOSER, built, proposal_of


@dataclass(frozen=True)
class HeldBlocks:
    """The one field of a replica state the route reads: payloads by block hash."""

    blocks: dict[Hash32, bytes]


class Recorder:
    """What the route hands on: delivered messages and blocks asked for."""

    def __init__(self) -> None:
        self.delivered: list[MessageReceived] = []
        self.asked: list[tuple[PublicKey, BlockRequest]] = []
        self.replica: HeldBlocks | None = None
        """The runtime's replica state, as far as the route reads it."""

    @property
    def proposals(self) -> "Recorder":
        """The runtime's ProposalOutbox, whose ask_for_block is recorded here."""
        return self

    def deliver(self, received: MessageReceived) -> bool:
        """The inbox's deliver: queued."""
        self.delivered.append(received)
        return True

    def ask_for_block(self, peer: PublicKey, request: BlockRequest) -> None:
        self.asked.append((peer, request))

    def note_heard(self, height: int) -> None:
        raise AssertionError(f"no message here is far ahead ({height})")


@pytest.fixture
def recorder(api: Api, monkeypatch: pytest.MonkeyPatch) -> Recorder:
    recorder = Recorder()
    monkeypatch.setattr(api.inbox, "runtime", recorder)
    monkeypatch.setattr(api.inbox, "deliver", recorder.deliver)
    return recorder


def post_compact(api: Api, body: Any) -> Any:
    sealed = seal_envelope(PROPOSER, CHAIN_ID, PeerKind.PROPOSAL, body)
    return api.client.post("/peer/proposal", content=sealed)


@pytest.mark.parametrize(("held", "ahead"), [(3, 0), (2, 0), (2, 1), (2, 2)])
def test_a_compact_proposal_is_rebuilt_or_its_block_asked_for(
    api: Api, recorder: Recorder, held: int, ahead: int
) -> None:
    """Asked for only at the heights the engine keeps proposals of (the next two)."""
    txs = (account_open(1), account_open(2), account_open(3))
    for signed in txs[:held]:
        api.service.mempool.add(signed, signed.tx_id, len(signed.canonical_bytes()))
    prepared = built(api.ledger, txs)
    message = proposal_of(prepared, api.ledger.height + 1 + ahead)
    compact = compact_of(message, prepared.block)
    assert compact is not None
    # Two heights ahead with txs missing is dropped, and answered so.
    taken = not (ahead == 2 and held < len(txs))
    assert post_compact(api, compact.to_json()).json() == {"accepted": taken}
    if ahead == 2:
        assert (recorder.delivered, recorder.asked, api.inbox.compact) == ([], [], {})
        assert api.inbox.dropped["far_ahead"] == 1
    elif held == len(txs):
        assert recorder.delivered == [MessageReceived(sender=PROPOSER.public_key, message=message)]
        assert (recorder.asked, api.inbox.compact) == ([], {"rebuilt": 1})
    else:
        request = BlockRequest(height=message.height, block_hash=prepared.block_hash)
        assert recorder.asked == [(PROPOSER.public_key, request)]
        assert (recorder.delivered, api.inbox.compact) == ([], {"missing": 1})


def test_a_malformed_compact_proposal_is_dropped_and_counted(api: Api, recorder: Recorder) -> None:
    prepared = built(api.ledger, ())
    compact = compact_of(proposal_of(prepared), prepared.block)
    assert compact is not None
    body = compact.to_json()
    assert isinstance(body, dict)
    for bad in ({**body, "shell": prepared.payload[:-1].hex()}, {**body, "leaves": "ab"}, {}):
        assert post_compact(api, bad).json() == {"accepted": False}
    assert (recorder.delivered, recorder.asked) == ([], [])
    assert api.inbox.dropped["bad_body"] == 3


@pytest.mark.parametrize("held", [False, True], ids=["txs-gone", "txs-held"])
@pytest.mark.parametrize("behind", [0, 1])
def test_a_late_compact_proposal_of_a_height_committed_asks_for_nothing(
    api: Api, recorder: Recorder, behind: int, held: bool
) -> None:
    """A slow validator's peers queue its messages and deliver them minutes late (stop 48,
    chaos: a proposal of height 394 reached a node at 453). Its txs left the pool at their
    commit, and asking the proposer for every such block only grew the backlog. Our head
    (behind 0) is committed too: a Byzantine validator replaying the head's compact
    proposal had this node ask it for that block once per copy (stop 52). With its txs in
    the pool (a replay of them too), it was rebuilt and handed to the engine, which drops
    a proposal of a past height: now it is not rebuilt."""
    build_and_commit(api.ledger)
    build_and_commit(api.ledger)
    txs = (account_open(1),)
    if held:
        for signed in txs:
            api.service.mempool.add(signed, signed.tx_id, len(signed.canonical_bytes()))
    prepared = built(api.ledger, txs)
    message = proposal_of(prepared, api.ledger.height - behind)
    compact = compact_of(message, prepared.block)
    assert compact is not None
    # Not taken, and answered so (it said true before, hostile pass h56).
    assert post_compact(api, compact.to_json()).json() == {"accepted": False}
    assert (recorder.delivered, recorder.asked) == ([], [])
    assert api.inbox.compact == {"late": 1}


def test_a_compact_proposal_of_a_block_the_engine_holds_is_taken_without_asking(
    api: Api, recorder: Recorder
) -> None:
    """A validator restarted while locked holds its lock's payload but none of its txs (its
    mempool is empty): the re-proposal of that block, compact, is the proposal it signed
    with the payload held. Before, the node asked the proposer for the whole block."""
    prepared = built(api.ledger, (account_open(1), account_open(2)))
    message = proposal_of(prepared, api.ledger.height + 1)
    compact = compact_of(message, prepared.block)
    assert compact is not None
    recorder.replica = HeldBlocks(blocks={prepared.block_hash: prepared.payload})
    assert post_compact(api, compact.to_json()).json() == {"accepted": True}
    assert recorder.delivered == [MessageReceived(sender=PROPOSER.public_key, message=message)]
    assert (recorder.asked, api.inbox.compact) == ([], {"held": 1})
