"""A block's leaves record (node/storage/block_leaves.py) and the tx proofs read from it."""

from collections.abc import Iterator
from pathlib import Path

import pytest

import node.ledger
from node.ledger import Ledger
from node.proofs import tx_inclusion
from node.storage import keys
from node.storage.block_leaves import ENTRY_SIZE, BlockLeaves, block_leaves
from protocol.block import Block
from protocol.encoding import encode
from protocol.hashing import Hash32
from protocol.merkle import hash_leaf, root_from_leaf_hashes
from protocol.tx import SignedTx
from tests.unit.node.chain_kit import account_open, build_and_commit, open_ledger

TXS = 7
"""An odd count, so the trees have an unbalanced right edge."""


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    opened = open_ledger(tmp_path / "data")
    yield opened
    opened.store.close()


def _txs() -> tuple[SignedTx, ...]:
    # The second open of account-1 is rejected: a result with a reason in the tree too.
    return tuple(account_open(n, "account-1" if n == 2 else None) for n in range(1, TXS + 1))


def _commit_without_leaves(ledger: Ledger, monkeypatch: pytest.MonkeyPatch) -> None:
    """A block as a node stored it before leaves records were kept."""
    with monkeypatch.context() as patch:
        patch.setattr(node.ledger, "block_leaves", lambda *_, **__: None)
        build_and_commit(ledger, _txs())
    assert ledger.store.get_block_leaves(1) is None


def _proofs(ledger: Ledger, txs: tuple[SignedTx, ...]) -> list[bytes]:
    return [encode(tx_inclusion(ledger, tx.tx_id)) for tx in txs]


def test_commit_keeps_the_leaves_and_spans_of_the_block(ledger: Ledger) -> None:
    prepared = build_and_commit(ledger, _txs())
    leaves = ledger.store.get_block_leaves(1)
    assert leaves is not None
    txs = prepared.block.txs
    assert leaves.tx_leaves == tuple(hash_leaf(tx.canonical_bytes()) for tx in txs)
    assert leaves.result_leaves == tuple(hash_leaf(r.canonical_bytes()) for r in prepared.results)
    stored = ledger.store.get_block(1)
    assert stored is not None
    assert [leaves.tx_bytes(stored, i) for i in range(TXS)] == [tx.canonical_bytes() for tx in txs]
    header = prepared.block.header
    assert root_from_leaf_hashes(leaves.tx_leaves) == header.tx_root
    assert root_from_leaf_hashes(leaves.result_leaves) == header.results_root


def test_a_block_without_txs_gets_no_record(ledger: Ledger) -> None:
    build_and_commit(ledger)
    assert ledger.store.get_block_leaves(1) is None
    assert ledger.store.get_block_leaves(0) is None


def test_the_proof_from_the_leaves_equals_the_proof_from_the_whole_block(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    txs = _txs()
    new, old = open_ledger(tmp_path / "new"), open_ledger(tmp_path / "old")
    try:
        build_and_commit(new, txs)
        _commit_without_leaves(old, monkeypatch)
        slow = _proofs(old, txs)
        with monkeypatch.context() as patch:
            # The fast path parses no block: a parse here would fail the proof.
            patch.setattr(Block, "from_json", _no_parse)
            fast = _proofs(new, txs)
        assert old.store.get_block_leaves(1) == new.store.get_block_leaves(1)
    finally:
        new.store.close()
        old.store.close()
    assert fast == slow
    assert len(set(fast)) == TXS


def test_the_slow_path_writes_the_record_so_the_next_proof_is_fast(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    _commit_without_leaves(ledger, monkeypatch)
    txs = _txs()
    first = encode(tx_inclusion(ledger, txs[0].tx_id))
    assert ledger.store.get_block_leaves(1) is not None
    monkeypatch.setattr(Block, "from_json", _no_parse)
    assert _proofs(ledger, txs)[0] == first


@pytest.mark.parametrize("damage", ["tx leaf", "result leaf", "span"])
def test_a_record_that_disagrees_with_its_block_is_not_used(ledger: Ledger, damage: str) -> None:
    txs = _txs()
    build_and_commit(ledger, txs)
    good = _proofs(ledger, txs)
    leaves = ledger.store.get_block_leaves(1)
    assert leaves is not None
    wrong = Hash32(bytes(32))
    if damage == "tx leaf":
        leaves = BlockLeaves(
            tx_leaves=(*leaves.tx_leaves[:-1], wrong),
            result_leaves=leaves.result_leaves,
            tx_spans=leaves.tx_spans,
        )
    elif damage == "result leaf":
        leaves = BlockLeaves(
            tx_leaves=leaves.tx_leaves,
            result_leaves=(*leaves.result_leaves[:-1], wrong),
            tx_spans=leaves.tx_spans,
        )
    else:
        (offset, length), *rest = leaves.tx_spans
        leaves = BlockLeaves(
            tx_leaves=leaves.tx_leaves,
            result_leaves=leaves.result_leaves,
            tx_spans=((offset + 1, length), *rest),
        )
    ledger.store.put_block_leaves(1, leaves)
    # The last tx's own proof takes the slow path, which writes a good record again: the
    # damage sits at the end, so the proofs before it meet it in their paths.
    assert _proofs(ledger, txs) == good


def test_the_record_decodes_what_it_encodes_and_refuses_other_lengths(ledger: Ledger) -> None:
    build_and_commit(ledger, _txs())
    leaves = ledger.store.get_block_leaves(1)
    assert leaves is not None
    data = leaves.encode()
    assert len(data) == TXS * ENTRY_SIZE
    assert BlockLeaves.decode(data) == leaves
    assert BlockLeaves.decode(data[:-1]) is None
    assert BlockLeaves.decode(b"") is None
    ledger.store.put_block_leaves(1, leaves)
    ledger.store._tree_db.put(keys.chain_leaves_key(1), data + b"\0")
    assert ledger.store.get_block_leaves(1) is None


def test_block_leaves_refuses_bytes_laid_out_otherwise() -> None:
    txs = [b'{"a":1}', b'{"b":2}']
    results = [b"r1", b"r2"]
    block = b'{"evidence":[],"header":{},"txs":[' + b",".join(txs) + b"]}"
    leaves = block_leaves(block, txs, results)
    assert leaves is not None
    assert leaves.tx_spans == ((len(block) - 17, 7), (len(block) - 9, 7))
    assert block_leaves(block, [b'{"b":2}', b'{"a":1}'], results) is None
    assert block_leaves(block.replace(b'"txs"', b'"TXS"'), txs, results) is None
    assert block_leaves(block + b" ", txs, results) is None
    assert block_leaves(block, txs, results[:1]) is None
    assert block_leaves(b'{"evidence":[],"header":{},"txs":[]}', [], []) is None


def _no_parse(_value: object) -> Block:
    raise AssertionError("the block was parsed")
