"""node/mempool.py: arrival (= nonce) order, dedup, limits, expiry and dropping nonce gaps."""

from random import Random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from node.mempool import Mempool, MempoolFullError, SenderQuotaError
from protocol.hashing import Hash32
from protocol.signing import PublicKey
from protocol.tx import SignedTx, sign_tx
from tests.unit.node.chain_kit import KEYS, make_tx

# Holds one of the unit tier's longest tests (the cleanup property, ~30 s): started first, not
# last, so that none runs alone at the tier's end while the other workers idle
# (tests/kit/network_groups.py schedule_order).
RUN_FIRST = True

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
    assert pool.sweep({}, NOW_MS).expired == []


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
    pool.sweep({key(A): 1}, NOW_MS)
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


def test_held_answers_a_pooled_tx_by_its_canonical_bytes_only() -> None:
    """Signatures are outside tx_id: a copy with other signatures is not the held one."""
    pool = Mempool()
    stripped = tx(A, 1)
    cosigned = sign_tx(stripped, KEYS[B])
    add(pool, stripped)
    assert pool.held(stripped.canonical_bytes()) is stripped
    assert pool.held(cosigned.canonical_bytes()) is None
    pool.replace(cosigned, cosigned.tx_id, 100)
    assert pool.held(cosigned.canonical_bytes()) is cosigned
    assert pool.held(stripped.canonical_bytes()) is None
    pool.discard([cosigned.tx_id])
    assert pool.held(cosigned.canonical_bytes()) is None


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
    assert pool.sweep({key(A): 1}, NOW_MS).expired == []
    add(pool, tx(B, 1), size=150)
    assert len(pool) == 2


def test_sweep_drops_committed_nonces() -> None:
    pool = Mempool()
    add(pool, tx(A, 1), tx(A, 2), tx(A, 3), tx(B, 1))
    assert pool.sweep({key(A): 2, key(B): 0}, NOW_MS).expired == []
    assert nonces(pool.take(10, 10_000)) == [(A, 3), (B, 1)]
    assert pool.pending_nonce(key(A)) == 3
    assert pool.sweep({key(A): 3, key(B): 1}, NOW_MS).expired == []
    assert len(pool) == 0
    assert pool.pending_nonce(key(A)) is None
    assert pool.senders() == set()


def test_sweep_reports_expired_txs_and_drops_the_gap_behind_them() -> None:
    pool = Mempool()
    a1, a2, a3 = tx(A, 1), tx(A, 2, expires_at_ms=NOW_MS - 1), tx(A, 3)
    b1 = tx(B, 1)
    add(pool, a1, b1, a2, a3)
    expired = pool.sweep({}, NOW_MS).expired
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
    assert pool.sweep({}, NOW_MS).expired == [at_head.tx_id]
    assert pool.take(10, 10_000) == (after_head,)


def test_a_nonce_gap_from_out_of_order_arrival_is_dropped() -> None:
    pool = Mempool()
    add(pool, tx(A, 1), tx(A, 3), tx(B, 2))
    assert pool.pending_nonce(key(A)) == 3
    assert pool.sweep({key(B): 1}, NOW_MS).expired == []
    assert nonces(pool.take(10, 10_000)) == [(A, 1), (B, 2)]
    assert pool.pending_nonce(key(A)) == 1
    assert pool.pending_nonce(key(B)) == 2


def test_a_committed_block_from_elsewhere_leaves_the_rest_in_order() -> None:
    # Another proposer's block committed A's nonces 1 and 2; A's 3 and 4 now come next.
    pool = Mempool()
    add(pool, *(tx(A, n) for n in range(1, 5)))
    assert pool.sweep({key(A): 2}, NOW_MS).expired == []
    assert nonces(pool.take(10, 10_000)) == [(A, 3), (A, 4)]
    assert pool.pending_nonce(key(A)) == 4


def test_pending_nonces_name_only_senders_with_txs_here() -> None:
    pool = Mempool()
    add(pool, tx(A, 1), tx(A, 2), tx(B, 7))
    assert pool.pending_nonces() == {key(A): 2, key(B): 7}
    pool.discard([tx(B, 7).tx_id])
    # B's txs are all gone: admission checks B against its committed nonce again.
    assert pool.pending_nonces() == {key(A): 2}


def test_sweep_reads_the_committed_nonce_of_no_sender_it_need_not() -> None:
    # The cleanup runs after every block: it looks at the senders whose nonce moved (named),
    # of expired txs and of discarded txs, not at every sender with txs pending.
    pool = Mempool()
    add(pool, tx(A, 1), tx(A, 2), tx(B, 1), tx(B, 2))
    read: list[PublicKey] = []

    def nonce_of(sender: PublicKey) -> int:
        read.append(sender)
        return 0

    assert pool.sweep({key(A): 1}, NOW_MS, nonce_of=nonce_of).expired == []
    assert read == []
    assert nonces(pool.take(10, 10_000)) == [(A, 2), (B, 1), (B, 2)]
    pool.discard([tx(B, 1).tx_id])
    assert pool.sweep({}, NOW_MS, nonce_of=nonce_of).expired == []
    assert read == [key(B)]  # B lost a tx: its run is recounted, B's 2 follows nothing now
    assert nonces(pool.take(10, 10_000)) == [(A, 2)]
    soon = tx(A, 3, expires_at_ms=NOW_MS + 1)
    add(pool, soon)
    assert pool.sweep({}, NOW_MS + 1, nonce_of=nonce_of).expired == [soon.tx_id]
    assert read == [key(B), key(A)]


class FullRecount:
    """The reference: every pending tx looked at after every commit, against the committed
    nonce of every sender (what Mempool did before it recounted only the senders touched)."""

    def __init__(self) -> None:
        self.txs: list[SignedTx] = []  # arrival order
        self.highest: dict[PublicKey, int] = {}

    def add(self, signed: SignedTx) -> None:
        self.txs.append(signed)
        sender = signed.tx.sender
        self.highest[sender] = max(self.highest.get(sender, 0), signed.tx.nonce)

    def discard(self, tx_ids: set[Hash32]) -> None:
        self.txs = [signed for signed in self.txs if signed.tx_id not in tx_ids]

    def remove_stale(self, committed: dict[PublicKey, int], now_ms: int) -> list[Hash32]:
        live = [s for s in self.txs if s.tx.nonce > committed.get(s.tx.sender, 0)]
        expired = [s.tx_id for s in live if s.tx.expires_at_ms <= now_ms]
        self.txs, self.highest = [], {}
        for signed in (s for s in live if s.tx.expires_at_ms > now_ms):
            sender = signed.tx.sender
            if signed.tx.nonce == self.highest.get(sender, committed.get(sender, 0)) + 1:
                self.highest[sender] = signed.tx.nonce
                self.txs.append(signed)
        return expired

    def pending_nonces(self) -> dict[PublicKey, int]:
        senders = {signed.tx.sender for signed in self.txs}
        return {s: nonce for s, nonce in self.highest.items() if s in senders}


SENDERS = (A, B, "xiamen-ptc")


@settings(max_examples=150, deadline=None)
@given(st.randoms(use_true_random=False))
def test_the_incremental_cleanup_equals_a_full_recount(rng: Random) -> None:
    # Random admissions (by admission's nonce rule: pending or committed nonce + 1, some
    # skipping nonces, some admitted against the committed nonce before the latest block's),
    # discards, blocks that commit some senders' nonces (with txs from this pool or not)
    # and cleanups that name only the senders of the blocks committed since the last one.
    pool, reference = Mempool(), FullRecount()
    committed = {key(name): 0 for name in SENDERS}
    seen = dict(committed)  # as of the last cleanup: what an admission racing a block reads
    moved: set[PublicKey] = set()
    now_ms, serial = NOW_MS, 0
    added: list[SignedTx] = []
    for _ in range(rng.randint(1, 80)):
        action = rng.choice(("add", "add", "add", "add", "discard", "commit", "cleanup"))
        sender = key(rng.choice(SENDERS))
        if action == "add":
            floor = rng.choice((committed[sender], seen[sender]))
            nonce = max(pool.pending_nonce(sender) or 0, floor) + 1
            if sender in pool.senders() and rng.random() < 0.1:
                nonce += rng.randint(1, 3)
            serial += 1
            name = next(n for n in SENDERS if key(n) == sender)
            expires = now_ms + rng.randint(1, 6) * 1000
            signed = make_tx(
                name, "account.open", {"n": serial}, nonce=nonce, expires_at_ms=expires
            )
            pool.add(signed, signed.tx_id, 100)
            reference.add(signed)
            added.append(signed)
        elif action == "discard":
            pending = pool.take(1000, 1 << 30)
            dropped = [s.tx_id for s in rng.sample(pending, min(len(pending), rng.randint(1, 2)))]
            pool.discard(dropped)
            reference.discard(set(dropped))
        elif action == "commit":
            committed[sender] += rng.randint(0, 4)
            moved.add(sender)
        else:
            now_ms += rng.randint(0, 3) * 1000
            named = {s: committed[s] for s in moved}
            expired = pool.sweep(named, now_ms, nonce_of=committed.__getitem__).expired
            assert sorted(expired) == sorted(reference.remove_stale(committed, now_ms))
            moved, seen = set(), dict(committed)
        assert pool.take(1000, 1 << 30) == take_all(reference.txs)
        assert pool.pending_nonces() == reference.pending_nonces()
        assert {s: pool.pending_nonce(s) for s in committed} == {
            s: reference.highest.get(s) for s in committed
        }
        assert (len(pool), pool.size_bytes) == (len(reference.txs), 100 * len(reference.txs))
        # held knows exactly the pooled txs, however they left.
        pooled = {signed.tx_id for signed in reference.txs}
        held = [pool.held(signed.canonical_bytes()) is signed for signed in added]
        assert held == [signed.tx_id in pooled for signed in added]


def take_all(txs: list[SignedTx]) -> tuple[SignedTx, ...]:
    """Mempool.take's order without limits: round-robin over senders, each in arrival order."""
    queues: dict[PublicKey, list[SignedTx]] = {}
    for signed in txs:
        queues.setdefault(signed.tx.sender, []).append(signed)
    rounds = max((len(queue) for queue in queues.values()), default=0)
    return tuple(q[i] for i in range(rounds) for q in queues.values() if i < len(q))
