"""node/signer_file.py: durable atomic writes and the checkpoint merge rule (DESIGN.md §4)."""

import os
import stat
from dataclasses import replace
from pathlib import Path

import pytest

from consensus.actions import PersistPayload
from consensus.signer_state import (
    VALID_POL_MAX,
    SignedStep,
    SignerState,
    encode_signer_state,
    initial_signer_state,
    pol_kept,
)
from node.signer_file import (
    PREWRITTEN_KEPT,
    SIGNER_STATE_FILE,
    SignerStateFile,
    SignerStateFileError,
)
from protocol.encoding import encode
from protocol.hashing import Hash32, sha256
from tests.kit.engine_config import payload_hash
from tests.kit.signer_states import locked_with_pol
from tests.unit.consensus.harness import CHAIN_ID, PRE, Harness, X

ROOT_A = Hash32(sha256(b"root a"))
ROOT_B = Hash32(sha256(b"root b"))
BLOCK = Hash32(sha256(b"block"))


def engine_state(height: int = 3, round_number: int = 0) -> SignerState:
    return SignerState(
        height=height,
        round=round_number,
        step=SignedStep.PREVOTE,
        block_hash=BLOCK,
        locked_round=0,
        locked_block=BLOCK,
    )


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / SIGNER_STATE_FILE


def stored(path: Path) -> SignerState | None:
    """What a restarted node reads."""
    return SignerStateFile(path).load()


def test_a_missing_file_loads_as_none(path: Path) -> None:
    signer = SignerStateFile(path)
    assert signer.load() is None
    assert signer.checkpoint == (0, None)


def test_write_then_load_round_trips(path: Path) -> None:
    state = replace(engine_state(), checkpoint_size=4, checkpoint_root=ROOT_A)
    SignerStateFile(path).write(state)
    assert path.read_bytes() == encode_signer_state(state)
    assert stored(path) == state
    reader = SignerStateFile(path)
    reader.load()
    assert reader.checkpoint == (4, ROOT_A)


def test_the_file_is_private_and_no_temporary_is_left(path: Path) -> None:
    SignerStateFile(path).write(engine_state())
    SignerStateFile(path).write(engine_state(4))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in path.parent.iterdir()) == [SIGNER_STATE_FILE]


def test_write_fsyncs_the_file_and_then_the_directory(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(descriptor: int) -> None:
        synced.append("dir" if stat.S_ISDIR(os.fstat(descriptor).st_mode) else "file")
        real_fsync(descriptor)

    def replace_file(source: os.PathLike[str], target: os.PathLike[str]) -> None:
        synced.append("rename")
        real_replace(source, target)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace_file)
    SignerStateFile(path).write(engine_state())
    assert synced == ["file", "rename", "dir"]


def test_a_crash_before_the_rename_leaves_the_old_state(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = engine_state(3)
    SignerStateFile(path).write(old)

    def crash(*_args: object) -> None:
        raise OSError("power cut")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="power cut"):
        SignerStateFile(path).write(engine_state(9))
    monkeypatch.undo()
    assert stored(path) == old
    # The next write replaces the leftover temporary file.
    SignerStateFile(path).write(engine_state(10))
    assert stored(path) == engine_state(10)


@pytest.mark.parametrize(
    "content",
    [b"", b"{", b'{"height": 1}', encode_signer_state(initial_signer_state()) + b" "],
)
def test_a_damaged_file_refuses_to_load(path: Path, content: bytes) -> None:
    path.write_bytes(content)
    with pytest.raises(SignerStateFileError, match="damaged"):
        SignerStateFile(path).load()


def test_an_unreadable_file_refuses_to_load(path: Path) -> None:
    path.mkdir()
    with pytest.raises(SignerStateFileError, match="cannot read"):
        SignerStateFile(path).load()


def test_record_checkpoint_only_moves_forward(path: Path) -> None:
    signer = SignerStateFile(path)
    assert signer.load() is None
    engine = engine_state()
    assert signer.record_checkpoint(engine, 5, ROOT_A)
    assert signer.checkpoint == (5, ROOT_A)
    assert stored(path) == replace(engine, checkpoint_size=5, checkpoint_root=ROOT_A)
    assert signer.record_checkpoint(engine, 5, ROOT_A)  # the same line again is fine
    assert not signer.record_checkpoint(engine, 5, ROOT_B)  # never a second root
    assert not signer.record_checkpoint(engine, 4, ROOT_B)  # never an older size
    assert signer.checkpoint == (5, ROOT_A)
    assert stored(path) == replace(engine, checkpoint_size=5, checkpoint_root=ROOT_A)
    assert signer.record_checkpoint(engine, 6, ROOT_B)
    assert signer.checkpoint == (6, ROOT_B)


def test_the_rule_survives_a_restart(path: Path) -> None:
    first = SignerStateFile(path)
    first.load()
    assert first.record_checkpoint(engine_state(), 5, ROOT_A)
    restarted = SignerStateFile(path)
    loaded = restarted.load()
    assert loaded is not None
    assert not restarted.record_checkpoint(loaded, 5, ROOT_B)
    assert not restarted.record_checkpoint(loaded, 2, ROOT_B)
    assert restarted.record_checkpoint(loaded, 5, ROOT_A)


def test_an_engine_write_keeps_the_newer_checkpoint(path: Path) -> None:
    # The engine's state carries the checkpoint it was started with; its later writes must
    # not roll back what the node signed since.
    signer = SignerStateFile(path)
    signer.load()
    started = engine_state(3)
    assert signer.record_checkpoint(started, 5, ROOT_A)
    later = replace(started, height=4, round=1, step=SignedStep.PRECOMMIT)
    signer.write(later)
    assert stored(path) == replace(later, checkpoint_size=5, checkpoint_root=ROOT_A)
    assert signer.checkpoint == (5, ROOT_A)
    assert not signer.record_checkpoint(later, 5, ROOT_B)


def test_an_engine_write_never_swaps_the_root_of_a_signed_size(path: Path) -> None:
    signer = SignerStateFile(path)
    signer.load()
    engine = engine_state()
    assert signer.record_checkpoint(engine, 5, ROOT_A)
    signer.write(replace(engine, checkpoint_size=5, checkpoint_root=ROOT_B))
    assert signer.checkpoint == (5, ROOT_A)
    written = stored(path)
    assert written is not None
    assert (written.checkpoint_size, written.checkpoint_root) == (5, ROOT_A)
    assert not signer.record_checkpoint(engine, 5, ROOT_B)


def test_an_engine_write_with_a_newer_checkpoint_is_kept(path: Path) -> None:
    signer = SignerStateFile(path)
    signer.load()
    assert signer.record_checkpoint(engine_state(), 5, ROOT_A)
    newer = replace(engine_state(6), checkpoint_size=7, checkpoint_root=ROOT_B)
    signer.write(newer)
    assert stored(path) == newer
    assert signer.checkpoint == (7, ROOT_B)


def test_locked_payloads_survive_a_restart_and_go_when_no_longer_named(path: Path) -> None:
    """Issue 21 / ADR 0010: the payload of the lock is on disk beside the signer state."""
    writer = SignerStateFile(path)
    other = Hash32(sha256(b"other"))
    writer.write_payload(BLOCK, b"block")
    writer.write_payload(other, b"other")
    writer.write(engine_state())  # names BLOCK as locked: the other payload goes
    assert SignerStateFile(path).load_payloads() == {BLOCK: b"block"}
    assert stat.S_IMODE(os.stat(writer.payloads_dir).st_mode) == 0o700
    writer.write(replace(engine_state(height=4), locked_round=-1, locked_block=None))
    assert SignerStateFile(path).load_payloads() == {}


def unlocked(height: int) -> SignerState:
    return replace(engine_state(height=height), block_hash=None, locked_round=-1, locked_block=None)


def test_a_payload_written_ahead_is_not_written_again_at_its_lock(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer = SignerStateFile(path)
    writer.prewrite_payload(BLOCK, b"block")
    stores: list[Hash32] = []
    monkeypatch.setattr(writer, "_store_payload", lambda h, _payload: stores.append(h))
    writer.perform([PersistPayload(height=3, block_hash=BLOCK, payload=b"block")])
    other = Hash32(sha256(b"other"))
    writer.write_payload(other, b"other")
    assert stores == [other]
    assert SignerStateFile(path).load_payloads() == {BLOCK: b"block"}


def test_payloads_written_ahead_are_kept_until_newer_ones_push_them_out(path: Path) -> None:
    """A prune keeps the last PREWRITTEN_KEPT written ahead (a lock may still name them)
    and what the signer state names; an older one written ahead goes, and its lock would
    write it again."""
    writer = SignerStateFile(path)
    ahead = [Hash32(sha256(b"%d" % n)) for n in range(PREWRITTEN_KEPT + 2)]
    for block_hash in ahead:
        writer.prewrite_payload(block_hash, block_hash)
    writer.write(unlocked(5))
    assert set(SignerStateFile(path).load_payloads()) == set(ahead[2:])
    writer.write_payload(ahead[0], ahead[0])  # pushed out and pruned: written again
    writer.write(replace(unlocked(6), block_hash=ahead[0], locked_round=0, locked_block=ahead[0]))
    assert set(SignerStateFile(path).load_payloads()) == {ahead[0], *ahead[2:]}


def test_a_payload_being_written_ahead_is_not_pruned_from_under_it(path: Path) -> None:
    writer = SignerStateFile(path)
    writer.payloads_dir.mkdir()
    temporary = writer.payloads_dir / f".{BLOCK.hex()}.0123.tmp"
    stray = writer.payloads_dir / f".{sha256(b'stray').hex()}.4567.tmp"
    temporary.write_bytes(b"half")
    stray.write_bytes(b"left by a crash")
    writer._prewriting.add(BLOCK)
    writer.write(unlocked(5))
    assert temporary.exists() and not stray.exists()


def test_a_payload_that_cannot_be_written_ahead_is_written_at_its_lock(
    path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    writer = SignerStateFile(path)
    path.parent.joinpath("locked_payloads").write_bytes(b"a file where the directory goes")
    writer.prewrite_payload(BLOCK, b"block")  # logged, not raised
    assert "not written ahead" in caplog.text
    path.parent.joinpath("locked_payloads").unlink()
    writer.write_payload(BLOCK, b"block")
    assert SignerStateFile(path).load_payloads() == {BLOCK: b"block"}


def _with_pol(h: Harness) -> SignerState:
    """A lock on X in round 0 with its POL: the prevotes of validators 0-2."""
    return locked_with_pol(tuple(h.vote(i, PRE, 0, payload_hash(X)) for i in range(3)))


def _checked(h: Harness, state: SignerState) -> SignerState:
    """What start_replica keeps of a loaded POL (the node logs the rest, as
    test_runtime_restart_commits checks)."""
    return pol_kept(state, CHAIN_ID, h.validators, h.keyring.verify)[0]


def test_the_pol_round_trips_and_holds(path: Path) -> None:
    h = Harness()
    state = _with_pol(h)
    SignerStateFile(path).write(state)
    loaded = stored(path)
    assert loaded == state and len(loaded.valid_pol) == 3
    assert _checked(h, loaded) == state


def test_a_file_of_the_previous_build_loads_without_a_pol(path: Path) -> None:
    h = Harness()
    old = _with_pol(h).to_json()
    del old["valid_pol"]  # what builds before stop 48 wrote
    path.write_bytes(encode(old))
    loaded = stored(path)
    assert loaded == replace(_with_pol(h), valid_pol=())
    # And without a POL we write the old bytes, which the previous build can read.
    SignerStateFile(path).write(loaded)
    assert path.read_bytes() == encode(old)


def test_a_tampered_pol_vote_loads_and_is_dropped(path: Path) -> None:
    h = Harness()
    state = _with_pol(h)
    SignerStateFile(path).write(state)
    signature = state.valid_pol[1].signature.hex()
    flipped = ("0" if signature[0] != "0" else "1") + signature[1:]
    path.write_bytes(path.read_bytes().replace(signature.encode(), flipped.encode()))
    loaded = stored(path)
    assert loaded is not None and loaded != state  # still a well-formed file
    checked = _checked(h, loaded)
    assert checked.valid_pol == (state.valid_pol[0], state.valid_pol[2])
    assert checked.locked_block == state.locked_block, "only the vote goes, not the lock"


def test_more_pol_votes_than_the_bound_refuse_to_load(path: Path) -> None:
    h = Harness()
    state = _with_pol(h)
    obj = replace(state, valid_pol=state.valid_pol * (VALID_POL_MAX // 3 + 1)).to_json()
    path.write_bytes(encode(obj))
    with pytest.raises(SignerStateFileError):
        stored(path)
