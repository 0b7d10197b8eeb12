"""node/storage/seek_reads.py: point reads through a LevelDB iterator answer as get() does."""

from pathlib import Path

import plyvel

from node.storage.checked_reads import CheckedReads, DamageWatch
from node.storage.seek_reads import SeekReads


def test_seek_reads_answer_as_get_on_a_snapshot(tmp_path: Path) -> None:
    db = plyvel.DB(str(tmp_path / "db"), create_if_missing=True)
    try:
        for key in (b"a/1", b"a/3", b"b/1", b"gone"):
            db.put(key, key.upper())
        db.delete(b"gone")
        snapshot = db.snapshot()
        db.put(b"a/2", b"later")  # after the snapshot: not seen
        db.delete(b"a/3")  # likewise
        reads = SeekReads(CheckedReads(snapshot, DamageWatch(tmp_path / "db")))
        for key in (b"a/1", b"a/2", b"a/3", b"a", b"b/1", b"b/2", b"gone", b"zzz", b""):
            assert reads.get(key) == snapshot.get(key), key
        assert reads.get(b"a/3") == b"A/3"
        assert reads.get(b"a/2") is None
        # Reads in any order, again: the one iterator seeks back and forth.
        assert [reads.get(k) for k in (b"b/1", b"a/1", b"zzz", b"a/1")] == [
            b"B/1",
            b"A/1",
            None,
            b"A/1",
        ]
    finally:
        db.close()
