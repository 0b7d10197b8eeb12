"""Typed errors of genesis/: keystores, signer-state files and key parameters.

GenesisError
├── GenesisUsageError          a command's arguments that cannot work (exit code 2)
├── KeyParameterError          a key name or role the registry cannot use
├── KeystoreError              a keystore that cannot be written or unlocked
│   ├── KeystoreExistsError      refuses to overwrite a keystore or signer state
│   ├── KeystoreFormatError      not a Lantan keystore: malformed, unsupported or altered
│   ├── WrongPassphraseError     the passphrase does not open the keystore
│   ├── PassphraseRejectedError  an unusable passphrase (empty)
│   └── PlaintextKeystoreError   a plaintext (dev) keystore where an encrypted one is required
└── SignerStateFileError       a signer-state file that is missing or malformed

The CLI turns every GenesisError into one line on stderr and a non-zero exit code (2 for
GenesisUsageError, else 1).
"""

from pathlib import Path


class GenesisError(Exception):
    """Base of every error genesis/ raises."""


class GenesisUsageError(GenesisError):
    """Options that contradict each other, or an option's value that cannot work; the
    message names the option. The CLI exits with 2, as argparse does for its own."""


class KeyParameterError(GenesisError):
    """A key name (C2SP note rules: no spaces, no '+') or role that is not allowed."""


class KeystoreError(GenesisError):
    """A keystore that cannot be written, read or unlocked."""


class KeystoreExistsError(KeystoreError):
    """The target file exists; keystores and signer states are never overwritten."""

    def __init__(
        self,
        path: Path,
        *,
        why: str = "a lost key or a reset signer state cannot be undone",
        remedy: str = "choose another directory",
    ) -> None:
        # why and remedy in the terms of the command that failed: a directory to choose
        # for `keys new --out`, none for `keys rotate`, which writes one fixed path.
        super().__init__(f"{path} already exists; refusing to overwrite it ({why}): {remedy}")
        self.path = path


class KeystoreFormatError(KeystoreError):
    """The file is not a valid Lantan keystore: malformed, unsupported, or altered."""

    def __init__(self, path: Path | None, reason: str) -> None:
        where = "keystore" if path is None else f"keystore {path}"
        super().__init__(f"{where} is damaged or was altered: {reason}")
        self.path = path
        self.reason = reason


class WrongPassphraseError(KeystoreError):
    """The passphrase does not derive the keystore's key."""

    def __init__(self, name: str) -> None:
        super().__init__(f"wrong passphrase for keystore {name!r}: nothing was unlocked")
        self.name = name


class PassphraseRejectedError(KeystoreError):
    """A passphrase that must not protect a key (e.g. an empty one)."""


class PlaintextKeystoreError(KeystoreError):
    """A plaintext development keystore used where only an encrypted one is allowed."""


class SignerStateFileError(GenesisError):
    """The signer-state file beside a keystore is missing or malformed."""
