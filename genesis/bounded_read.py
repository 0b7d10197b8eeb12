"""Reading a small file the user names (tx file, --body @FILE, passphrase file) with a bound.

At most size_max + 1 bytes are read, so a wrong path to a huge file (a disk image, a log)
costs no memory; the caller says in its own error what the file should have been.
"""

from pathlib import Path


def read_bounded(path: Path, size_max: int) -> bytes | None:
    """The file's bytes, or None when it holds more than size_max. Raises OSError."""
    with path.open("rb") as file:
        data = file.read(size_max + 1)
    return None if len(data) > size_max else data
