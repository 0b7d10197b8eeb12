"""Filling a node's tmpfs data directory (the full-disk scenario).

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
