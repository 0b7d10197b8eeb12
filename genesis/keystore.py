"""Validator key directories: creating them and reading their files (DESIGN.md §4, §7).

`lantan keys create DIR` writes DIR/keystore.json and DIR/signer_state.json (the names are
genesis/layout.py's), each mode 0600, atomically, durably and never overwriting
(genesis/durable.py). The keystore's format and crypto are genesis/keystore_format.py's;
its public names are re-exported here, where callers have always imported them.
"""

from pathlib import Path

from consensus.signer_state import (
    SignerState,
    decode_signer_state,
    encode_signer_state,
    initial_signer_state,
)
from contracts.records import Role
from genesis.bounded_read import read_bounded
from genesis.durable import write_durably
from genesis.errors import (
    KeystoreError,
    KeystoreExistsError,
    PassphraseRejectedError,
    SignerStateFileError,
)
from genesis.keystore_format import (
    CIPHER_NAME,
    DEFAULT_LIMITS,
    INTERACTIVE_LIMITS,
    KDF_NAME,
    KEY_NAME_LENGTH_MAX,
    KEYSTORE_SIZE_MAX,
    KEYSTORE_VERSION,
    MODERATE_LIMITS,
    SENSITIVE_LIMITS,
    KdfLimits,
    KeyIdentity,
    Keystore,
    SealedSeed,
    check_name,
    generate_signing_key,
    keystore_bytes,
    parse_keystore,
    parse_roles,
    plaintext_keystore,
    seal_keystore,
    unlock_keystore,
)
from genesis.layout import KEYSTORE_FILE, PENDING_KEYSTORE_FILE, SIGNER_STATE_FILE
from protocol.errors import ProtocolError

__all__ = [
    "CIPHER_NAME",
    "DEFAULT_LIMITS",
    "INTERACTIVE_LIMITS",
    "KDF_NAME",
    "KEYSTORE_FILE",
    "KEYSTORE_SIZE_MAX",
    "KEYSTORE_VERSION",
    "KEY_NAME_LENGTH_MAX",
    "MODERATE_LIMITS",
    "PASSPHRASE_FILE_SIZE_MAX",
    "PENDING_KEYSTORE_FILE",
    "SENSITIVE_LIMITS",
    "SIGNER_STATE_FILE",
    "KdfLimits",
    "KeyIdentity",
    "Keystore",
    "SealedSeed",
    "check_name",
    "create_key_directory",
    "create_pending_key",
    "generate_signing_key",
    "keystore_bytes",
    "parse_keystore",
    "parse_roles",
    "plaintext_keystore",
    "read_keystore",
    "read_passphrase_file",
    "read_signer_state",
    "seal_keystore",
    "unlock_keystore",
    "write_new_file",
]


def create_key_directory(
    directory: Path,
    name: str,
    roles: tuple[Role, ...],
    passphrase: bytes | None,
    *,
    limits: KdfLimits = DEFAULT_LIMITS,
) -> Keystore:
    """Generate a key; write DIR/keystore.json and DIR/signer_state.json (height 0).

    passphrase None writes a PLAINTEXT keystore (development only). Raises
    KeystoreExistsError before generating anything if either file exists.
    """
    check_name(name)
    keystore_path = directory / KEYSTORE_FILE
    signer_state_path = directory / SIGNER_STATE_FILE
    for path in (keystore_path, signer_state_path):
        if path.exists():
            raise KeystoreExistsError(path)
    key = generate_signing_key()
    if passphrase is None:
        keystore = plaintext_keystore(key, name, roles)
    else:
        keystore = seal_keystore(key, name, roles, passphrase, limits=limits)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    write_new_file(keystore_path, keystore_bytes(keystore))
    write_new_file(signer_state_path, encode_signer_state(initial_signer_state()))
    return Keystore(
        identity=keystore.identity,
        sealed=keystore.sealed,
        plain_seed=keystore.plain_seed,
        path=keystore_path,
    )


_PENDING_EXISTS_REMEDY = (
    "a rotation is already prepared: send key.rotate with this key (`lantan keys show "
    "{path}` prints its public part), or, once the node has swapped to it (ADR 0022), "
    "move it over keystore.json before rotating again"
)
"""What `keys rotate` can do when a pending key exists: it writes only that one path."""


def create_pending_key(
    directory: Path, passphrase: bytes | None, *, limits: KdfLimits = DEFAULT_LIMITS
) -> Keystore:
    """Generate the key a key.rotate will switch this validator to (ADR 0022).

    Writes DIR/pending_keystore.json with the name and roles of DIR/keystore.json, sealed
    under passphrase (None: plaintext, development only). The signer state is the node's,
    not the key's, and stays as it is. Raises KeystoreExistsError if a pending key exists.
    """
    current = read_keystore(directory)
    path = directory / PENDING_KEYSTORE_FILE
    if path.exists():
        raise KeystoreExistsError(
            path,
            why="a key.rotate may already name it",
            remedy=_PENDING_EXISTS_REMEDY.format(path=path),
        )
    key, identity = generate_signing_key(), current.identity
    if passphrase is None:
        keystore = plaintext_keystore(key, identity.name, identity.roles)
    else:
        keystore = seal_keystore(key, identity.name, identity.roles, passphrase, limits=limits)
    write_new_file(path, keystore_bytes(keystore))
    return Keystore(
        identity=keystore.identity,
        sealed=keystore.sealed,
        plain_seed=keystore.plain_seed,
        path=path,
    )


def read_keystore(path: Path) -> Keystore:
    """Read and parse the keystore at path (a keystore file, or a directory holding one)."""
    if path.is_dir():
        path = path / KEYSTORE_FILE
    try:
        with path.open("rb") as file:
            data = file.read(KEYSTORE_SIZE_MAX + 1)
    except FileNotFoundError:
        raise KeystoreError(f"no keystore at {path}") from None
    except OSError as error:
        raise KeystoreError(f"cannot read keystore {path}: {error.strerror}") from None
    return parse_keystore(data, path)


PASSPHRASE_FILE_SIZE_MAX = 4096


def read_passphrase_file(path: Path) -> bytes:
    """The file's bytes without one trailing newline (editors add one): `\n` or `\r\n`."""
    try:
        data = read_bounded(path, PASSPHRASE_FILE_SIZE_MAX)
    except OSError as error:
        raise KeystoreError(f"cannot read passphrase file {path}: {error.strerror}") from None
    if data is None:
        raise PassphraseRejectedError(
            f"passphrase file {path} is over 4 KiB; is it the right file?"
        )
    if data.endswith(b"\r\n"):
        return data[:-2]
    return data.removesuffix(b"\n")


def read_signer_state(directory: Path) -> SignerState:
    """The signer state stored beside the keystore in directory."""
    path = directory / SIGNER_STATE_FILE
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise SignerStateFileError(f"no signer state at {path}") from None
    except OSError as error:
        raise SignerStateFileError(f"cannot read {path}: {error.strerror}") from None
    try:
        return decode_signer_state(data)
    except ProtocolError as error:
        raise SignerStateFileError(f"{path} is not a signer state: {error}") from None


def write_new_file(path: Path, data: bytes) -> None:
    """Create path holding data, mode 0600, atomically and durably; never overwrite.

    Raises KeystoreExistsError when path exists: a keystore or signer state is never replaced.
    """
    try:
        write_durably(path, data, overwrite=False)
    except FileExistsError:
        raise KeystoreExistsError(path) from None
