"""The signer-state file beside the keystore, written durably before anything signed leaves.

DESIGN.md §4: the file lives in DIR/<name>/signer_state.json, NOT in the LevelDB data dir,
so wiping or restoring data never resets it. Writes go to a temporary file that is fsynced
and renamed over the old one, then the directory is fsynced: a crash leaves the old or the
new state, never a torn one.
"""

import os
from dataclasses import replace
from pathlib import Path

from consensus.signer_state import SignerState, decode_signer_state, encode_signer_state
from protocol.errors import ProtocolError
from protocol.hashing import Hash32

SIGNER_STATE_FILE = "signer_state.json"


class SignerStateFileError(Exception):
    """The signer-state file exists but cannot be read or parsed: refuse to sign."""


class SignerStateFile:
    """Reads and durably writes one validator's signer state."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._checkpoint: tuple[int, bytes | None] = (0, None)

    def load(self) -> SignerState | None:
        """The stored state, or None when the file is missing (the node then syncs first)."""
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as error:
            raise SignerStateFileError(f"cannot read {self.path}: {error.strerror}") from None
        try:
            state = decode_signer_state(data)
        except ProtocolError as error:
            raise SignerStateFileError(f"{self.path} is damaged: {error}") from None
        self._checkpoint = (state.checkpoint_size, state.checkpoint_root)
        return state

    def write(self, state: SignerState) -> None:
        """Persist state, keeping the newest checkpoint record of either writer.

        The engine owns votes and locks; the node owns checkpoint signatures. Each write
        carries the later of the two checkpoint records, so neither overwrites the other.
        """
        size, root = self._checkpoint
        ours_is_newer = state.checkpoint_size < size
        if ours_is_newer or (state.checkpoint_size == size and state.checkpoint_root != root):
            # Never a second root for one size: the root this key signed stays on record.
            state = replace(
                state, checkpoint_size=size, checkpoint_root=None if root is None else Hash32(root)
            )
        self._checkpoint = (state.checkpoint_size, state.checkpoint_root)
        _write_durably(self.path, encode_signer_state(state))

    def record_checkpoint(self, engine_state: SignerState, size: int, root: Hash32) -> bool:
        """Durably record that this key signs checkpoint (size, root); False if it may not.

        A key never signs a second root for one size, nor an older size (DESIGN.md §4).
        """
        last_size, last_root = self._checkpoint
        if size < last_size or (size == last_size and root != last_root):
            return False
        self.write(replace(engine_state, checkpoint_size=size, checkpoint_root=root))
        return True

    @property
    def checkpoint(self) -> tuple[int, bytes | None]:
        """(size, root) of the last checkpoint this key signed."""
        return self._checkpoint


def _write_durably(path: Path, data: bytes) -> None:
    temporary = path.with_name(path.name + ".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(descriptor, data)
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    os.replace(temporary, path)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
