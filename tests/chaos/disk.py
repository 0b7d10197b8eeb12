"""Filling a node's tmpfs data directory, and saying what is in it when that goes wrong.

The fill writes with os.write, unbuffered. The buffered file it used before
(`open("wb")`, 1 MiB writes) raised ENOSPC once the directory was full in one case of 256:
when the room left for the last chunk was 1 MiB less one 4 KiB page (tmpfs hands out
pages), the write was short, the BufferedWriter kept the chunk's last page (a tmpfs file's
buffer is its st_blksize, 4 KiB) and closing the file flushed it again. Python reports an
error of `__exit__` at the `with` line, so the CI failure read as if the directory had
been full before the fill began; the node's data took 1-2 MiB of the 24.
"""

import errno
import os
from pathlib import Path

CHUNKS = (1 << 20, 4096)
"""Megabytes, then pages: a short write already takes the last pages, the page writes take
room the node freed meanwhile (LevelDB deletes files), so that not even a log record fits."""
FULL_ERRORS = frozenset({errno.ENOSPC, errno.EDQUOT})
"""What a full file system answers: the fill ends there; any other error is raised."""


def fill(path: Path) -> int:
    """Write zeros to a new file at path until the file system is full; the bytes written."""
    written = 0
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        for size in CHUNKS:
            chunk = bytes(size)
            while True:
                try:
                    written += os.write(fd, chunk)
                except OSError as error:
                    if error.errno not in FULL_ERRORS:
                        raise
                    break
    finally:
        os.close(fd)
    return written


def usage(directory: Path) -> str:
    """The file system's size, use and room (df) under directory, then every file in it
    with its size in bytes, largest first, then the use no listed file accounts for (files
    deleted but still open, or in use elsewhere on the mount): what a failure report needs
    to tell which file took the room."""
    files = []
    for path in directory.rglob("*"):
        try:
            if path.is_file():
                files.append((path.stat().st_size, str(path.relative_to(directory))))
        except OSError as error:  # deleted meanwhile (LevelDB compacts): say so, go on
            files.append((-1, f"{path.relative_to(directory)} ({error.strerror})"))
    files.sort(reverse=True)
    listed = sum(max(size, 0) for size, _ in files)
    try:
        stats = os.statvfs(directory)
    except OSError as error:
        lines = [f"{directory}: statvfs failed: {error}"]
        unlisted = ""
    else:
        size = stats.f_blocks * stats.f_frsize
        used = size - stats.f_bfree * stats.f_frsize
        lines = [
            f"{directory}: {size:,} bytes, {used:,} used, {stats.f_bavail * stats.f_frsize:,} "
            f"free; {stats.f_files - stats.f_ffree:,} of {stats.f_files:,} inodes used"
        ]
        unlisted = f"; {max(used - listed, 0):,} bytes used beyond them"
    lines += [f"  {size:>12,} {name}" for size, name in files]
    lines.append(f"  {listed:>12,} in {len(files)} files{unlisted}")
    return "\n".join(lines)


def fill_data_dir(filler: Path, node: str) -> int:
    """Fill the data directory that holds filler (a new file); the bytes written. An error,
    or a directory full before the fill began, fails with what was in it and the mount's
    use, so a CI log alone tells which file took the room."""
    try:
        written = fill(filler)
    except OSError as error:
        raise AssertionError(
            f"could not fill {node}'s data directory: {error}\n{usage(filler.parent)}"
        ) from error
    assert written > 0, f"{node}'s data directory was full before the fill\n{usage(filler.parent)}"
    return written
