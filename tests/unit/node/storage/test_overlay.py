"""node/storage/overlay.py: discardable per-proposal write sets over real LevelDB."""

import gc
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest

from node.storage import LevelDbStore, StaleOverlayError
from protocol.log import MerkleLog
from protocol.smt import SparseMerkleTree
from tests.unit.node.storage import chain


def all_records(store: LevelDbStore) -> list[tuple[bytes, bytes]]:
    """Every key and value in the database, to prove that nothing changed."""
    with store._db.iterator() as records:
        return list(records)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[LevelDbStore]:
    with LevelDbStore.open(tmp_path / "db") as opened:
        for height in range(3):
            chain.commit_block(opened, height)
        yield opened


def test_dropping_an_overlay_leaves_the_database_untouched(store: LevelDbStore) -> None:
    before = all_records(store)
    overlay = store.begin()
    chain.apply_roots(overlay.log, overlay.smt, 3)
    overlay.state.apply(chain.state_writes(3))
    overlay.record_block(
        height=3, block=b"h", certificate=b"c", results=[b"r"], tx_ids=[chain.tx_ids(3)[0]]
    )
    assert overlay.write_count() > 20
    del overlay
    assert all_records(store) == before
    assert store.head_height() == 2


def test_overlay_reads_its_own_writes_and_falls_through_to_committed(
    store: LevelDbStore,
) -> None:
    overlay = store.begin()
    committed_value = store.state.get("account/7")
    assert committed_value is not None
    assert overlay.state.get("account/7") == committed_value
    overlay.state.apply({"account/7": b"changed", "account/8": None})
    assert overlay.state.get("account/7") == b"changed"
    assert overlay.state.get("account/8") is None
    assert store.state.get("account/7") == committed_value
    assert MerkleLog(overlay.log).size == 3


def test_several_overlays_are_independent(store: LevelDbStore) -> None:
    round_zero, round_one = store.begin(), store.begin()
    smt_zero = SparseMerkleTree(round_zero.smt)
    smt_one = SparseMerkleTree(round_one.smt)
    root_zero = smt_zero.update(3, {b"account/1": b"round 0"})
    root_one = smt_one.update(3, {b"account/1": b"round 1"})
    assert root_zero != root_one
    assert smt_zero.get(b"account/1") == b"round 0"
    assert smt_one.get(b"account/1") == b"round 1"
    assert store.smt.latest_version() == 2


def test_overlay_reads_a_snapshot_even_after_another_commit(tmp_path: Path) -> None:
    with LevelDbStore.open(tmp_path / "db") as store:
        chain.commit_block(store, 0)
        stale = store.begin()
        chain.commit_block(store, 1)
        assert stale.base_head == 0
        assert MerkleLog(stale.log).size == 1
        assert MerkleLog(store.log).size == 2


def test_commit_of_an_overlay_from_a_lost_round_is_refused(store: LevelDbStore) -> None:
    lost, won = store.begin(), store.begin()
    for overlay in (lost, won):
        overlay.record_block(height=3, block=b"block", certificate=b"c", results=[], tx_ids=[])
    store.commit(won)
    before = all_records(store)
    with pytest.raises(StaleOverlayError, match="built on head 2, the head is now 3"):
        store.commit(lost)
    assert all_records(store) == before


def test_an_overlay_commits_once_and_takes_no_writes_after(store: LevelDbStore) -> None:
    overlay = store.begin()
    overlay.record_block(height=3, block=b"block", certificate=b"c", results=[], tx_ids=[])
    store.commit(overlay)
    with pytest.raises(StaleOverlayError, match="committed already"):
        store.commit(overlay)
    with pytest.raises(StaleOverlayError):
        overlay.state.apply({"account/1": b"late"})


def test_commit_without_a_block_is_refused(store: LevelDbStore) -> None:
    overlay = store.begin()
    overlay.state.apply({"account/1": b"x"})
    with pytest.raises(ValueError, match="record_block"):
        store.commit(overlay)
    assert store.state.get("account/1") != b"x"


@pytest.mark.parametrize(
    ("height", "certificate", "results", "message"),
    [
        (4, b"c", [], "only record height 3"),
        (2, b"c", [], "only record height 3"),
        (3, None, [], "needs its commit certificate"),
        (3, b"c", [b"r"], "1 results for 0 txs"),
    ],
)
def test_record_block_checks_its_arguments(
    store: LevelDbStore,
    height: int,
    certificate: bytes | None,
    results: list[bytes],
    message: str,
) -> None:
    overlay = store.begin()
    with pytest.raises(ValueError, match=message):
        overlay.record_block(
            height=height, block=b"b", certificate=certificate, results=results, tx_ids=[]
        )


def test_record_block_only_once(store: LevelDbStore) -> None:
    overlay = store.begin()
    overlay.record_block(height=3, block=b"b", certificate=b"c", results=[], tx_ids=[])
    with pytest.raises(ValueError, match="already holds block 3"):
        overlay.record_block(height=3, block=b"b", certificate=b"c", results=[], tx_ids=[])


def test_genesis_overlay_on_an_empty_store_records_height_zero(tmp_path: Path) -> None:
    with LevelDbStore.open(tmp_path / "db") as store:
        overlay = store.begin()
        assert overlay.base_head is None
        overlay.record_block(height=0, block=b"genesis", certificate=None, results=[], tx_ids=[])
        store.commit(overlay)
        assert store.head_height() == 0
        assert store.get_block(0) == b"genesis"


def test_a_dropped_overlay_is_freed_without_the_cycle_collector(store: LevelDbStore) -> None:
    # A block's write set and its LevelDB snapshot must go when the last reference does,
    # not at the next full collection (issue 20: dead write sets piled up between them).
    overlay = store.begin()
    overlay.put(b"state/k", b"v" * 1000)
    SparseMerkleTree(overlay.smt).update(4, {b"k": b"v"})
    dropped = weakref.ref(overlay)
    gc.disable()
    try:
        del overlay
        assert dropped() is None
    finally:
        gc.enable()
