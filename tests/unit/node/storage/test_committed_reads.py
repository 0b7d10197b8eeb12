"""node/storage/committed_reads.py: committed state reads held until the next commit.

A held read must never outlive the commit that changed its key: the store's state port
answers every read after a commit with the committed value, and a read that raced a commit
is not kept.
"""

from pathlib import Path

from node.storage import LevelDbStore
from node.storage.committed_reads import CommittedReads


class Space:
    """A byte map that counts reads; `during_read` runs inside each read (a racing commit)."""

    def __init__(self) -> None:
        self.values: dict[bytes, bytes] = {}
        self.reads = 0
        self.during_read = lambda: None

    def get(self, key: bytes) -> bytes | None:
        self.reads += 1
        value = self.values.get(key)
        self.during_read()
        return value

    def put(self, key: bytes, value: bytes | None) -> None:
        raise AssertionError("never written through the cache")


def commit_state(store: LevelDbStore, height: int, writes: dict[str, bytes | None]) -> None:
    overlay = store.begin()
    overlay.state.apply(writes)
    overlay.record_block(
        height=height,
        block=b"block %d" % height,
        certificate=None if height == 0 else b"cert",
        results=(),
        tx_ids=(),
    )
    store.commit(overlay)


def test_each_key_is_read_once_until_invalidated_absent_keys_too() -> None:
    space = Space()
    space.values[b"a"] = b"1"
    reads = CommittedReads(space)
    assert [reads.get(b"a"), reads.get(b"a"), reads.get(b"b"), reads.get(b"b")] == [
        b"1",
        b"1",
        None,
        None,
    ]
    assert space.reads == 2
    space.values[b"a"] = b"2"
    reads.begin_write()
    reads.end_write()
    assert reads.get(b"a") == b"2"
    assert space.reads == 3


def test_a_read_that_raced_a_commit_is_not_kept() -> None:
    space = Space()
    space.values[b"a"] = b"old"
    reads = CommittedReads(space)

    def commit() -> None:
        space.values[b"a"] = b"new"
        space.during_read = lambda: None
        reads.begin_write()
        reads.end_write()

    space.during_read = commit
    assert reads.get(b"a") == b"old"  # read before the batch landed
    assert reads.get(b"a") == b"new"
    assert len(reads) == 1


def test_no_read_after_the_batch_landed_sees_a_value_held_from_before() -> None:
    """The head is read beside this cache: once the batch is in LevelDB (before end_write),
    a read must see it, and nothing read while the batch is being written is kept."""
    space = Space()
    space.values[b"a"] = b"old"
    reads = CommittedReads(space)
    assert reads.get(b"a") == b"old"
    reads.begin_write()
    space.values[b"a"] = b"new"  # the batch landed; end_write() has not run yet
    assert reads.get(b"a") == b"new"
    assert len(reads) == 0
    reads.end_write()
    assert reads.get(b"a") == b"new"
    assert len(reads) == 1


def test_held_bytes_stay_under_the_bound() -> None:
    space = Space()
    space.values = {b"k%03d" % i: b"v" * 100 for i in range(100)}
    reads = CommittedReads(space, bytes_max=1_000)
    for key in space.values:
        assert reads.get(key) == b"v" * 100
    assert reads.held_bytes() <= 1_000
    assert len(reads) == 9  # 104 bytes an entry
    before = space.reads
    assert reads.get(b"k099") == b"v" * 100  # not held: read again
    assert space.reads == before + 1


def test_the_store_answers_every_read_after_a_commit_with_the_committed_value(
    tmp_path: Path,
) -> None:
    with LevelDbStore.open(tmp_path / "db") as store:
        commit_state(store, 0, {"params": b"p0", "key/a": b"k0"})
        assert store.state.get("params") == b"p0"
        assert store.state.get("nonce/a") is None
        commit_state(store, 1, {"params": b"p1", "nonce/a": b"1"})
        assert store.state.get("params") == b"p1"
        assert store.state.get("nonce/a") == b"1"
        assert store.state.get("key/a") == b"k0"
        commit_state(store, 2, {"key/a": None})
        assert store.state.get("key/a") is None
        # An overlay begun now reads the same committed values.
        assert store.begin().state.get("params") == b"p1"
