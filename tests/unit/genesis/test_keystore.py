"""genesis/keystore.py: sealing, unlocking, tampering, plaintext dev keys and file writes."""

import base64
import hashlib
import json
import stat
from pathlib import Path

import nacl.pwhash
import pytest

from consensus.signer_state import initial_signer_state
from contracts.records import Role
from genesis import keystore as ks
from genesis.errors import (
    KeyParameterError,
    KeystoreError,
    KeystoreExistsError,
    KeystoreFormatError,
    PassphraseRejectedError,
    PlaintextKeystoreError,
    SignerStateFileError,
    WrongPassphraseError,
)
from protocol.signing import SigningKey

# libsodium's minimum cost: only tests may use it, to keep each unlock under a millisecond.
TEST_LIMITS = ks.KdfLimits(
    opslimit=nacl.pwhash.argon2id.OPSLIMIT_MIN, memlimit=nacl.pwhash.argon2id.MEMLIMIT_MIN
)
PASSPHRASE = b"mangrove seagrass saltmarsh"
ROLES = (Role.ISSUER, Role.VALIDATOR)


def new_key_directory(directory: Path, passphrase: bytes | None = PASSPHRASE) -> ks.Keystore:
    return ks.create_key_directory(
        directory, "xiangshan-county", ROLES, passphrase, limits=TEST_LIMITS
    )


def edited(path: Path, edit: dict[str, object]) -> ks.Keystore:
    """The keystore at path after replacing some top-level or nested fields."""
    document = json.loads(path.read_bytes())
    for dotted, value in edit.items():
        target = document
        *parents, leaf = dotted.split(".")
        for parent in parents:
            target = target[parent]
        target[leaf] = value
    return ks.parse_keystore(json.dumps(document).encode(), path)


def test_seal_then_unlock_returns_the_same_key() -> None:
    key = ks.generate_signing_key()
    sealed = ks.seal_keystore(key, "ningbo-ptc", ROLES, PASSPHRASE, limits=TEST_LIMITS)
    reparsed = ks.parse_keystore(ks.keystore_bytes(sealed))
    assert reparsed.identity == sealed.identity
    assert ks.unlock_keystore(reparsed, PASSPHRASE).seed == key.seed


def test_generated_keys_differ() -> None:
    assert ks.generate_signing_key().seed != ks.generate_signing_key().seed


def test_wrong_passphrase_fails_cleanly(tmp_path: Path) -> None:
    new_key_directory(tmp_path / "key")
    keystore = ks.read_keystore(tmp_path / "key")
    with pytest.raises(WrongPassphraseError) as raised:
        ks.unlock_keystore(keystore, b"mangrove seagrass saltmarsh!")
    assert "wrong passphrase for keystore 'xiangshan-county'" in str(raised.value)
    assert "mangrove" not in str(raised.value)


def test_encrypted_keystore_needs_a_passphrase(tmp_path: Path) -> None:
    keystore = new_key_directory(tmp_path / "key")
    for missing in (None, b""):
        with pytest.raises(PassphraseRejectedError, match="passphrase is required"):
            ks.unlock_keystore(keystore, missing)


def test_keystore_file_never_holds_the_seed_in_plain_text(tmp_path: Path) -> None:
    directory = tmp_path / "key"
    new_key_directory(directory)
    seed = ks.unlock_keystore(ks.read_keystore(directory), PASSPHRASE).seed
    data = (directory / ks.KEYSTORE_FILE).read_bytes()
    for encoding in (seed, seed.hex().encode(), base64.b64encode(seed)[:40]):
        assert encoding not in data
    assert b"plaintext" not in data and b'"seed"' not in data
    assert sorted(path.name for path in directory.iterdir()) == sorted(
        [ks.KEYSTORE_FILE, ks.SIGNER_STATE_FILE]
    )


def test_files_are_private_to_their_owner(tmp_path: Path) -> None:
    directory = tmp_path / "new" / "key"
    new_key_directory(directory)
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    for name in (ks.KEYSTORE_FILE, ks.SIGNER_STATE_FILE):
        assert stat.S_IMODE((directory / name).stat().st_mode) == 0o600


def test_initial_signer_state_is_written_beside_the_keystore(tmp_path: Path) -> None:
    new_key_directory(tmp_path / "key")
    assert ks.read_signer_state(tmp_path / "key") == initial_signer_state()


def test_existing_keystore_is_never_overwritten(tmp_path: Path) -> None:
    directory = tmp_path / "key"
    new_key_directory(directory)
    before = (directory / ks.KEYSTORE_FILE).read_bytes()
    with pytest.raises(KeystoreExistsError, match="refusing to overwrite"):
        new_key_directory(directory)
    assert (directory / ks.KEYSTORE_FILE).read_bytes() == before


def test_existing_signer_state_is_never_reset(tmp_path: Path) -> None:
    # A reset signer state could let a key sign twice at one height (DESIGN.md §4).
    directory = tmp_path / "key"
    directory.mkdir()
    (directory / ks.SIGNER_STATE_FILE).write_bytes(b"advanced state")
    with pytest.raises(KeystoreExistsError):
        new_key_directory(directory)
    assert not (directory / ks.KEYSTORE_FILE).exists()
    assert (directory / ks.SIGNER_STATE_FILE).read_bytes() == b"advanced state"


def test_write_new_file_refuses_an_existing_path_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "file"
    ks.write_new_file(target, b"first")
    with pytest.raises(KeystoreExistsError):
        ks.write_new_file(target, b"second")
    assert target.read_bytes() == b"first"
    assert [path.name for path in tmp_path.iterdir()] == ["file"]


def test_plaintext_keystore_is_marked_and_needs_explicit_permission(tmp_path: Path) -> None:
    directory = tmp_path / "dev"
    new_key_directory(directory, passphrase=None)
    document = json.loads((directory / ks.KEYSTORE_FILE).read_bytes())
    assert document["plaintext"] is True
    keystore = ks.read_keystore(directory)
    with pytest.raises(PlaintextKeystoreError, match="plaintext development keystore"):
        ks.unlock_keystore(keystore, None)
    key = ks.unlock_keystore(keystore, None, allow_plaintext=True)
    assert key.public_key == keystore.identity.public_key


def test_plaintext_flag_false_is_refused(tmp_path: Path) -> None:
    new_key_directory(tmp_path / "dev", passphrase=None)
    with pytest.raises(KeystoreFormatError, match="may only be true"):
        edited(tmp_path / "dev" / ks.KEYSTORE_FILE, {"plaintext": False})


def test_altered_ciphertext_is_reported_as_damage_not_as_a_wrong_passphrase(
    tmp_path: Path,
) -> None:
    keystore = new_key_directory(tmp_path / "key")
    assert keystore.sealed is not None and keystore.path is not None
    flipped = bytearray(keystore.sealed.ciphertext)
    flipped[5] ^= 1
    altered = edited(keystore.path, {"cipher.ciphertext": flipped.hex()})
    with pytest.raises(KeystoreFormatError, match="fails authentication"):
        ks.unlock_keystore(altered, PASSPHRASE)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "court"),
        ("roles", ["court", "validator"]),
        ("public_key", SigningKey(bytes(32)).public_key.hex()),
    ],
)
def test_altered_public_fields_are_detected_at_unlock(
    tmp_path: Path, field: str, value: object
) -> None:
    keystore = new_key_directory(tmp_path / "key")
    assert keystore.path is not None
    with pytest.raises(KeystoreFormatError, match="damaged or was altered"):
        ks.unlock_keystore(edited(keystore.path, {field: value}), PASSPHRASE)


def test_altered_plaintext_public_key_is_detected(tmp_path: Path) -> None:
    keystore = new_key_directory(tmp_path / "dev", passphrase=None)
    assert keystore.path is not None
    altered = edited(keystore.path, {"public_key": SigningKey(bytes(32)).public_key.hex()})
    with pytest.raises(KeystoreFormatError, match="not the key of the stored seed"):
        ks.unlock_keystore(altered, None, allow_plaintext=True)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        ({"version": 2}, "version 2 is not supported"),
        ({"kdf.name": "scrypt"}, "only argon2id"),
        ({"cipher.name": "aes"}, "only argon2id"),
        ({"kdf.memlimit": 2**50}, "outside the accepted range"),
        ({"kdf.opslimit": 0}, "outside the accepted range"),
        ({"kdf.salt": "00"}, "salt"),
        ({"cipher.nonce": "XYZ"}, "nonce"),
        ({"extra": 1}, "unknown field 'extra'"),
        ({"roles": ["validator", "issuer"]}, "sorted unique"),
        ({"roles": ["banker"]}, "unknown role"),
        ({"name": "two words"}, "no spaces"),
    ],
)
def test_malformed_keystores_are_refused_with_a_reason(
    tmp_path: Path, edit: dict[str, object], message: str
) -> None:
    keystore = new_key_directory(tmp_path / "key")
    assert keystore.path is not None
    with pytest.raises(KeystoreFormatError, match=message):
        edited(keystore.path, edit)


@pytest.mark.parametrize("data", [b"", b"not json", b"[]", b'{"version": 1}', b" " * 70_000])
def test_non_keystores_are_refused(data: bytes) -> None:
    with pytest.raises(KeystoreFormatError):
        ks.parse_keystore(data)


def test_reading_a_missing_keystore_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(KeystoreError, match="no keystore at"):
        ks.read_keystore(tmp_path / "nothing.json")


def test_signer_state_file_errors_are_typed(tmp_path: Path) -> None:
    with pytest.raises(SignerStateFileError, match="no signer state"):
        ks.read_signer_state(tmp_path)
    (tmp_path / ks.SIGNER_STATE_FILE).write_bytes(b'{"height": 0}')
    with pytest.raises(SignerStateFileError, match="is not a signer state"):
        ks.read_signer_state(tmp_path)


@pytest.mark.parametrize("name", ["", "two words", "a+b", "tab\there", "x" * 65])
def test_unusable_key_names_are_refused_before_anything_is_written(
    tmp_path: Path, name: str
) -> None:
    with pytest.raises(KeyParameterError):
        ks.create_key_directory(tmp_path / "key", name, ROLES, PASSPHRASE, limits=TEST_LIMITS)
    assert not (tmp_path / "key").exists()


def test_empty_passphrase_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PassphraseRejectedError, match="empty"):
        new_key_directory(tmp_path / "key", passphrase=b"")
    assert not (tmp_path / "key" / ks.KEYSTORE_FILE).exists()


def test_roles_are_parsed_sorted_and_unique() -> None:
    assert ks.parse_roles(["validator", "issuer", "validator"]) == (Role.ISSUER, Role.VALIDATOR)
    assert ks.parse_roles([]) == ()
    with pytest.raises(KeyParameterError, match="unknown role 'banker'"):
        ks.parse_roles(["banker"])


def test_note_verifier_key_follows_the_c2sp_formula() -> None:
    key = SigningKey(bytes(range(32)))
    identity = ks.KeyIdentity(name="ningbo-ptc", roles=(), public_key=key.public_key)
    key_id = hashlib.sha256(b"ningbo-ptc\n\x01" + key.public_key).digest()[:4]
    key_data = base64.b64encode(b"\x01" + key.public_key).decode()
    assert identity.note_verifier_key == f"ningbo-ptc+{key_id.hex()}+{key_data}"
    assert identity.to_json() == {
        "name": "ningbo-ptc",
        "roles": [],
        "public_key": key.public_key.hex(),
        "note_verifier_key": identity.note_verifier_key,
    }
