"""node/tx_wants.py: announced ids are asked for after the grace, from one announcer at a
time; a peer that never serves is passed over and its ids forgotten; each peer's share of
the table is bounded."""

from node.tx_wants import TxWants
from protocol.hashing import Hash32, sha256
from protocol.signing import PublicKey

A = PublicKey(b"\x01" * 32)
B = PublicKey(b"\x02" * 32)
GRACE_MS, BUSY_GRACE_MS, TIMEOUT_MS = 100, 500, 1_000


def ids(count: int, tag: str = "tx") -> list[Hash32]:
    return [Hash32(sha256(f"{tag}-{i}".encode())) for i in range(count)]


def none_here(tx_ids: list[Hash32]) -> set[Hash32]:
    return set(tx_ids)


def wants(peer_max: int = 1_000) -> TxWants:
    return TxWants(
        grace_ms=GRACE_MS,
        busy_grace_ms=BUSY_GRACE_MS,
        fetch_timeout_ms=TIMEOUT_MS,
        peer_wants_max=peer_max,
    )


def test_an_id_is_asked_for_only_after_the_grace_and_only_while_missing() -> None:
    table = wants()
    first, second = ids(2)
    table.announced(A, [first, second], now_ms=0)
    assert table.due(GRACE_MS - 1, none_here) == {}
    # The client's own copy of `first` arrived meanwhile: only `second` is asked for.
    assert table.due(GRACE_MS, lambda tx_ids: {second}) == {A: [second]}
    assert first not in table
    assert table.due(GRACE_MS + 1, none_here) == {}  # asked, not timed out yet


def test_while_this_node_is_admitting_the_grace_is_the_longer_one() -> None:
    table = wants()
    (tx_id,) = ids(1)
    table.announced(A, [tx_id], now_ms=0)
    assert table.due(GRACE_MS, none_here, admitting=True) == {}
    assert table.due(BUSY_GRACE_MS, none_here, admitting=True) == {A: [tx_id]}


def test_a_peer_that_never_answers_is_passed_over_then_the_id_forgotten() -> None:
    table = wants()
    (tx_id,) = ids(1)
    table.announced(A, [tx_id], now_ms=0)
    table.announced(B, [tx_id], now_ms=10)
    assert table.due(GRACE_MS, none_here) == {A: [tx_id]}
    assert table.due(GRACE_MS + TIMEOUT_MS, none_here) == {B: [tx_id]}
    assert table.due(GRACE_MS + 2 * TIMEOUT_MS, none_here) == {}
    assert len(table) == 0
    assert (table.stats.timed_out, table.stats.forgotten) == (2, 1)
    assert table.stats.per_peer == {}


def test_a_peer_announcing_without_end_holds_only_its_share() -> None:
    table = wants(peer_max=50)
    table.announced(A, ids(500, "flood"), now_ms=0)
    assert len(table) == 50
    assert table.stats.refused_over_quota == 450
    honest = ids(10, "honest")
    table.announced(B, honest, now_ms=0)
    assert all(tx_id in table for tx_id in honest)
    # Once the flood's ids time out, the flooding peer's share is free again.
    table.due(GRACE_MS, none_here)
    table.due(GRACE_MS + TIMEOUT_MS, none_here)
    assert A not in table.stats.per_peer
    assert len(table) == 0


def test_arrival_releases_the_announcers_share() -> None:
    table = wants(peer_max=2)
    batch = ids(2)
    table.announced(A, batch, now_ms=0)
    table.arrived(batch)
    assert len(table) == 0 and table.stats.per_peer == {}
    table.announced(A, ids(2, "later"), now_ms=0)
    assert len(table) == 2


def test_a_repeated_announcement_counts_once() -> None:
    table = wants(peer_max=1)
    (tx_id,) = ids(1)
    table.announced(A, [tx_id], now_ms=0)
    table.announced(A, [tx_id], now_ms=5)
    assert table.stats.per_peer == {A: 1}
    assert table.stats.refused_over_quota == 0


def test_due_looks_only_at_the_wants_whose_time_came() -> None:
    # Hostile pass of stop 48: due() scanned every tracked want each ASK_INTERVAL_S (0.1 s):
    # a validator holding its 20,000 unserved ids in the table cost each honest node
    # 17-22 ms of its event loop per scan, 10 scans a second, on the 2-core test box.
    table = TxWants(
        grace_ms=GRACE_MS, fetch_timeout_ms=TIMEOUT_MS, peer_wants_max=20_000, ready_max=20_000
    )
    table.announced(A, ids(20_000), now_ms=0)
    for now_ms in range(0, GRACE_MS, 10):
        assert table.due(now_ms, none_here) == {}
    assert table.stats.examined == 0
    asks = table.due(GRACE_MS, none_here)
    assert len(asks[A]) == 20_000 and table.stats.examined == 20_000
    for now_ms in range(GRACE_MS, GRACE_MS + TIMEOUT_MS, 10):
        assert table.due(now_ms, none_here) == {}
    assert table.stats.examined == 20_000
    assert table.due(GRACE_MS + TIMEOUT_MS, none_here) == {}  # A passed over: forgotten
    assert table.stats.examined == 40_000 and len(table) == 0


def test_one_round_takes_up_a_bounded_number_of_ids() -> None:
    table = TxWants(grace_ms=GRACE_MS, peer_wants_max=20_000, ready_max=5_000)
    table.announced(A, ids(12_000), now_ms=0)
    sizes = [len(table.due(GRACE_MS + step, none_here).get(A, [])) for step in range(4)]
    assert sizes == [5_000, 5_000, 2_000, 0]


def test_a_want_made_again_is_asked_for_once() -> None:
    table = wants()
    (tx_id,) = ids(1)
    table.announced(A, [tx_id], now_ms=0)
    table.arrived([tx_id])
    table.announced(B, [tx_id], now_ms=0)  # the same ms: the first entry matches it too
    assert table.due(GRACE_MS, none_here) == {B: [tx_id]}
    assert table.stats.asked == 1
