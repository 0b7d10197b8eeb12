"""Ports the engine calls but does not implement: signing, verifying, hashing payloads. Pure.

The node fills them with Ed25519 (protocol.signing) and the block-header hash; the simulator
fills them with fast deterministic fakes. Every port must be a pure function of its inputs,
so a step stays a pure function of (state, event).
"""

from collections.abc import Callable
from typing import Protocol, TypeAlias

from protocol.hashing import Hash32
from protocol.signing import PublicKey, SigningKey, VerifySignature, verify_signature

__all__ = [
    "Ed25519Signer",
    "PayloadHasher",
    "Signer",
    "VerifySignature",  # the one verify port, defined in protocol.signing
    "verify_ed25519",
]


class Signer(Protocol):
    """Holds one validator key; the engine asks it to sign only after the signer-state guard."""

    @property
    def public_key(self) -> PublicKey: ...

    def sign(self, message: bytes) -> bytes:
        """Return the 64-byte signature of message."""
        ...


PayloadHasher: TypeAlias = Callable[[bytes], Hash32 | None]
"""block_hash of an opaque block payload, or None when the payload does not parse."""


class Ed25519Signer:
    """The real Signer: an Ed25519 key from protocol.signing."""

    __slots__ = ("_key",)

    def __init__(self, key: SigningKey) -> None:
        self._key = key

    @property
    def public_key(self) -> PublicKey:
        return self._key.public_key

    def sign(self, message: bytes) -> bytes:
        return self._key.sign(message)


verify_ed25519: VerifySignature = verify_signature
"""The real verify port."""
