"""node/cosignatures.py: a cosignature is bounded, decoded, verified, then kept (ADR 0021)."""

import dataclasses
import json
import logging
from pathlib import Path

import pytest

from node import cosignatures
from node.cosignatures import (
    FUTURE_SKEW_S,
    LINE_BYTES_MAX,
    SIZES_KEPT,
    CosignatureBook,
    CosignatureRefusedError,
)
from node.logs import JsonFormatter
from node.storage.leveldb import LevelDbStore
from protocol.cosignature import Cosignature, cosign, cosignature_key_id
from protocol.hashing import Hash32, sha256
from protocol.note import checkpoint_at_height, parse_signature_line
from protocol.signing import SigningKey
from protocol.witnesses import Witness, WitnessSet
from tests.unit.node.chain_kit import count_ed25519_verifies

CHAIN_ID = sha256(b"cosignature book chain")
COURT = SigningKey(sha256(b"court witness"))
STRANGER = SigningKey(sha256(b"not a witness"))
NOW_S = 1_800_000_000


def text(size: int) -> str:
    root = Hash32(sha256(b"root %d" % size))
    return checkpoint_at_height(chain_id=CHAIN_ID, height=size - 1, root_hash=root).body()


def line(size: int, key: SigningKey = COURT, name: str = "court", at: int = NOW_S) -> bytes:
    return cosign(text(size), name, key, at).note_signature().line().encode()


def tampered(good: bytes) -> bytes:
    cosignature = Cosignature.from_note_signature(parse_signature_line(good.decode()))
    signature = bytes([cosignature.signature[0] ^ 1]) + cosignature.signature[1:]
    bad = dataclasses.replace(cosignature, signature=signature)
    return bad.note_signature().line().encode()


@pytest.fixture
def book() -> CosignatureBook:
    witness = Witness(name="court", public_key=COURT.public_key)
    return CosignatureBook(WitnessSet(witnesses=(witness,), quorum=1))


def test_valid_line_is_kept_and_served(book: CosignatureBook) -> None:
    assert not book.has_quorum(5)
    assert book.add(size=5, text=text(5), line=line(5), now_s=NOW_S, mono_s=NOW_S) == "court"
    assert book.has_quorum(5) and book.sizes_with_quorum() == [5]
    assert book.lines(5)[0].line().encode() == line(5)


def test_newest_line_of_a_witness_replaces_an_older_one(book: CosignatureBook) -> None:
    book.add(size=5, text=text(5), line=line(5, at=NOW_S - 10), now_s=NOW_S, mono_s=NOW_S)
    book.add(size=5, text=text(5), line=line(5), now_s=NOW_S, mono_s=NOW_S)
    book.add(size=5, text=text(5), line=line(5, at=NOW_S - 20), now_s=NOW_S, mono_s=NOW_S)
    assert [entry.line().encode() for entry in book.lines(5)] == [line(5)]


def test_newest_sizes_per_witness(book: CosignatureBook) -> None:
    """GET /v1/witnesses shows each witness's newest kept size (ADR 0025), whatever the
    order the sizes arrived in."""
    assert book.newest_sizes() == {}
    for size in (7, 9, 8):
        book.add(size=size, text=text(size), line=line(size), now_s=NOW_S, mono_s=NOW_S)
    assert book.newest_sizes() == {"court": 9}


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        (line(5, key=STRANGER, name="stranger"), "not a witness"),
        (
            line(5, key=STRANGER),
            "key id [0-9a-f]{8} is not the key of witness 'court' "
            rf"\(expected {cosignature_key_id('court', COURT.public_key).hex()}\)",
        ),
        (tampered(line(5)), "does not verify"),
        (line(6), "does not verify"),
        (line(5, at=NOW_S + FUTURE_SKEW_S + 1), "future"),
        (b"\xff\n", "not a cosignature line"),
        (b"x" * (LINE_BYTES_MAX + 1), "at most"),
        (line(5)[:-1], "not a cosignature line"),
    ],
)
def test_bad_lines_are_refused_and_not_kept(book: CosignatureBook, bad: bytes, reason: str) -> None:
    with pytest.raises(CosignatureRefusedError, match=reason):
        book.add(size=5, text=text(5), line=bad, now_s=NOW_S, mono_s=NOW_S)
    assert book.lines(5) == ()


def test_storage_is_bounded(book: CosignatureBook) -> None:
    for size in range(1, SIZES_KEPT + 3):
        # A size a second, as a witness cosigns a chain (WITNESS_LINES_PER_S).
        book.add(
            size=size, text=text(size), line=line(size), now_s=NOW_S + size, mono_s=NOW_S + size
        )
    kept = book.sizes_with_quorum()
    assert len(kept) == SIZES_KEPT and kept[0] == SIZES_KEPT + 2 and book.lines(1) == ()


AUDITOR = SigningKey(sha256(b"auditor witness"))


def two_witnesses() -> WitnessSet:
    listed = sorted(
        (
            Witness(name="court", public_key=COURT.public_key),
            Witness(name="auditor", public_key=AUDITOR.public_key),
        ),
        key=lambda witness: witness.public_key,
    )
    return WitnessSet(witnesses=tuple(listed), quorum=2)


def test_kept_lines_survive_a_restart(tmp_path: Path) -> None:
    """ADR 0021's follow-up: a restarted node still serves what its witnesses cosigned."""
    court, auditor = line(5), line(5, key=AUDITOR, name="auditor")
    with LevelDbStore.open(tmp_path / "db") as store:
        book = CosignatureBook(two_witnesses(), store)
        book.add(size=5, text=text(5), line=court, now_s=NOW_S, mono_s=NOW_S)
        book.add(size=5, text=text(5), line=auditor, now_s=NOW_S, mono_s=NOW_S)
        book.add(size=6, text=text(6), line=line(6), now_s=NOW_S, mono_s=NOW_S)
    with LevelDbStore.open(tmp_path / "db") as store:
        again = CosignatureBook(two_witnesses(), store)
        assert again.sizes_with_quorum() == [5] and not again.has_quorum(6)
        assert [entry.line().encode() for entry in again.lines(5)] == [auditor, court]
        assert [entry.line().encode() for entry in again.lines(6)] == [line(6)]


def test_only_verified_lines_are_stored_one_per_witness(tmp_path: Path) -> None:
    with LevelDbStore.open(tmp_path / "db") as store:
        book = CosignatureBook(two_witnesses(), store)
        for bad in (tampered(line(5)), line(5, key=STRANGER, name="stranger"), line(6)):
            with pytest.raises(CosignatureRefusedError):
                book.add(size=5, text=text(5), line=bad, now_s=NOW_S, mono_s=NOW_S)
        assert store.get_cosignature_lines(5) is None
        for at in (NOW_S - 20, NOW_S, NOW_S - 10):
            book.add(size=5, text=text(5), line=line(5, at=at), now_s=NOW_S, mono_s=NOW_S)
        assert store.get_cosignature_lines(5) == line(5)


def test_a_restart_reloads_the_newest_sizes_and_reads_older_ones_on_demand(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cosignatures, "SIZES_KEPT", 2)
    witness = WitnessSet(witnesses=(Witness(name="court", public_key=COURT.public_key),), quorum=1)
    with LevelDbStore.open(tmp_path / "db") as store:
        book = CosignatureBook(witness, store)
        for size in (1, 2, 3, 4):
            book.add(size=size, text=text(size), line=line(size), now_s=NOW_S, mono_s=NOW_S)
    with LevelDbStore.open(tmp_path / "db") as store:
        again = CosignatureBook(witness, store)
        assert again.sizes_with_quorum() == [4, 3]
        assert [entry.line().encode() for entry in again.lines(1)] == [line(1)]
        assert again.lines(7) == ()


CORRUPT_VALUES = [
    (b"\xff\xfe\n", "not a cosignature line"),
    (line(5) + line(5, key=AUDITOR, name="auditor") + line(5), "3 lines, more than the 2"),
    (b"no signature here\n", "not a cosignature line"),
    (b"x" * (2 * LINE_BYTES_MAX + 1), "bytes, more than 2 lines hold"),
    (line(5, key=STRANGER, name="stranger"), "not a witness"),
    (line(5) + line(5, at=NOW_S - 1), "two lines of court"),
    (tampered(line(5)), "cosignature of court does not verify"),
    (line(6), "cosignature of court does not verify"),
]


@pytest.mark.parametrize(("corrupt", "reason"), CORRUPT_VALUES)
def test_a_corrupt_stored_value_is_skipped_logged_and_counted_at_start(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, corrupt: bytes, reason: str
) -> None:
    """A node with one corrupt stored size starts and serves every other size."""
    with LevelDbStore.open(tmp_path / "db") as store:
        book = CosignatureBook(two_witnesses(), store)
        for size in (4, 6):
            book.add(size=size, text=text(size), line=line(size), now_s=NOW_S, mono_s=NOW_S)
        store.put_cosignature_lines(5, corrupt)
    skipped: list[None] = []
    caplog.set_level(logging.WARNING, logger="lantan.node")
    with LevelDbStore.open(tmp_path / "db") as store:
        again = CosignatureBook(
            two_witnesses(), store, checkpoint_text=text, skipped=lambda: skipped.append(None)
        )
        assert [entry.line().encode() for entry in again.lines(4)] == [line(4)]
        assert [entry.line().encode() for entry in again.lines(6)] == [line(6)]
        assert again.sizes_with_quorum() == [] and not again.has_quorum(5)
        skipped_at_start = len(skipped)
        records = [r for r in caplog.records if r.levelno == logging.WARNING]
        assert len(records) == 1 and skipped_at_start == 1
        logged = json.loads(JsonFormatter().format(records[0]))
        assert logged["size"] == 5 and reason in logged["reason"]
        assert reason in logged["message"] and "size 5" in logged["message"]
        # The skipped size takes new lines again (the witnesses post on their next round).
        auditor = line(5, key=AUDITOR, name="auditor")
        again.add(size=5, text=text(5), line=auditor, now_s=NOW_S, mono_s=NOW_S)
        assert [entry.line().encode() for entry in again.lines(5)] == [auditor]
        assert store.get_cosignature_lines(5) == auditor


def test_a_corrupt_older_value_read_on_demand_is_skipped_and_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cosignatures, "SIZES_KEPT", 2)
    with LevelDbStore.open(tmp_path / "db") as store:
        book = CosignatureBook(two_witnesses(), store)
        for size in (2, 3, 4):
            book.add(size=size, text=text(size), line=line(size), now_s=NOW_S, mono_s=NOW_S)
        store.put_cosignature_lines(1, b"\xff\n")
    caplog.set_level(logging.WARNING, logger="lantan.node")
    with LevelDbStore.open(tmp_path / "db") as store:
        again = CosignatureBook(two_witnesses(), store, checkpoint_text=text)
        assert not caplog.records
        assert again.lines(1) == ()
        assert [entry.line().encode() for entry in again.lines(2)] == [line(2)]
        assert [(r.levelname, getattr(r, "size", None)) for r in caplog.records] == [("WARNING", 1)]


def test_stored_lines_without_a_checkpoint_to_verify_them_are_skipped(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with LevelDbStore.open(tmp_path / "db") as store:
        CosignatureBook(two_witnesses(), store).add(
            size=5, text=text(5), line=line(5), now_s=NOW_S, mono_s=NOW_S
        )
        again = CosignatureBook(two_witnesses(), store, checkpoint_text=lambda size: None)
        assert again.lines(5) == ()
        assert "no checkpoint of this size" in caplog.text


class _CountingArchive:
    """An archive that counts its (synced, in LevelDB) writes."""

    def __init__(self) -> None:
        self.puts = 0

    def put_cosignature_lines(self, size: int, lines: bytes) -> None:
        self.puts += 1

    def get_cosignature_lines(self, size: int) -> bytes | None:
        return None

    def newest_cosignature_lines(self, count: int) -> list[tuple[int, bytes]]:
        return []


def test_a_witness_resigning_one_size_is_throttled_and_others_are_not() -> None:
    # Hostile pass of stop 50: one witness re-signed size 5 with rising timestamps, each
    # line newer than the last, so each a synced write on the event loop: 1,000 posts,
    # 1,000 writes. Now WITNESS_LINES_BURST, then WITNESS_LINES_PER_S, per witness.
    archive = _CountingArchive()
    book = CosignatureBook(two_witnesses(), archive)
    posts = [line(5, at=NOW_S - 1000 + i) for i in range(200)]
    throttled = 0
    for posted in posts:
        try:
            book.add(size=5, text=text(5), line=posted, now_s=NOW_S, mono_s=NOW_S)
        except cosignatures.CosignatureThrottledError:
            throttled += 1
    print(f"200 lines of one size at one second: {archive.puts} writes, {throttled} throttled")
    assert archive.puts == cosignatures.WITNESS_LINES_BURST
    # Forgeries naming the throttled witness spend nothing; the other witness is served.
    book.add(
        size=5, text=text(5), line=line(5, key=AUDITOR, name="auditor"), now_s=NOW_S, mono_s=NOW_S
    )
    with pytest.raises(cosignatures.CosignatureThrottledError):
        book.add(size=5, text=text(5), line=tampered(line(6)), now_s=NOW_S, mono_s=NOW_S)
    later = NOW_S + 1
    for offset in range(cosignatures.WITNESS_LINES_PER_S):
        book.add(size=5, text=text(5), line=line(5, at=NOW_S + offset), now_s=later, mono_s=later)
    with pytest.raises(cosignatures.CosignatureThrottledError):
        book.add(size=5, text=text(5), line=line(5, at=later), now_s=later, mono_s=later)


def test_lines_that_do_not_verify_are_bounded_per_sender_and_spend_no_witness_budget(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Hostile pass of stop 51: the witness budget is spent only by verified lines (so a
    # stranger cannot drain it), which left every forged line naming a witness's key a
    # signature check on the event loop, without bound. Now FORGED_LINES_BURST, then
    # FORGED_LINES_PER_S, per sender; its later lines are refused before any check.
    verifies = count_ed25519_verifies(monkeypatch)
    book = CosignatureBook(two_witnesses())
    forged, refused_unchecked = tampered(line(5)), 0
    for _ in range(200):
        try:
            book.add(
                size=5, text=text(5), line=forged, now_s=NOW_S, mono_s=NOW_S, sender="203.0.113.9"
            )
        except cosignatures.CosignatureThrottledError:
            refused_unchecked += 1
        except CosignatureRefusedError:
            pass
    print(f"200 forged lines: {len(verifies)} signature checks, {refused_unchecked} refused")
    assert len(verifies) == cosignatures.FORGED_LINES_BURST
    assert refused_unchecked == 200 - cosignatures.FORGED_LINES_BURST
    # The witness named, posting from its own address, is checked and kept.
    assert book.add(
        size=5, text=text(5), line=line(5), now_s=NOW_S, mono_s=NOW_S, sender="198.51.100.7"
    )
    # A second later the forger has one more check; a verified line never spends it.
    later = NOW_S + 1
    with pytest.raises(CosignatureRefusedError):
        book.add(size=5, text=text(5), line=forged, now_s=later, mono_s=later, sender="203.0.113.9")
    with pytest.raises(cosignatures.CosignatureThrottledError):
        book.add(size=5, text=text(5), line=forged, now_s=later, mono_s=later, sender="203.0.113.9")
    for offset in range(cosignatures.FORGED_LINES_BURST + 1):
        book.add(
            size=6,
            text=text(6),
            line=line(6, at=NOW_S + offset),
            now_s=later,
            mono_s=later,
            sender="w",
        )


def test_a_wall_clock_stepped_back_does_not_stop_the_buckets_refilling() -> None:
    """The buckets run on the monotonic clock: with the wall clock stepped back an hour a
    second after the burst was spent, the next second's lines are taken (refilled by
    elapsed time, not by the wall's seconds, which went backwards)."""
    book = CosignatureBook(two_witnesses(), _CountingArchive())
    burst = cosignatures.WITNESS_LINES_BURST
    for offset in range(burst):
        book.add(
            size=5, text=text(5), line=line(5, at=NOW_S - 5000 + offset), now_s=NOW_S, mono_s=50.0
        )
    with pytest.raises(cosignatures.CosignatureThrottledError):
        book.add(size=5, text=text(5), line=line(5, at=NOW_S - 4000), now_s=NOW_S, mono_s=50.0)
    stepped_back = NOW_S - 3600
    for offset in range(cosignatures.WITNESS_LINES_PER_S):
        at = stepped_back - 300 + offset
        book.add(size=5, text=text(5), line=line(5, at=at), now_s=stepped_back, mono_s=51.0)
    with pytest.raises(cosignatures.CosignatureThrottledError):
        book.add(
            size=5, text=text(5), line=line(5, at=stepped_back), now_s=stepped_back, mono_s=51.0
        )
