"""The one durable, atomic file writer for the key and network directory and the CLI.

A crash leaves either the old file or the new one, never a mix, and a file that was
reported written survives power loss: the bytes go to a uniquely named temporary file in
the same directory, which is fsynced, then moved into place (os.replace) or, when a file
must never be overwritten (keystores, a first signer state, genesis.json), hard-linked
(os.link fails if the path exists, where rename would replace it); then the directory is
fsynced, since only that makes the new entry durable.
"""

import os
import secrets
from pathlib import Path
from typing import Final

SECRET_MODE: Final = 0o600
"""Keys, passphrases and signer state: readable by the owner only, whatever the umask."""


def write_durably(
    path: Path, data: bytes, *, overwrite: bool, mode: int | None = SECRET_MODE
) -> None:
    """Write data to path atomically and durably.

    mode is set exactly (default 0600); None gives what open() would (0666 less the
    umask), for files that are not secret (tx files, audit state). Raises FileExistsError
    when path exists and overwrite is False (nothing is written), OSError when the
    directory cannot be written. Leaves no temporary file behind, but for a process killed
    in the middle (SIGKILL, power loss): remove_leftovers(path) clears those.
    """
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
    descriptor = os.open(temporary, flags, 0o666 if mode is None else mode)
    try:
        with os.fdopen(descriptor, "wb") as file:
            if mode is not None:
                # fchmod too: the umask may have taken bits from the owner.
                os.fchmod(file.fileno(), mode)
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        if overwrite:
            os.replace(temporary, path)
        else:
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    fsync_directory(path.parent)


def fsync_directory(directory: Path) -> None:
    """Make the entries of directory (a created or renamed file) durable."""
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def remove_leftovers(path: Path) -> int:
    """Delete the temporary files write_durably(path, ...) left when its process was killed
    mid-write (never read: the rename is what makes a write count); how many. For the one
    writer of path, before it writes again: a validator's signer state gathered one per
    kill -9 beside the keystore, in the directory an operator is told never to touch
    (stop 56's chaos pass)."""
    removed = 0
    for leftover in path.parent.glob(f".{path.name}.*.tmp"):
        try:
            leftover.unlink()
        except FileNotFoundError:
            continue
        removed += 1
    return removed
