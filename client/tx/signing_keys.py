"""Unlocking the keystores that sign txs: the sender's and each co-signer's.

A key is named by its directory (DIR/keystore.json) or the keystore file itself. The
passphrase comes from --passphrase-file, else from the `passphrase` file a local network
keeps beside each keystore (DESIGN.md §7), else from a prompt at a terminal. A co-signer
takes --passphrase-file only when its keystore is in the sender's own directory (the
pending key of a rotation, ADR 0022); any other co-signer's passphrase is its own.
"""

import getpass
import sys
from dataclasses import dataclass, field
from pathlib import Path

from genesis.commands import read_passphrase_file_warned
from genesis.errors import PassphraseRejectedError
from genesis.keystore import read_keystore, unlock_keystore
from genesis.layout import PASSPHRASE_FILE
from protocol.signing import SigningKey


@dataclass(frozen=True, slots=True, kw_only=True)
class UnlockedKey:
    """A signing key and the name its keystore gives it."""

    name: str
    key: SigningKey = field(repr=False)

    @property
    def public_key_hex(self) -> str:
        return self.key.public_key.hex()


_NO_PASSPHRASE = "{path} is encrypted: give --passphrase-file FILE or run at a terminal"
_NO_COSIGNER_PASSPHRASE = (
    "co-signer {path} is encrypted: put its passphrase in {beside} or run at a terminal"
    " (--passphrase-file is the sender's, and serves a co-signer only in the sender's"
    " own key directory: the pending key of a rotation)"
)


def unlock_key(
    path: Path, *, passphrase_file: Path | None = None, allow_plaintext: bool = False
) -> UnlockedKey:
    """Read and unlock the keystore at path (a key directory or a keystore file)."""
    return _unlock(path, passphrase_file, allow_plaintext, missing=_NO_PASSPHRASE)


def unlock_cosigner(
    path: Path, *, sender: Path, passphrase_file: Path | None, allow_plaintext: bool
) -> UnlockedKey:
    """Unlock a co-signer's keystore. The sender's passphrase_file serves it only when it
    lies in the sender's key directory: `lantan keys rotate` seals the pending key there
    under the sender's passphrase (ADR 0022)."""
    shared = passphrase_file if _key_directory(path) == _key_directory(sender) else None
    return _unlock(path, shared, allow_plaintext, missing=_NO_COSIGNER_PASSPHRASE)


def _key_directory(path: Path) -> Path:
    return (path if path.is_dir() else path.parent).resolve()


def _unlock(
    path: Path, passphrase_file: Path | None, allow_plaintext: bool, *, missing: str
) -> UnlockedKey:
    keystore = read_keystore(path)
    passphrase = None
    if not keystore.plaintext:
        assert keystore.path is not None
        passphrase = _passphrase_for(keystore.path, passphrase_file, missing)
    key = unlock_keystore(keystore, passphrase, allow_plaintext=allow_plaintext)
    return UnlockedKey(name=keystore.identity.name, key=key)


def _passphrase_for(keystore_path: Path, passphrase_file: Path | None, missing: str) -> bytes:
    if passphrase_file is not None:
        return read_passphrase_file_warned(passphrase_file)
    beside = keystore_path.parent / PASSPHRASE_FILE
    if beside.is_file():
        return read_passphrase_file_warned(beside)
    if sys.stdin.isatty():
        return getpass.getpass(f"Passphrase for {keystore_path}: ").encode("utf-8")
    raise PassphraseRejectedError(missing.format(path=keystore_path, beside=beside))
