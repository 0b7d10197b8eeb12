"""A tx's and a result's leaf hash: hash_leaf of the canonical bytes, hashed once per object
(the block's tx_root / results_root and the commit's leaves record both ask for it)."""

import pytest

import protocol.results
import protocol.tx
from protocol.block import results_root, tx_root
from protocol.merkle import hash_leaf, root_from_leaf_hashes
from protocol.results import TxResult, TxStatus
from tests.kit.calls import recorded_calls
from tests.kit.signed_txs import signed_tx


def test_a_tx_leaf_is_its_canonical_bytes_hashed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    txs = (signed_tx(1), signed_tx(2))
    hashed = recorded_calls(monkeypatch, protocol.tx, "hash_leaf")
    expected = root_from_leaf_hashes([hash_leaf(tx.canonical_bytes()) for tx in txs])
    assert tx_root(txs) == expected
    assert tx_root(txs) == expected
    assert [tx.leaf_hash() for tx in txs] == [hash_leaf(tx.canonical_bytes()) for tx in txs]
    assert hashed == [tx.canonical_bytes() for tx in txs]


def test_a_result_leaf_is_its_canonical_bytes_hashed_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    results = (
        TxResult(tx_id=signed_tx(1).tx_id, status=TxStatus.ACCEPTED, reason=None),
        TxResult(tx_id=signed_tx(2).tx_id, status=TxStatus.REJECTED, reason="insufficient"),
    )
    hashed = recorded_calls(monkeypatch, protocol.results, "hash_leaf")
    expected = root_from_leaf_hashes([hash_leaf(r.canonical_bytes()) for r in results])
    assert results_root(results) == expected
    assert results_root(results) == expected
    assert hashed == [r.canonical_bytes() for r in results]


def test_equal_results_stay_equal_whether_hashed_or_not() -> None:
    """The kept hash is outside equality, as the kept canonical bytes are."""
    tx_id = signed_tx(1).tx_id
    hashed = TxResult(tx_id=tx_id, status=TxStatus.ACCEPTED, reason=None)
    hashed.leaf_hash()
    assert hashed == TxResult(tx_id=tx_id, status=TxStatus.ACCEPTED, reason=None)
