"""node/compact_proposals.py: a proposal sent as its block's shell and tx leaf hashes is
rebuilt byte for byte by a follower holding the txs, and by no one who lacks one (ADR 0036)."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from consensus import ProposalMessage
from node.compact_proposals import SHELL_END, CompactProposal, compact_of, expand
from node.ledger import Ledger
from node.mempool import Mempool
from protocol.block import BLOCK_TXS_MAX, Block
from protocol.encoding import decode, encode
from protocol.errors import ProtocolError
from protocol.tx import SignedTx, TxSignature
from tests.unit.node.chain_kit import account_open, open_ledger
from tests.unit.node.proposal_kit import built, proposal_of


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    opened = open_ledger(tmp_path / "proposer")
    yield opened
    opened.store.close()


def pool_of(txs: tuple[SignedTx, ...]) -> Mempool:
    pool = Mempool()
    for signed in txs:
        pool.add(signed, signed.tx_id, len(signed.canonical_bytes()))
    return pool


def resigned(signed: SignedTx) -> SignedTx:
    """The same tx (same tx_id) with another signature, so another leaf."""
    bad = TxSignature(public_key=signed.tx.sender, signature=bytes(64))
    return SignedTx(tx=signed.tx, signatures=(bad,))


def over_the_wire(compact: CompactProposal) -> CompactProposal:
    return CompactProposal.from_json(decode(encode(compact.to_json())))


@pytest.mark.parametrize("count", [0, 1, 3])
def test_a_follower_holding_every_tx_rebuilds_the_proposal_byte_for_byte(
    ledger: Ledger, count: int
) -> None:
    txs = tuple(account_open(n) for n in range(1, count + 1))
    prepared = built(ledger, txs)
    message = proposal_of(prepared)
    compact = compact_of(message, prepared.block)
    assert compact is not None
    assert compact.leaves == tuple(tx.leaf_hash() for tx in txs)
    assert compact.shell.endswith(SHELL_END)
    # Held copies parsed from the bytes, as a follower's admission holds them.
    held = tuple(SignedTx.from_json(decode(tx.canonical_bytes())) for tx in txs)
    rebuilt = expand(over_the_wire(compact), pool_of(held).by_leaf)
    assert rebuilt == message
    assert isinstance(rebuilt, ProposalMessage) and rebuilt.payload == prepared.payload


def test_a_missing_tx_or_another_copy_of_it_is_named_not_guessed(ledger: Ledger) -> None:
    """A tx held with other signatures has the same tx_id but another leaf: it is not the
    proposer's copy, so it counts as missing (the follower asks for the block)."""
    txs = (account_open(1), account_open(2), account_open(3))
    prepared = built(ledger, txs)
    compact = compact_of(proposal_of(prepared), prepared.block)
    assert compact is not None
    other_copy = resigned(txs[1])
    assert other_copy.tx_id == txs[1].tx_id
    missing = expand(compact, pool_of((txs[0], other_copy)).by_leaf)
    assert missing == [txs[1].leaf_hash(), txs[2].leaf_hash()]


def test_a_payload_not_laid_out_as_its_block_is_not_made_compact(ledger: Ledger) -> None:
    prepared = built(ledger, (account_open(1),))
    message = proposal_of(prepared)
    spaced = ProposalMessage(signed=message.signed, payload=prepared.payload[:-2] + b" ]}")
    assert compact_of(spaced, prepared.block) is None
    other_block = Block(header=prepared.block.header, txs=(account_open(2),), evidence=())
    assert compact_of(message, other_block) is None


def test_malformed_compact_proposals_are_refused_by_the_codec(ledger: Ledger) -> None:
    prepared = built(ledger, (account_open(1),))
    compact = compact_of(proposal_of(prepared), prepared.block)
    assert compact is not None
    good = compact.to_json()
    assert isinstance(good, dict)
    not_a_shell = {**good, "shell": prepared.payload.hex()}
    too_many = {**good, "leaves": [good["leaves"][0]] * (BLOCK_TXS_MAX + 1)}  # type: ignore[index]
    short_leaf = {**good, "leaves": ["ab"]}
    for bad in (not_a_shell, too_many, short_leaf, {**good, "extra": 1}):
        with pytest.raises(ProtocolError):
            CompactProposal.from_json(bad)


def test_the_pool_indexes_exactly_the_copies_it_holds() -> None:
    first, second = account_open(1), account_open(2)
    pool = pool_of((first, second))
    assert pool.by_leaf(first.leaf_hash()) is first
    better = resigned(first)
    pool.replace(better, first.tx_id, len(better.canonical_bytes()))
    assert pool.by_leaf(first.leaf_hash()) is None
    assert pool.by_leaf(better.leaf_hash()) is better
    pool.discard([first.tx_id])
    assert pool.by_leaf(better.leaf_hash()) is None
    assert pool.by_leaf(second.leaf_hash()) is second
