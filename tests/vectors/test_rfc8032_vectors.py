"""protocol/signing.py against the Ed25519 test vectors of RFC 8032 §7.1 (rfc8032.json).

Each vector: the seed gives the public key, signing reproduces the signature byte for byte,
verify_signature accepts it, and rejects it after any single bit of key, message or
signature is flipped.
"""

import json
from pathlib import Path
from typing import Any

import pytest

from protocol.errors import SignatureError
from protocol.signing import SigningKey, require_signature, verify_signature

VECTORS: dict[str, Any] = json.loads((Path(__file__).parent / "rfc8032.json").read_text())
CASES = [
    pytest.param(
        {key: bytes.fromhex(value) for key, value in v.items() if key != "name"}, id=v["name"]
    )
    for v in VECTORS["vectors"]
]


def flip_bit(data: bytes, bit: int) -> bytes:
    flipped = bytearray(data)
    flipped[bit // 8] ^= 1 << (bit % 8)
    return bytes(flipped)


def test_all_five_rfc_vectors_are_present() -> None:
    names = [v["name"] for v in VECTORS["vectors"]]
    assert names == ["TEST 1", "TEST 2", "TEST 3", "TEST 1024", "TEST SHA(abc)"]
    assert "8032" in VECTORS["source"]["document"]


@pytest.mark.parametrize("vector", CASES)
def test_secret_key_gives_public_key_and_signature(vector: dict[str, bytes]) -> None:
    key = SigningKey(vector["secret_key"])
    assert key.public_key == vector["public_key"]
    assert key.sign(vector["message"]) == vector["signature"]


@pytest.mark.parametrize("vector", CASES)
def test_signature_verifies(vector: dict[str, bytes]) -> None:
    assert verify_signature(vector["public_key"], vector["message"], vector["signature"])
    require_signature(vector["public_key"], vector["message"], vector["signature"])


@pytest.mark.parametrize("vector", CASES)
@pytest.mark.parametrize("bit", [0, 7, 255, 256, 511])
def test_flipped_signature_bit_is_rejected(vector: dict[str, bytes], bit: int) -> None:
    signature = flip_bit(vector["signature"], bit)
    assert not verify_signature(vector["public_key"], vector["message"], signature)
    with pytest.raises(SignatureError):
        require_signature(vector["public_key"], vector["message"], signature)


@pytest.mark.parametrize("vector", CASES)
def test_flipped_message_or_key_bit_is_rejected(vector: dict[str, bytes]) -> None:
    message, public_key = vector["message"], vector["public_key"]
    other_message = flip_bit(message, 0) if message else b"\x00"
    assert not verify_signature(public_key, other_message, vector["signature"])
    assert not verify_signature(flip_bit(public_key, 3), message, vector["signature"])


@pytest.mark.parametrize("vector", CASES)
def test_wrong_lengths_are_rejected_not_raised(vector: dict[str, bytes]) -> None:
    message, public_key, signature = vector["message"], vector["public_key"], vector["signature"]
    assert not verify_signature(public_key[:31], message, signature)
    assert not verify_signature(public_key, message, signature[:63])
    assert not verify_signature(public_key, message, signature + b"\x00")
    with pytest.raises(SignatureError):
        SigningKey(vector["secret_key"][:31])
