"""node/validator_keys.py and the pending keystore (ADR 0022): which key signs a height."""

from pathlib import Path

import nacl.pwhash
import pytest

from contracts.records import Role
from genesis import keystore as ks
from genesis.errors import KeystoreExistsError
from genesis.layout import PASSPHRASE_FILE, PENDING_KEYSTORE_FILE
from node.config import NodeConfig
from node.validator_keys import ValidatorKeys, unlock_validator_keys
from protocol.note import verifier_key_string
from protocol.signing import SigningKey
from protocol.validators import Validator, ValidatorSet

TEST_LIMITS = ks.KdfLimits(
    opslimit=nacl.pwhash.argon2id.OPSLIMIT_MIN, memlimit=nacl.pwhash.argon2id.MEMLIMIT_MIN
)
OLD, NEW, OTHER = (SigningKey(bytes([n]) * 32) for n in (1, 2, 3))


def set_of(*members: tuple[str, SigningKey]) -> ValidatorSet:
    validators = [
        Validator(
            name=name,
            public_key=key.public_key,
            note_verifier_key=verifier_key_string(name, key.public_key),
        )
        for name, key in members
    ]
    return ValidatorSet.create(validators, len(validators) // 2 + 1)


def test_the_key_the_set_holds_signs() -> None:
    keys = ValidatorKeys((OLD, NEW))
    before = set_of(("ningbo-ptc", OLD), ("xiamen-ptc", OTHER))
    after = set_of(("ningbo-ptc", NEW), ("xiamen-ptc", OTHER))
    assert keys.for_set(before) == OLD
    assert keys.for_set(after) == NEW
    # Neither in the set (removed, or an old node without the pending key): the keystore's,
    # which the engine never signs with as a non-member.
    assert keys.for_set(set_of(("xiamen-ptc", OTHER))) == OLD
    assert keys.public_keys == {OLD.public_key, NEW.public_key}


def config_for(node_dir: Path) -> NodeConfig:
    return NodeConfig(name="ningbo-ptc", node_dir=node_dir, genesis=node_dir / "genesis.json")


def test_the_pending_key_is_loaded_beside_the_keystore(tmp_path: Path) -> None:
    passphrase = b"correct horse battery staple"
    (tmp_path / PASSPHRASE_FILE).write_bytes(passphrase + b"\n")
    created = ks.create_key_directory(
        tmp_path, "ningbo-ptc", (Role.VALIDATOR,), passphrase, limits=TEST_LIMITS
    )
    (only,) = unlock_validator_keys(config_for(tmp_path)).keys
    assert only.public_key == created.identity.public_key

    pending = ks.create_pending_key(tmp_path, passphrase, limits=TEST_LIMITS)
    assert pending.path == tmp_path / PENDING_KEYSTORE_FILE
    assert pending.identity.name == "ningbo-ptc" and pending.identity.roles == (Role.VALIDATOR,)
    keys = unlock_validator_keys(config_for(tmp_path)).keys
    assert [k.public_key for k in keys] == [
        created.identity.public_key,
        pending.identity.public_key,
    ]
    # A pending key is never overwritten: a second rotation waits for the first.
    with pytest.raises(KeystoreExistsError):
        ks.create_pending_key(tmp_path, passphrase, limits=TEST_LIMITS)


def test_the_keystores_are_read_again_once_the_next_set_holds_none_of_the_keys() -> None:
    """A node started before its operator wrote the pending key holds only OLD: once the
    chain's next set names NEW instead, it reads the keystores again (runtime, ADR 0022)."""
    keys = ValidatorKeys((OLD,))
    deciding = set_of(("ningbo-ptc", OLD), ("xiamen-ptc", OTHER))
    rotated = set_of(("ningbo-ptc", NEW), ("xiamen-ptc", OTHER))
    assert keys.rotated_out(OLD.public_key, deciding, rotated)
    assert not keys.rotated_out(OLD.public_key, deciding, deciding)  # still a member
    # Not a member of the height just decided (an observer's key, one already removed).
    assert not keys.rotated_out(OLD.public_key, set_of(("xiamen-ptc", OTHER)), rotated)
    # The pending key already loaded: the next set holds one of the keys, nothing to read.
    assert not ValidatorKeys((OLD, NEW)).rotated_out(OLD.public_key, deciding, rotated)
