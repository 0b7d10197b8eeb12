"""The signer-state file beside the keystore, written durably before anything signed leaves.

DESIGN.md §4: the file lives in DIR/<name>/signer_state.json, NOT in the LevelDB data dir,
so wiping or restoring data never resets it. Writes go through genesis/durable.py (a
temporary file fsynced and renamed over the old one, then the directory fsynced): a crash
leaves the old or the new state, never a torn one. The file names are genesis/layout.py's.

Beside it, DIR/<name>/locked_payloads/<block hash hex> holds the payloads the signer state
names as locked or valid block (ADR 0010): each is written durably before the signer state
that first names it, so a lock on disk never points at bytes that exist nowhere; files the
signer state on disk no longer names are removed after it is written.

A payload may also be written ahead (prewrite_payload), as soon as this node built or
validated its block: a lock comes between a height's prevotes and its precommit, and its
payload's write (~1 MB and two fsyncs) was on that path for every validator at every
height. A payload written ahead is not written again at the lock; it is kept from pruning
while it is among the last few written ahead or named by the signer state.
"""

import logging
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from consensus.actions import Action, PersistPayload, PersistSignerState
from consensus.engine import held_blocks
from consensus.signer_state import SignerState, decode_signer_state, encode_signer_state
from genesis.durable import write_durably
from genesis.errors import SignerStateFileError
from genesis.layout import PAYLOADS_DIR, SIGNER_STATE_FILE
from protocol.errors import ProtocolError
from protocol.hashing import Hash32

__all__ = [
    "PAYLOADS_DIR",  # genesis/layout.py's, kept importable here
    "SIGNER_STATE_FILE",  # genesis/layout.py's, kept importable here
    "SignerStateFile",
    "SignerStateFileError",  # genesis/errors.py's: one error for a bad signer-state file
]


DURABLE_WRITES = (PersistPayload, PersistSignerState)
"""The engine's actions that write here; a step lists them before anything it sends."""
PREWRITTEN_KEPT = 4
"""Payloads written ahead and kept from pruning: a height's proposals of a few rounds."""
log = logging.getLogger("lantan.signer_file")


class SignerStateFile:
    """Reads and durably writes one validator's signer state."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._checkpoint: tuple[int, bytes | None] = (0, None)
        self._ahead = threading.Lock()
        """Guards _prewritten and _prewriting: prewrite_payload runs on its own thread."""
        self._prewritten: OrderedDict[Hash32, None] = OrderedDict()
        """Payloads on disk durably, written ahead, newest last (at most PREWRITTEN_KEPT)."""
        self._prewriting: set[Hash32] = set()

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
        write_durably(self.path, encode_signer_state(state), overwrite=True)
        self._prune_payloads(held_blocks(state))

    def perform(self, writes: Sequence[Action]) -> None:
        """Perform a step's durable writes (DURABLE_WRITES) in their order: the payloads a
        new lock names, then the signer state naming them."""
        for write in writes:
            if isinstance(write, PersistPayload):
                self.write_payload(write.block_hash, write.payload)
            elif isinstance(write, PersistSignerState):
                self.write(write.signer_state)

    @property
    def payloads_dir(self) -> Path:
        return self.path.parent / PAYLOADS_DIR

    def write_payload(self, block_hash: Hash32, payload: bytes) -> None:
        """Durably store a payload the next signer state will name (PersistPayload); done
        already if it was written ahead and not pruned since."""
        with self._ahead:
            if block_hash in self._prewritten:
                return
        self._store_payload(block_hash, payload)

    def prewrite_payload(self, block_hash: Hash32, payload: bytes) -> None:
        """Durably store the payload of a block this node built or validated, before any
        lock on it (off the critical path: its own thread). Never raises: a failed write
        only means the lock writes the payload itself, as it always did."""
        with self._ahead:
            if block_hash in self._prewritten or block_hash in self._prewriting:
                return
            self._prewriting.add(block_hash)
        try:
            self._store_payload(block_hash, payload)
        except OSError as error:
            log.warning("payload %s not written ahead: %s", block_hash.hex()[:16], error)
            return
        finally:
            with self._ahead:
                self._prewriting.discard(block_hash)
        with self._ahead:
            self._prewritten[block_hash] = None
            while len(self._prewritten) > PREWRITTEN_KEPT:
                self._prewritten.popitem(last=False)

    def _store_payload(self, block_hash: Hash32, payload: bytes) -> None:
        self.payloads_dir.mkdir(mode=0o700, exist_ok=True)
        write_durably(self.payloads_dir / block_hash.hex(), payload, overwrite=True)

    def load_payloads(self) -> dict[Hash32, bytes]:
        """The stored payloads by block hash (the engine keeps those that hash right)."""
        found: dict[Hash32, bytes] = {}
        if not self.payloads_dir.is_dir():
            return found
        for entry in self.payloads_dir.iterdir():
            try:
                found[Hash32(bytes.fromhex(entry.name))] = entry.read_bytes()
            except (ValueError, OSError):
                continue  # a stray or half-written file: never named by a signer state
        return found

    def _prune_payloads(self, keep: frozenset[Hash32]) -> None:
        if not self.payloads_dir.is_dir():
            return
        # Under the lock: a payload being written ahead (its temporary file too) or kept
        # as written ahead is not removed, and write_payload's check cannot interleave.
        with self._ahead:
            kept = {h.hex() for h in (*keep, *self._prewritten, *self._prewriting)}
            writing = tuple(f".{h.hex()}." for h in self._prewriting)
            for entry in self.payloads_dir.iterdir():
                if entry.name not in kept and not entry.name.startswith(writing):
                    entry.unlink(missing_ok=True)

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
