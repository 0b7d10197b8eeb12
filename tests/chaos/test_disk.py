"""The full-disk scenario's fill on a real tmpfs (tests/chaos/disk.py): it fills the last
page whatever the room left, and a fill that cannot start names what took the room."""

import contextlib
import errno
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.chaos.disk import fill, fill_data_dir
from tests.chaos.namespaces import run

PAGE = 4096
TMPFS_PAGES = 512
"""A 2 MiB tmpfs: two of the fill's 1 MiB chunks."""


@contextlib.contextmanager
def _mounted(path: Path, *options: str) -> Iterator[Path]:
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    options_text = ",".join([f"size={TMPFS_PAGES * PAGE}", "mode=0700", *options])
    run("mount", "-t", "tmpfs", "-o", options_text, "tmpfs", str(path))
    try:
        yield path
    finally:
        run("umount", str(path), check=False)


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Path]:
    with _mounted(tmp_path) as path:
        yield path


def _room(directory: Path) -> int:
    stats = os.statvfs(directory)
    return stats.f_bavail * stats.f_frsize


@pytest.mark.parametrize("pages_before", [0, 1, 2, 255, 256, 257, 511])
def test_fill_takes_every_page_left(tmpfs: Path, pages_before: int) -> None:
    """1 and 257 pages before: the last 1 MiB write is one page short (the CI failure of a
    buffered fill, whose close flushed that page again and raised ENOSPC)."""
    (tmpfs / "000003.log").write_bytes(b"\1" * (pages_before * PAGE))
    room = _room(tmpfs)
    assert fill(tmpfs / "filler") == room
    assert _room(tmpfs) == 0
    with pytest.raises(OSError) as raised, (tmpfs / "LOG").open("ab", buffering=0) as log:
        log.write(b"a log record")  # not even a record fits
    assert raised.value.errno == errno.ENOSPC


def test_a_directory_full_before_the_fill_fails_with_its_files(tmpfs: Path) -> None:
    (tmpfs / "000005.ldb").write_bytes(b"\1" * (300 * PAGE))
    (tmpfs / "000006.log").write_bytes(b"\1" * (212 * PAGE))
    with pytest.raises(AssertionError) as raised:
        fill_data_dir(tmpfs / "filler", "xiamen-ptc")
    report = str(raised.value)
    assert "xiamen-ptc's data directory was full before the fill" in report
    assert f"{TMPFS_PAGES * PAGE:,} bytes, {TMPFS_PAGES * PAGE:,} used, 0 free" in report
    assert "1,228,800 000005.ldb" in report
    assert "868,352 000006.log" in report
    assert "0 filler" in report
    assert "2,097,152 in 3 files; 0 bytes used beyond them" in report


def test_room_held_by_a_deleted_open_file_is_shown(tmpfs: Path) -> None:
    """What a node that deletes a file it still holds open would leave: use no file shows."""
    (tmpfs / "000005.ldb").write_bytes(b"\1" * (200 * PAGE))
    with (tmpfs / "000003.log").open("wb") as held:
        held.write(b"\1" * (312 * PAGE))
        held.flush()
        (tmpfs / "000003.log").unlink()
        with pytest.raises(AssertionError) as raised:
            fill_data_dir(tmpfs / "filler", "xiamen-ptc")
    report = str(raised.value)
    assert "819,200 in 2 files; 1,277,952 bytes used beyond them" in report


def test_a_fill_that_cannot_start_fails_with_its_files(tmp_path: Path) -> None:
    with _mounted(tmp_path, "ro") as read_only:
        with pytest.raises(AssertionError) as raised:
            fill_data_dir(read_only / "filler", "xiamen-ptc")
        report = str(raised.value)
        assert "could not fill xiamen-ptc's data directory: [Errno 30]" in report
        assert "0 in 0 files" in report


def test_a_filled_directory_fills(tmpfs: Path) -> None:
    (tmpfs / "CURRENT").write_bytes(b"MANIFEST-000004\n")
    assert fill_data_dir(tmpfs / "filler", "xiamen-ptc") == (TMPFS_PAGES - 1) * PAGE
