"""A validator's keys across a key rotation (ADR 0022): which one signs at a height.

The node holds its keystore's key and, once the operator ran `lantan keys rotate`, the
pending key beside it. At every height it starts, and for every checkpoint, it signs with
the one key of these that the height's validator set holds: one rule, so votes and
checkpoint lines switch keys at the same height the chain's next_validators_hash named.
"""

import logging
from dataclasses import dataclass
from pathlib import Path

from genesis.keystore import read_keystore, unlock_keystore
from genesis.layout import PASSPHRASE_FILE, PENDING_KEYSTORE_FILE
from node.config import NodeConfig
from protocol.signing import PublicKey, SigningKey
from protocol.validators import ValidatorSet

log = logging.getLogger("lantan.node")


@dataclass(frozen=True, slots=True)
class ValidatorKeys:
    """The keystore's key first, then the pending one (if any)."""

    keys: tuple[SigningKey, ...]

    def __post_init__(self) -> None:
        assert self.keys, "a validator holds at least its keystore's key"

    @property
    def public_keys(self) -> frozenset[PublicKey]:
        return frozenset(key.public_key for key in self.keys)

    def for_set(self, validators: ValidatorSet) -> SigningKey:
        """The key validators holds; the keystore's when it holds none (it then casts
        nothing: the engine signs only as a member)."""
        for key in self.keys:
            if validators.contains(key.public_key):
                return key
        return self.keys[0]

    def rotated_out(
        self, signing: PublicKey, deciding: ValidatorSet, following: ValidatorSet
    ) -> bool:
        """Whether to read the keystores again after a commit: signing (the key that signed
        the height just committed) is in deciding, that height's set, and none of these
        keys is in following, the next height's set. Its key was rotated (or removed), and
        the operator may have written the pending key after the node started."""
        if not deciding.contains(signing):
            return False
        return not any(following.contains(key) for key in self.public_keys)


def unlock_validator_keys(config: NodeConfig) -> ValidatorKeys:
    """The keystore's key, and the pending key when DIR/pending_keystore.json exists.

    Both are unlocked with the node's passphrase; a plaintext keystore is refused unless
    node.toml opts in (OPERATIONS.md).
    """
    keys = [_unlock(config, config.node_dir)]
    pending = config.node_dir / PENDING_KEYSTORE_FILE
    if pending.is_file():
        keys.append(_unlock(config, pending))
        log.info("pending key %s loaded (ADR 0022)", keys[-1].public_key.hex()[:16])
    return ValidatorKeys(tuple(keys))


def _unlock(config: NodeConfig, path: Path) -> SigningKey:
    keystore = read_keystore(path)
    passphrase_file = (
        config.node_dir / PASSPHRASE_FILE
        if config.passphrase_file is None
        else config.resolve(config.passphrase_file)
    )
    passphrase = None
    if not keystore.plaintext:
        passphrase = passphrase_file.read_bytes().rstrip(b"\r\n")
    return unlock_keystore(keystore, passphrase, allow_plaintext=config.dev_plaintext_keystore)
