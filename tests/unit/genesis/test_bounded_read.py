"""genesis/bounded_read.py: a file up to the bound is read whole, a larger one is refused."""

from pathlib import Path

import pytest

from genesis.bounded_read import read_bounded


def test_a_file_up_to_the_bound_is_read_and_a_larger_one_is_not(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"x" * 8)
    assert read_bounded(path, 8) == b"x" * 8
    assert read_bounded(path, 7) is None
    path.write_bytes(b"")
    assert read_bounded(path, 0) == b""


def test_a_missing_file_raises_os_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        read_bounded(tmp_path / "absent", 8)
