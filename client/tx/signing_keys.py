"""Unlocking the keystores that sign txs: the sender's and each co-signer's.

A key is named by its directory (DIR/keystore.json) or the keystore file itself. The
passphrase comes from --passphrase-file, else from the `passphrase` file a local network
keeps beside each keystore (DESIGN.md §7), else from a prompt at a terminal.
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


def unlock_key(
    path: Path, *, passphrase_file: Path | None = None, allow_plaintext: bool = False
) -> UnlockedKey:
    """Read and unlock the keystore at path (a key directory or a keystore file)."""
    keystore = read_keystore(path)
    passphrase = None
    if not keystore.plaintext:
        assert keystore.path is not None
        passphrase = _passphrase_for(keystore.path, passphrase_file)
    key = unlock_keystore(keystore, passphrase, allow_plaintext=allow_plaintext)
    return UnlockedKey(name=keystore.identity.name, key=key)


def _passphrase_for(keystore_path: Path, passphrase_file: Path | None) -> bytes:
    if passphrase_file is not None:
        return read_passphrase_file_warned(passphrase_file)
    beside = keystore_path.parent / PASSPHRASE_FILE
    if beside.is_file():
        return read_passphrase_file_warned(beside)
    if sys.stdin.isatty():
        return getpass.getpass(f"Passphrase for {keystore_path}: ").encode("utf-8")
    raise PassphraseRejectedError(
        f"{keystore_path} is encrypted: give --passphrase-file FILE or run at a terminal"
    )
