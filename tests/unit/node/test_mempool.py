"""node/mempool.py: arrival (= nonce) order, dedup, limits, expiry and dropping nonce gaps."""

import pytest

from node.mempool import Mempool, MempoolFullError, SenderQuotaError
from protocol.signing import PublicKey
from protocol.tx import SignedTx
from tests.unit.node.chain_kit import KEYS, make_tx

NOW_MS = 1_700_000_100_000
A = "ningbo-ptc"
B = "xiangshan-county"


def tx(sender: str, nonce: int, *, expires_at_ms: int = NOW_MS + 60_000) -> SignedTx:
    return make_tx(sender, "account.open", {"n": nonce}, nonce=nonce, expires_at_ms=expires_at_ms)


def key(sender: str) -> PublicKey:
    return KEYS[sender].public_key


def add(pool: Mempool, *txs: SignedTx, size: int = 100) -> None:
    for signed in txs:
        pool.add(signed, signed.tx_id, size)


def nonces(txs: tuple[SignedTx, ...]) -> list[tuple[str, int]]:
    names = {KEYS[name].public_key: name for name in (A, B)}
    return [(names[t.tx.sender], t.tx.nonce) for t in txs]


def test_an_empty_pool() -> None:
    pool = Mempool()
    assert len(pool) == 0
    assert pool.take(10, 10_000) == ()
    assert pool.pending_nonce(key(A)) is None
    assert pool.senders() == set()
    assert pool.remove_stale({}, NOW_MS) == []


def test_take_goes_round_robin_across_senders_and_removes_nothing() -> None:
    pool = Mempool()
    add(pool, tx(A, 1), tx(A, 2), tx(A, 3), tx(B, 1), tx(B, 2))
    # Strict FIFO would give A's whole queue first; a flood from A would starve B.
    assert nonces(pool.take(10, 10_000)) == [(A, 1), (B, 1), (A, 2), (B, 2), (A, 3)]
    assert nonces(pool.take(3, 10_000)) == [(A, 1), (B, 1), (A, 2)]
    assert len(pool) == 5
    assert tx(A, 2).tx_id in pool
    assert tx(A, 4).tx_id not in pool
    assert pool.pending_nonce(key(A)) == 3
    assert pool.senders() == {key(A), key(B)}


def test_a_tx_over_the_byte_budget_ends_its_senders_turn() -> None:
    # Skipping a big tx to take the same sender's next one would put nonce n+1 before n.
    pool = Mempool()
    pool.add(tx(A, 1), tx(A, 1).tx_id, 100)
    pool.add(tx(A, 2), tx(A, 2).tx_id, 500)
    pool.add(tx(A, 3), tx(A, 3).tx_id, 1)
    pool.add(tx(B, 1), tx(B, 1).tx_id, 10)
    assert nonces(pool.take(10, 400)) == [(A, 1), (B, 1)]
    assert nonces(pool.take(10, 610)) == [(A, 1), (B, 1), (A, 2)]
    assert nonces(pool.take(10, 611)) == [(A, 1), (B, 1), (A, 2), (A, 3)]
    assert nonces(pool.take(10, 99)) == [(B, 1)]
    assert pool.take(0, 10_000) == ()


def test_the_per_sender_quota() -> None:
    pool = Mempool(sender_txs_max=2)
    add(pool, tx(A, 1), tx(A, 2))
    with pytest.raises(SenderQuotaError):
        add(pool, tx(A, 3))
    add(pool, tx(B, 1))  # other senders still get in
    pool.remove_stale({key(A): 1}, NOW_MS)
    add(pool, tx(A, 3))  # a commit frees the sender's slots
    assert len(pool) == 3


def test_replace_keeps_the_place_and_counts_the_new_size() -> None:
    pool = Mempool(bytes_max=300)
    add(pool, tx(A, 1), tx(B, 1))
    fuller = tx(A, 1)
    pool.replace(fuller, fuller.tx_id, 200)
    assert nonces(pool.take(10, 10_000)) == [(A, 1), (B, 1)]
    with pytest.raises(MempoolFullError):
        add(pool, tx(A, 2))


def test_adding_a_tx_twice_keeps_one_copy() -> None:
    pool = Mempool(txs_max=2, bytes_max=250)
    add(pool, tx(A, 1), tx(A, 1), tx(A, 1))
    assert len(pool) == 1
    assert pool.take(10, 10_000) == (tx(A, 1),)
    # The duplicate counted neither a slot nor bytes: one more 100-byte tx still fits.
    add(pool, tx(A, 2))
    assert len(pool) == 2
    add(pool, tx(A, 2))  # a duplicate at the limit is no error either
    assert len(pool) == 2


def test_the_tx_count_limit() -> None:
    pool = Mempool(txs_max=2)
    add(pool, tx(A, 1), tx(A, 2))
    with pytest.raises(MempoolFullError):
        add(pool, tx(A, 3))
    assert len(pool) == 2
    assert pool.pending_nonce(key(A)) == 2


def test_the_byte_limit() -> None:
    pool = Mempool(bytes_max=300)
    add(pool, tx(A, 1), tx(A, 2), size=150)
    with pytest.raises(MempoolFullError):
        add(pool, tx(B, 1), size=1)
    assert len(pool) == 2
    assert pool.pending_nonce(key(B)) is None
    # Bytes are given back when txs leave.
    assert pool.remove_stale({key(A): 1}, NOW_MS) == []
    add(pool, tx(B, 1), size=150)
    assert len(pool) == 2


def test_remove_stale_drops_committed_nonces() -> None:
    pool = Mempool()
    add(pool, tx(A, 1), tx(A, 2), tx(A, 3), tx(B, 1))
    assert pool.remove_stale({key(A): 2, key(B): 0}, NOW_MS) == []
    assert nonces(pool.take(10, 10_000)) == [(A, 3), (B, 1)]
    assert pool.pending_nonce(key(A)) == 3
    assert pool.remove_stale({key(A): 3, key(B): 1}, NOW_MS) == []
    assert len(pool) == 0
    assert pool.pending_nonce(key(A)) is None
    assert pool.senders() == set()


def test_remove_stale_reports_expired_txs_and_drops_the_gap_behind_them() -> None:
    pool = Mempool()
    a1, a2, a3 = tx(A, 1), tx(A, 2, expires_at_ms=NOW_MS - 1), tx(A, 3)
    b1 = tx(B, 1)
    add(pool, a1, b1, a2, a3)
    expired = pool.remove_stale({}, NOW_MS)
    assert expired == [a2.tx_id]
    # a3 can never commit once a2 is gone: it is dropped too, but it did not expire.
    assert nonces(pool.take(10, 10_000)) == [(A, 1), (B, 1)]
    assert pool.pending_nonce(key(A)) == 1
    assert pool.pending_nonce(key(B)) == 1


def test_a_tx_expiring_at_the_head_time_fits_no_later_block() -> None:
    # now_ms is the head's time_ms; the next block is later, and admission refuses a tx
    # with expires_at_ms < time_ms, so expires_at_ms == now_ms can never commit.
    pool = Mempool()
    at_head, after_head = tx(A, 1, expires_at_ms=NOW_MS), tx(B, 1, expires_at_ms=NOW_MS + 1)
    add(pool, at_head, after_head)
    assert pool.remove_stale({}, NOW_MS) == [at_head.tx_id]
    assert pool.take(10, 10_000) == (after_head,)


def test_a_nonce_gap_from_out_of_order_arrival_is_dropped() -> None:
    pool = Mempool()
    add(pool, tx(A, 1), tx(A, 3), tx(B, 2))
    assert pool.pending_nonce(key(A)) == 3
    assert pool.remove_stale({key(B): 1}, NOW_MS) == []
    assert nonces(pool.take(10, 10_000)) == [(A, 1), (B, 2)]
    assert pool.pending_nonce(key(A)) == 1
    assert pool.pending_nonce(key(B)) == 2


def test_a_committed_block_from_elsewhere_leaves_the_rest_in_order() -> None:
    # Another proposer's block committed A's nonces 1 and 2; A's 3 and 4 now come next.
    pool = Mempool()
    add(pool, *(tx(A, n) for n in range(1, 5)))
    assert pool.remove_stale({key(A): 2}, NOW_MS) == []
    assert nonces(pool.take(10, 10_000)) == [(A, 3), (A, 4)]
    assert pool.pending_nonce(key(A)) == 4


def test_pending_nonces_name_only_senders_with_txs_here() -> None:
    pool = Mempool()
    add(pool, tx(A, 1), tx(A, 2), tx(B, 7))
    assert pool.pending_nonces() == {key(A): 2, key(B): 7}
    pool.discard([tx(B, 7).tx_id])
    # B's txs are all gone: admission checks B against its committed nonce again.
    assert pool.pending_nonces() == {key(A): 2}
