"""node/checkpoints.py: verified lines per size, a quorum note, and conflicting-line evidence."""

from pathlib import Path

import pytest

from node import checkpoints
from node.checkpoints import SIZES_KEPT, CheckpointBook
from node.storage.leveldb import LevelDbStore
from protocol.errors import NoteError
from protocol.evidence import ConflictingCheckpointEvidence
from protocol.hashing import Hash32, sha256
from protocol.note import (
    open_checkpoint,
    parse_signed_note,
    parse_verifier_key,
    sign_note,
)
from protocol.signing import verify_signature
from tests.unit.node.chain_kit import (
    CHAIN_ID,
    GENESIS,
    KEYS,
    VALIDATOR_NAMES,
    next_time,
    open_ledger,
)

VALIDATORS = GENESIS.document.validators
QUORUM = VALIDATORS.quorum
VERIFIERS = [parse_verifier_key(v.note_verifier_key) for v in VALIDATORS.validators]
ROOT = Hash32(sha256(b"root"))
FORK = Hash32(sha256(b"another root"))
COUNTY, NINGBO, XIAMEN = VALIDATOR_NAMES


def line(book: CheckpointBook, name: str, size: int, root: Hash32, signer: str = "") -> str:
    text = book.checkpoint(size, root).body()
    return sign_note(text, name, KEYS[signer or name]).line()


def add(book: CheckpointBook, name: str, size: int = 5, root: Hash32 = ROOT):
    return book.add(size=size, root=root, line=line(book, name, size, root), validators=VALIDATORS)


@pytest.fixture
def book() -> CheckpointBook:
    return CheckpointBook(CHAIN_ID)


def test_the_checkpoint_text_is_the_history_size(book: CheckpointBook) -> None:
    checkpoint = book.checkpoint(5, ROOT)
    assert checkpoint.size == 5
    assert checkpoint.root_hash == ROOT
    assert checkpoint.origin == "lantan/" + CHAIN_ID.hex()


def test_a_note_is_served_once_a_quorum_signed_our_root(book: CheckpointBook) -> None:
    assert QUORUM == 2
    book.set_committed_root(5, ROOT)
    assert book.signed_note(5, QUORUM) is None
    assert add(book, NINGBO) is None
    assert book.signed_note(5, QUORUM) is None
    assert book.latest_signed(QUORUM) is None
    assert add(book, COUNTY) is None
    note = book.signed_note(5, QUORUM)
    assert note is not None
    checkpoint, signers = open_checkpoint(
        note, chain_id=CHAIN_ID, verifiers=VERIFIERS, quorum=QUORUM
    )
    assert (checkpoint.size, checkpoint.root_hash) == (5, ROOT)
    assert sorted(signers) == sorted([COUNTY, NINGBO])
    # Lines are ordered by signer key, so every node serves the same bytes.
    again = CheckpointBook(CHAIN_ID)
    again.set_committed_root(5, ROOT)
    add(again, COUNTY)
    add(again, NINGBO)
    assert again.signed_note(5, QUORUM) == note
    assert book.latest_signed(QUORUM) == (5, note)
    add(book, XIAMEN)
    full = book.signed_note(5, QUORUM)
    assert full is not None
    assert len(parse_signed_note(full).signatures) == 3


def test_no_note_without_our_own_committed_root(book: CheckpointBook) -> None:
    for name in VALIDATOR_NAMES:
        add(book, name)
    assert book.signed_note(5, QUORUM) is None
    book.set_committed_root(5, ROOT)
    assert book.signed_note(5, QUORUM) is not None


def test_lines_over_another_root_do_not_count(book: CheckpointBook) -> None:
    book.set_committed_root(5, ROOT)
    add(book, COUNTY)
    add(book, NINGBO, root=FORK)
    add(book, XIAMEN, root=FORK)
    assert book.signed_note(5, QUORUM) is None
    add(book, NINGBO, size=6)  # another size is another checkpoint
    assert book.signed_note(5, QUORUM) is None


def test_latest_signed_is_the_largest_size_with_a_quorum(book: CheckpointBook) -> None:
    for size in (3, 4, 5):
        book.set_committed_root(size, ROOT)
        add(book, COUNTY, size=size)
    add(book, NINGBO, size=3)
    add(book, NINGBO, size=4)
    latest = book.latest_signed(QUORUM)
    assert latest is not None
    assert latest[0] == 4
    assert latest[1] == book.signed_note(4, QUORUM)


def test_the_same_line_twice_is_no_conflict(book: CheckpointBook) -> None:
    assert add(book, COUNTY) is None
    assert add(book, COUNTY) is None


class CountingArchive:
    """A NoteArchive that counts its writes."""

    def __init__(self) -> None:
        self.notes: dict[int, bytes] = {}
        self.writes = 0

    def put_checkpoint_note(self, size: int, note: bytes) -> None:
        self.notes[size] = note
        self.writes += 1

    def get_checkpoint_note(self, size: int | None = None) -> tuple[int, bytes] | None:
        key = max(self.notes, default=None) if size is None else size
        return None if key not in self.notes else (key, self.notes[key])


def test_a_line_replayed_is_neither_verified_nor_written_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A Byzantine validator replaying an honest validator's lines (recorded, valid) cost
    an Ed25519 check and a LevelDB write on the event loop per copy."""
    archive = CountingArchive()
    book = CheckpointBook(CHAIN_ID, archive)
    checks: list[bytes] = []

    def verify(public_key: bytes, message: bytes, signature: bytes) -> bool:
        checks.append(signature)
        return verify_signature(public_key, message, signature)

    monkeypatch.setattr(checkpoints, "verify_signature", verify)
    book.set_committed_root(5, ROOT)
    recorded = {name: line(book, name, 5, ROOT) for name in (COUNTY, NINGBO)}
    for name in (COUNTY, NINGBO):
        book.add(size=5, root=ROOT, line=recorded[name], validators=VALIDATORS)
    assert (len(checks), archive.writes) == (2, 1)  # the note, once a quorum signed
    for _ in range(100):
        for name in (COUNTY, NINGBO):
            assert book.add(size=5, root=ROOT, line=recorded[name], validators=VALIDATORS) is None
    assert (len(checks), archive.writes) == (2, 1)
    assert book.signed_note(5, QUORUM) == archive.notes[5].decode()
    # A line over another root by a key already held is still checked: it may be evidence.
    assert isinstance(add(book, COUNTY, root=FORK), ConflictingCheckpointEvidence)
    assert len(checks) == 3


def test_two_roots_for_one_size_by_one_key_are_evidence(
    book: CheckpointBook, tmp_path: Path
) -> None:
    book.set_committed_root(5, ROOT)
    assert add(book, XIAMEN) is None
    evidence = add(book, XIAMEN, root=FORK)
    assert isinstance(evidence, ConflictingCheckpointEvidence)
    assert evidence.signer == KEYS[XIAMEN].public_key
    assert evidence.size == 5
    roots = set()
    for note_text in (evidence.note_a, evidence.note_b):
        checkpoint, signers = open_checkpoint(
            note_text, chain_id=CHAIN_ID, verifiers=VERIFIERS, quorum=1
        )
        assert signers == (XIAMEN,)
        roots.add(checkpoint.root_hash)
    assert roots == {ROOT, FORK}
    # The first line stays; the conflicting one is not counted.
    add(book, COUNTY)
    note = book.signed_note(5, QUORUM)
    assert note is not None
    _checkpoint, signers = open_checkpoint(note, chain_id=CHAIN_ID, verifiers=VERIFIERS, quorum=2)
    assert (_checkpoint.root_hash, sorted(signers)) == (ROOT, sorted([XIAMEN, COUNTY]))
    # Either order of arrival gives the same evidence, and a block may carry it.
    other = CheckpointBook(CHAIN_ID)
    add(other, XIAMEN, root=FORK)
    assert add(other, XIAMEN) == evidence
    ledger = open_ledger(tmp_path / "data")
    try:
        prepared = ledger.build(
            txs=(),
            evidence=(evidence,),
            time_ms=next_time(ledger),
            proposer=KEYS[COUNTY].public_key,
        )
        assert prepared.block.evidence == (evidence,)
    finally:
        ledger.store.close()


def test_a_line_by_a_key_outside_the_set_is_refused(book: CheckpointBook) -> None:
    court = "xiangshan-court"
    with pytest.raises(NoteError, match="not from a validator"):
        add(book, court)
    # A validator's name with another key has another key id: not that validator either.
    with pytest.raises(NoteError, match="not from a validator"):
        book.add(size=5, root=ROOT, line=line(book, COUNTY, 5, ROOT, court), validators=VALIDATORS)


def test_a_line_that_does_not_verify_is_refused(book: CheckpointBook) -> None:
    over_fork = line(book, COUNTY, 5, FORK)
    with pytest.raises(NoteError, match="does not verify"):
        book.add(size=5, root=ROOT, line=over_fork, validators=VALIDATORS)
    over_other_size = line(book, COUNTY, 6, ROOT)
    with pytest.raises(NoteError, match="does not verify"):
        book.add(size=5, root=ROOT, line=over_other_size, validators=VALIDATORS)
    other_chain = CheckpointBook(Hash32(sha256(b"other chain")))
    with pytest.raises(NoteError, match="does not verify"):
        book.add(size=5, root=ROOT, line=line(other_chain, COUNTY, 5, ROOT), validators=VALIDATORS)
    book.set_committed_root(5, ROOT)
    assert book.signed_note(5, 1) is None


@pytest.mark.parametrize("text", ["", "\n", "— xiangshan-county AAAA\n", "no dash here\n", "x"])
def test_a_garbled_line_is_refused(book: CheckpointBook, text: str) -> None:
    with pytest.raises(NoteError):
        book.add(size=5, root=ROOT, line=text, validators=VALIDATORS)


def test_old_sizes_are_forgotten(book: CheckpointBook, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(checkpoints, "SIZES_KEPT", 3)
    for size in range(1, 6):
        book.set_committed_root(size, ROOT)
        add(book, COUNTY, size=size)
        add(book, NINGBO, size=size)
    assert book.signed_note(1, QUORUM) is None
    assert book.signed_note(2, QUORUM) is None
    for size in (3, 4, 5):
        assert book.signed_note(size, QUORUM) is not None
    latest = book.latest_signed(QUORUM)
    assert latest is not None
    assert latest[0] == 5


def test_the_book_keeps_a_bounded_window_of_committed_roots(book: CheckpointBook) -> None:
    # A node commits for years: its own roots must not pile up in memory, one per height.
    for size in range(1, SIZES_KEPT + 100):
        book.set_committed_root(size, ROOT)
    assert len(book._roots) == SIZES_KEPT
    assert min(book._roots) == 100  # the oldest went first


def test_the_text_of_a_size_comes_from_memory_else_from_the_archived_note(
    tmp_path: Path,
) -> None:
    """What the cosignature book verifies stored witness lines against after a restart."""
    with LevelDbStore.open(tmp_path / "db") as store:
        book = CheckpointBook(CHAIN_ID, store)
        assert book.text(5) is None
        book.set_committed_root(5, ROOT)
        assert book.text(5) == book.checkpoint(5, ROOT).body()
        add(book, NINGBO)
        add(book, XIAMEN)
        restarted = CheckpointBook(CHAIN_ID, store)
        assert restarted.text(5) == book.checkpoint(5, ROOT).body()
        store.put_checkpoint_note(6, b"\xff not a note")
        assert restarted.text(6) is None and restarted.text(7) is None
