"""The one durable writer (genesis/durable.py) and the one owner of directory names."""

import os
import stat
from pathlib import Path

import pytest

from genesis import layout
from genesis.durable import SECRET_MODE, remove_leftovers, write_durably

ROOT = Path(__file__).resolve().parents[3]


def test_a_new_file_is_written_with_the_secret_mode_whatever_the_umask(tmp_path: Path) -> None:
    target = tmp_path / "key"
    previous = os.umask(0o022)
    try:
        write_durably(target, b"secret", overwrite=False)
    finally:
        os.umask(previous)
    assert target.read_bytes() == b"secret"
    assert stat.S_IMODE(target.stat().st_mode) == SECRET_MODE


def test_without_a_mode_the_umask_decides(tmp_path: Path) -> None:
    target = tmp_path / "tx.json"
    previous = os.umask(0o027)
    try:
        write_durably(target, b"{}", overwrite=True, mode=None)
    finally:
        os.umask(previous)
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


def test_never_overwriting_keeps_the_old_bytes_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "keystore.json"
    write_durably(target, b"first", overwrite=False)
    with pytest.raises(FileExistsError):
        write_durably(target, b"second", overwrite=False)
    assert target.read_bytes() == b"first"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keystore.json"]


def test_overwriting_replaces_the_whole_file(tmp_path: Path) -> None:
    target = tmp_path / "signer_state.json"
    write_durably(target, b"a much longer first state", overwrite=True)
    write_durably(target, b"second", overwrite=True)
    assert target.read_bytes() == b"second"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["signer_state.json"]


def test_a_failed_write_leaves_no_temporary(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        write_durably(tmp_path / "missing" / "file", b"x", overwrite=True)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "name", [layout.GENESIS_FILE, layout.SIGNER_STATE_FILE, layout.PASSPHRASE_FILE]
)
def test_each_directory_name_is_spelled_in_one_module(name: str) -> None:
    # Issue 12: these names were defined in two or three modules each.
    spelled = sorted(
        str(path.relative_to(ROOT))
        for package in ("protocol", "contracts", "consensus", "genesis", "client", "node")
        for path in (ROOT / package).rglob("*.py")
        if f'"{name}"' in path.read_text("utf-8")
    )
    assert spelled == ["genesis/layout.py"]


def test_leftovers_of_a_killed_writer_are_removed_and_nothing_else(tmp_path: Path) -> None:
    # Stop 56's chaos pass: one `.signer_state.json.<hex>.tmp` per kill -9, kept for good.
    path = tmp_path / "signer_state.json"
    write_durably(path, b"{}", overwrite=True)
    for token in ("667195beec4a0a50", "3dffe2076b5a688b"):
        (tmp_path / f".signer_state.json.{token}.tmp").write_bytes(b"{")
    other = tmp_path / ".other.json.0123456789abcdef.tmp"
    other.write_bytes(b"{")
    assert remove_leftovers(path) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == [other.name, path.name]
    assert path.read_bytes() == b"{}"
