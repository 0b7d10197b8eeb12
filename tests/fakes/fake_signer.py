"""A fast, deterministic stand-in for Ed25519 in simulations.

A signature is SHA-256(secret || message) twice (64 bytes); the keyring maps public keys
to secrets so verification can recompute it. Forgery is impossible for code that does not
read the keyring, which is all the engine can do through its verify port.
"""

import hashlib

from protocol.signing import PublicKey


class FakeKeyring:
    """Secrets of every fake key, and the verify function the engine port needs."""

    def __init__(self) -> None:
        self._secrets: dict[bytes, bytes] = {}
        self.verify_calls = 0

    def new_signer(self, seed: bytes) -> "FakeSigner":
        secret = hashlib.sha256(b"fake-secret" + seed).digest()
        public_key = PublicKey(hashlib.sha256(b"fake-public" + secret).digest())
        self._secrets[public_key] = secret
        return FakeSigner(public_key, secret)

    def verify(self, public_key: bytes, message: bytes, signature: bytes) -> bool:
        self.verify_calls += 1
        secret = self._secrets.get(public_key)
        return secret is not None and signature == _fake_signature(secret, message)


class FakeSigner:
    """Implements consensus.ports.Signer."""

    __slots__ = ("_public_key", "_secret")

    def __init__(self, public_key: PublicKey, secret: bytes) -> None:
        self._public_key = public_key
        self._secret = secret

    @property
    def public_key(self) -> PublicKey:
        return self._public_key

    def sign(self, message: bytes) -> bytes:
        return _fake_signature(self._secret, message)


def _fake_signature(secret: bytes, message: bytes) -> bytes:
    digest = hashlib.sha256(secret + message).digest()
    return digest + digest
