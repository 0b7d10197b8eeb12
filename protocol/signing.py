"""Ed25519 signatures (RFC 8032) through PyNaCl. Pure: no I/O, no randomness.

Key generation needs entropy, so it lives in genesis/keystore.py; here a key is always
made from a given 32-byte seed.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final, NewType, TypeAlias

import nacl.exceptions
import nacl.signing

from protocol.errors import SignatureError

PublicKey = NewType("PublicKey", bytes)
"""A 32-byte Ed25519 public key (RFC 8032 §5.1.5)."""

PUBLIC_KEY_SIZE: Final = 32
SIGNATURE_SIZE: Final = 64
SEED_SIZE: Final = 32

VerifySignature: TypeAlias = Callable[[bytes, bytes, bytes], bool]
"""The one verify port: verify(public_key, message, signature) -> True when valid.

Consensus, the contracts and the certificate check take it as an argument, so the node can
answer from its SignatureCache (protocol/signature_cache.py) and the simulator with a fake.
"""


@dataclass(frozen=True, slots=True)
class SigningKey:
    """An Ed25519 private key held as its 32-byte RFC 8032 seed."""

    seed: bytes = field(repr=False)
    _key: nacl.signing.SigningKey = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if len(self.seed) != SEED_SIZE:
            raise SignatureError(f"an Ed25519 seed has {SEED_SIZE} bytes, not {len(self.seed)}")
        object.__setattr__(self, "_key", nacl.signing.SigningKey(self.seed))

    @property
    def public_key(self) -> PublicKey:
        return PublicKey(bytes(self._key.verify_key))

    def sign(self, message: bytes) -> bytes:
        """Return the 64-byte detached signature of message."""
        return bytes(self._key.sign(message).signature)


def verify_signature(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """True when signature is a valid Ed25519 signature of message by public_key."""
    if len(public_key) != PUBLIC_KEY_SIZE or len(signature) != SIGNATURE_SIZE:
        return False
    try:
        nacl.signing.VerifyKey(public_key).verify(message, signature)
    except (nacl.exceptions.BadSignatureError, nacl.exceptions.ValueError, ValueError):
        return False
    return True


def require_signature(public_key: bytes, message: bytes, signature: bytes) -> None:
    """Raise SignatureError unless signature verifies."""
    if not verify_signature(public_key, message, signature):
        raise SignatureError(f"signature by {public_key.hex()[:16]}… does not verify")
