"""The validator keystore: its file format and its crypto, no file I/O (DESIGN.md §4, §7).

A keystore holds one Ed25519 seed from the OS CSPRNG, sealed with XSalsa20-Poly1305
(PyNaCl SecretBox) under a key that Argon2id derives from a passphrase; the KDF parameters
live in the file, so they can be raised later. A plaintext keystore exists only for
development and is marked so. Reading and writing the files is genesis/keystore.py's job;
this module never prompts or prints: genesis/keys_cli.py does.
"""

import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import nacl.exceptions
import nacl.pwhash
import nacl.secret

from contracts.records import Role
from genesis.errors import (
    KeyParameterError,
    KeystoreFormatError,
    PassphraseRejectedError,
    PlaintextKeystoreError,
    WrongPassphraseError,
)
from protocol.encoding import JsonObject, decode, encode
from protocol.errors import NoteError, ProtocolError
from protocol.fields import expect_object, read_bool, read_hex, read_int, read_list, read_str
from protocol.note import check_key_name, verifier_key_string
from protocol.signing import PUBLIC_KEY_SIZE, SEED_SIZE, PublicKey, SigningKey

KEYSTORE_VERSION: Final = 1
KDF_NAME: Final = "argon2id"
CIPHER_NAME: Final = "xsalsa20poly1305"
KEY_NAME_LENGTH_MAX: Final = 64
KEYSTORE_SIZE_MAX: Final = 64 * 1024
"""A keystore is about 1 KiB; anything far larger is not one, so it is not even parsed."""

_argon2id = nacl.pwhash.argon2id
_SALT_SIZE: Final = _argon2id.SALTBYTES
_CHECK_SIZE: Final = 32
# Argon2id derives the SecretBox key and, from the same run, a passphrase check: a wrong
# passphrase is then told apart from a damaged ciphertext. The check gives a guesser nothing
# the MAC does not: both cost one Argon2id run per guess.
_DERIVED_SIZE: Final = nacl.secret.SecretBox.KEY_SIZE + _CHECK_SIZE
_SECRET_FIELDS: Final = ("name", "roles", "public_key", "seed")


@dataclass(frozen=True, slots=True, kw_only=True)
class KdfLimits:
    """Argon2id cost: opslimit passes over memlimit bytes of memory."""

    opslimit: int
    memlimit: int


INTERACTIVE_LIMITS: Final = KdfLimits(
    opslimit=_argon2id.OPSLIMIT_INTERACTIVE, memlimit=_argon2id.MEMLIMIT_INTERACTIVE
)
"""64 MiB, about 0.07 s per unlock on our 2-core box: local networks and demos."""
MODERATE_LIMITS: Final = KdfLimits(
    opslimit=_argon2id.OPSLIMIT_MODERATE, memlimit=_argon2id.MEMLIMIT_MODERATE
)
"""256 MiB, about 0.65 s per unlock: the default for a validator's key."""
SENSITIVE_LIMITS: Final = KdfLimits(
    opslimit=_argon2id.OPSLIMIT_SENSITIVE, memlimit=_argon2id.MEMLIMIT_SENSITIVE
)
"""1 GiB, several seconds per unlock: for keys that are unlocked rarely."""
DEFAULT_LIMITS: Final = MODERATE_LIMITS

# Bounds a file may ask for: a damaged or hostile file must not make an unlock run for
# hours or exhaust memory. The lower bounds are libsodium's minimums (tests use them).
_OPSLIMIT_RANGE: Final = (_argon2id.OPSLIMIT_MIN, 64)
_MEMLIMIT_RANGE: Final = (_argon2id.MEMLIMIT_MIN, 4 * 1024**3)


@dataclass(frozen=True, slots=True, kw_only=True)
class KeyIdentity:
    """The public part of a key: what `keys new` prints and genesis gathers."""

    name: str
    """Institution's key name: C2SP note rules (no spaces, no '+'), at most 64 characters."""
    roles: tuple[Role, ...]
    """Roles the institution asks for, sorted by value and without repeats."""
    public_key: PublicKey

    def __post_init__(self) -> None:
        check_name(self.name)
        if self.roles != tuple(sorted(set(self.roles), key=lambda role: role.value)):
            raise KeyParameterError("roles must be sorted and without repeats")
        if len(self.public_key) != PUBLIC_KEY_SIZE:
            raise KeyParameterError(f"a public key has {PUBLIC_KEY_SIZE} bytes")

    @property
    def note_verifier_key(self) -> str:
        """`<name>+<key id>+<base64(0x01 || key)>`, as genesis publishes it (DESIGN.md §3)."""
        return verifier_key_string(self.name, self.public_key)

    def to_json(self) -> JsonObject:
        """{name, roles, public_key, note_verifier_key}."""
        return {
            "name": self.name,
            "roles": [role.value for role in self.roles],
            "public_key": self.public_key.hex(),
            "note_verifier_key": self.note_verifier_key,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class SealedSeed:
    """The encrypted seed and everything needed to derive its key again."""

    limits: KdfLimits
    salt: bytes
    passphrase_check: bytes
    nonce: bytes
    ciphertext: bytes


@dataclass(frozen=True, slots=True, kw_only=True)
class Keystore:
    """A parsed keystore: identity plus either a sealed seed or (dev only) a plain one."""

    identity: KeyIdentity
    sealed: SealedSeed | None
    plain_seed: bytes | None = field(default=None, repr=False)
    path: Path | None = None

    def __post_init__(self) -> None:
        assert (self.sealed is None) != (self.plain_seed is None), "exactly one seed form"

    @property
    def plaintext(self) -> bool:
        return self.sealed is None

    def to_json(self) -> JsonObject:
        """The file's JSON object: encrypted, or marked "plaintext": true."""
        obj: JsonObject = {
            "version": KEYSTORE_VERSION,
            "name": self.identity.name,
            "roles": [role.value for role in self.identity.roles],
            "public_key": self.identity.public_key.hex(),
        }
        if self.sealed is None:
            assert self.plain_seed is not None
            obj |= {"plaintext": True, "seed": self.plain_seed.hex()}
            return obj
        obj["kdf"] = {
            "name": KDF_NAME,
            "opslimit": self.sealed.limits.opslimit,
            "memlimit": self.sealed.limits.memlimit,
            "salt": self.sealed.salt.hex(),
            "passphrase_check": self.sealed.passphrase_check.hex(),
        }
        obj["cipher"] = {
            "name": CIPHER_NAME,
            "nonce": self.sealed.nonce.hex(),
            "ciphertext": self.sealed.ciphertext.hex(),
        }
        return obj


def check_name(name: str) -> None:
    """Raise KeyParameterError unless name is a usable key name (C2SP note key name rules)."""
    if len(name) > KEY_NAME_LENGTH_MAX:
        raise KeyParameterError(f"key name is longer than {KEY_NAME_LENGTH_MAX} characters")
    try:
        check_key_name(name)
    except NoteError as error:
        raise KeyParameterError(f"{error} (key names have no spaces and no '+')") from None


def parse_roles(names: Iterable[str]) -> tuple[Role, ...]:
    """Role names (e.g. "validator", "issuer") as sorted, unique Roles."""
    by_name = {role.value: role for role in Role}
    roles = set()
    for name in names:
        if name not in by_name:
            known = ", ".join(sorted(by_name))
            raise KeyParameterError(f"unknown role {name!r}; roles are: {known}")
        roles.add(by_name[name])
    return tuple(sorted(roles, key=lambda role: role.value))


def generate_signing_key() -> SigningKey:
    """A fresh Ed25519 key from the operating system's CSPRNG."""
    return SigningKey(secrets.token_bytes(SEED_SIZE))


def seal_keystore(
    key: SigningKey,
    name: str,
    roles: tuple[Role, ...],
    passphrase: bytes,
    *,
    limits: KdfLimits = DEFAULT_LIMITS,
) -> Keystore:
    """Encrypt key's seed under passphrase. Lower limits than INTERACTIVE are for tests."""
    if not passphrase:
        raise PassphraseRejectedError("the passphrase is empty; a keystore needs one")
    identity = KeyIdentity(name=name, roles=roles, public_key=key.public_key)
    salt = secrets.token_bytes(_SALT_SIZE)
    box_key, check = _derive(passphrase, salt, limits)
    secret = encode({**_sealed_identity(identity), "seed": key.seed.hex()})
    # The identity is sealed with the seed, so an edited name, role or key in the clear
    # part of the file is detected at unlock time.
    encrypted = nacl.secret.SecretBox(box_key).encrypt(secret)
    sealed = SealedSeed(
        limits=limits,
        salt=salt,
        passphrase_check=check,
        nonce=bytes(encrypted.nonce),
        ciphertext=bytes(encrypted.ciphertext),
    )
    return Keystore(identity=identity, sealed=sealed)


def plaintext_keystore(key: SigningKey, name: str, roles: tuple[Role, ...]) -> Keystore:
    """An UNENCRYPTED keystore for development networks only; marked "plaintext": true."""
    identity = KeyIdentity(name=name, roles=roles, public_key=key.public_key)
    return Keystore(identity=identity, sealed=None, plain_seed=key.seed)


def unlock_keystore(
    keystore: Keystore, passphrase: bytes | None, *, allow_plaintext: bool = False
) -> SigningKey:
    """The signing key in keystore. A plaintext keystore needs allow_plaintext=True.

    Raises WrongPassphraseError, KeystoreFormatError (altered file) or PlaintextKeystoreError.
    """
    if keystore.sealed is None:
        if not allow_plaintext:
            raise PlaintextKeystoreError(
                f"keystore {keystore.identity.name!r} is a plaintext development keystore; "
                "it is accepted only in development mode"
            )
        assert keystore.plain_seed is not None
        return _checked_key(keystore, keystore.plain_seed)
    if not passphrase:
        raise PassphraseRejectedError(
            f"keystore {keystore.identity.name!r} is encrypted; a passphrase is required"
        )
    return _open_sealed(keystore, keystore.sealed, passphrase)


def _derive(passphrase: bytes, salt: bytes, limits: KdfLimits) -> tuple[bytes, bytes]:
    derived = _argon2id.kdf(
        _DERIVED_SIZE, passphrase, salt, opslimit=limits.opslimit, memlimit=limits.memlimit
    )
    return derived[: nacl.secret.SecretBox.KEY_SIZE], derived[nacl.secret.SecretBox.KEY_SIZE :]


def _open_sealed(keystore: Keystore, sealed: SealedSeed, passphrase: bytes) -> SigningKey:
    box_key, check = _derive(passphrase, sealed.salt, sealed.limits)
    if not hmac.compare_digest(check, sealed.passphrase_check):
        raise WrongPassphraseError(keystore.identity.name)
    try:
        secret = nacl.secret.SecretBox(box_key).decrypt(sealed.ciphertext, sealed.nonce)
    except nacl.exceptions.CryptoError:
        raise KeystoreFormatError(
            keystore.path, "the passphrase is right but the ciphertext fails authentication"
        ) from None
    try:
        obj = expect_object(decode(secret), "sealed secret", _SECRET_FIELDS)
        seed = read_hex(obj, "seed", size=SEED_SIZE)
    except ProtocolError as error:
        raise KeystoreFormatError(keystore.path, f"sealed secret: {error}") from None
    if {**obj, "seed": None} != {**_sealed_identity(keystore.identity), "seed": None}:
        raise KeystoreFormatError(keystore.path, "name, roles or key differ from the sealed ones")
    return _checked_key(keystore, seed)


def _sealed_identity(identity: KeyIdentity) -> JsonObject:
    return {
        "name": identity.name,
        "roles": [role.value for role in identity.roles],
        "public_key": identity.public_key.hex(),
    }


def _checked_key(keystore: Keystore, seed: bytes) -> SigningKey:
    key = SigningKey(seed)
    if key.public_key != keystore.identity.public_key:
        raise KeystoreFormatError(keystore.path, "public_key is not the key of the stored seed")
    return key


def parse_keystore(data: bytes, path: Path | None = None) -> Keystore:
    """Parse keystore file bytes; raises KeystoreFormatError naming what is wrong."""
    if len(data) > KEYSTORE_SIZE_MAX:
        raise KeystoreFormatError(path, f"{len(data)} bytes is far too large for a keystore")
    try:
        value = decode(data)
        if isinstance(value, dict) and "plaintext" in value:
            return _parse_plaintext(value, path)
        return _parse_encrypted(value, path)
    except ProtocolError as error:
        raise KeystoreFormatError(path, str(error)) from None
    except KeyParameterError as error:
        raise KeystoreFormatError(path, str(error)) from None


_PUBLIC_FIELDS: Final = ("version", "name", "roles", "public_key")


def _parse_identity(obj: JsonObject, path: Path | None) -> KeyIdentity:
    version = read_int(obj, "version")
    if version != KEYSTORE_VERSION:
        raise KeystoreFormatError(path, f"version {version} is not supported (this reads 1)")
    role_names = [role for role in read_list(obj, "roles", max_items=16) if isinstance(role, str)]
    roles = parse_roles(role_names)
    if [role.value for role in roles] != obj["roles"]:
        raise KeystoreFormatError(path, "roles are not sorted unique role names")
    return KeyIdentity(
        name=read_str(obj, "name", max_length=KEY_NAME_LENGTH_MAX),
        roles=roles,
        public_key=PublicKey(read_hex(obj, "public_key", size=PUBLIC_KEY_SIZE)),
    )


def _parse_plaintext(value: JsonObject, path: Path | None) -> Keystore:
    obj = expect_object(value, "keystore", (*_PUBLIC_FIELDS, "plaintext", "seed"))
    if not read_bool(obj, "plaintext"):
        raise KeystoreFormatError(path, '"plaintext" may only be true, and only with "seed"')
    identity = _parse_identity(obj, path)
    seed = read_hex(obj, "seed", size=SEED_SIZE)
    return Keystore(identity=identity, sealed=None, plain_seed=seed, path=path)


def _parse_encrypted(value: object, path: Path | None) -> Keystore:
    obj = expect_object(value, "keystore", (*_PUBLIC_FIELDS, "kdf", "cipher"))
    identity = _parse_identity(obj, path)
    kdf = expect_object(
        obj["kdf"], "kdf", ("name", "opslimit", "memlimit", "salt", "passphrase_check")
    )
    cipher = expect_object(obj["cipher"], "cipher", ("name", "nonce", "ciphertext"))
    if read_str(kdf, "name") != KDF_NAME or read_str(cipher, "name") != CIPHER_NAME:
        raise KeystoreFormatError(path, f"only {KDF_NAME} with {CIPHER_NAME} is supported")
    limits = KdfLimits(opslimit=read_int(kdf, "opslimit"), memlimit=read_int(kdf, "memlimit"))
    if not (
        _OPSLIMIT_RANGE[0] <= limits.opslimit <= _OPSLIMIT_RANGE[1]
        and _MEMLIMIT_RANGE[0] <= limits.memlimit <= _MEMLIMIT_RANGE[1]
    ):
        raise KeystoreFormatError(path, f"kdf limits {limits} are outside the accepted range")
    sealed = SealedSeed(
        limits=limits,
        salt=read_hex(kdf, "salt", size=_SALT_SIZE),
        passphrase_check=read_hex(kdf, "passphrase_check", size=_CHECK_SIZE),
        nonce=read_hex(cipher, "nonce", size=nacl.secret.SecretBox.NONCE_SIZE),
        ciphertext=read_hex(cipher, "ciphertext"),
    )
    return Keystore(identity=identity, sealed=sealed, path=path)


def keystore_bytes(keystore: Keystore) -> bytes:
    """The file bytes: canonical JSON (RFC 8785) and a newline."""
    return encode(keystore.to_json()) + b"\n"
