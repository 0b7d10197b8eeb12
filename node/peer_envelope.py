"""Signed envelopes for validator-to-validator messages on /peer/... (DESIGN.md §7).

Every peer message is {"envelope": {chain_id, kind, sender, body}, "signature"} where the
signature is Ed25519 over TAG_PEER || JCS(envelope). A receiver accepts it only from a key
in the validator set of this chain; anything else is dropped and counted by reason.
"""

import enum
from dataclasses import dataclass

from protocol.encoding import JsonObject, decode, encode
from protocol.errors import ProtocolError
from protocol.fields import expect_object, read_hex, read_object, read_str
from protocol.hashing import HASH_SIZE, TAG_PEER, Hash32
from protocol.signing import (
    PUBLIC_KEY_SIZE,
    SIGNATURE_SIZE,
    PublicKey,
    SigningKey,
    verify_signature,
)

ENVELOPE_BYTES_MAX = 64 * 1024 * 1024


class PeerKind(enum.Enum):
    CONSENSUS = "consensus"
    TXS = "txs"
    CHECKPOINT = "checkpoint"
    EVIDENCE = "evidence"


class DropReason(enum.Enum):
    MALFORMED = "malformed"
    WRONG_CHAIN = "wrong_chain"
    UNKNOWN_KEY = "unknown_key"
    BAD_SIGNATURE = "bad_signature"
    BAD_BODY = "bad_body"


class PeerMessageDroppedError(Exception):
    """A peer message that is not accepted; reason is counted in /metrics."""

    def __init__(self, reason: DropReason, detail: str) -> None:
        super().__init__(f"{reason.value}: {detail}")
        self.reason = reason


@dataclass(frozen=True, slots=True, kw_only=True)
class PeerEnvelope:
    chain_id: Hash32
    kind: PeerKind
    sender: PublicKey
    body: JsonObject

    def to_json(self) -> JsonObject:
        return {
            "chain_id": self.chain_id.hex(),
            "kind": self.kind.value,
            "sender": self.sender.hex(),
            "body": self.body,
        }

    def sign_bytes(self) -> bytes:
        return TAG_PEER + encode(self.to_json())


def seal_envelope(key: SigningKey, chain_id: Hash32, kind: PeerKind, body: JsonObject) -> bytes:
    """The wire bytes of a signed envelope."""
    envelope = PeerEnvelope(chain_id=chain_id, kind=kind, sender=key.public_key, body=body)
    signature = key.sign(envelope.sign_bytes())
    return encode({"envelope": envelope.to_json(), "signature": signature.hex()})


def open_envelope(
    data: bytes, chain_id: Hash32, kind: PeerKind, allowed: frozenset[PublicKey]
) -> PeerEnvelope:
    """Verify and return the envelope, or raise PeerMessageDroppedError with the reason."""
    if len(data) > ENVELOPE_BYTES_MAX:
        raise PeerMessageDroppedError(DropReason.MALFORMED, "too large")
    try:
        outer = expect_object(decode(data), "peer message", ("envelope", "signature"))
        signature = read_hex(outer, "signature", size=SIGNATURE_SIZE)
        inner = expect_object(
            read_object(outer, "envelope"), "envelope", ("chain_id", "kind", "sender", "body")
        )
        envelope = PeerEnvelope(
            chain_id=Hash32(read_hex(inner, "chain_id", size=HASH_SIZE)),
            kind=PeerKind(read_str(inner, "kind", max_length=32)),
            sender=PublicKey(read_hex(inner, "sender", size=PUBLIC_KEY_SIZE)),
            body=read_object(inner, "body"),
        )
    except (ProtocolError, ValueError) as error:
        raise PeerMessageDroppedError(DropReason.MALFORMED, str(error)) from None
    if envelope.chain_id != chain_id or envelope.kind is not kind:
        raise PeerMessageDroppedError(DropReason.WRONG_CHAIN, envelope.chain_id.hex()[:16])
    if envelope.sender not in allowed:
        raise PeerMessageDroppedError(DropReason.UNKNOWN_KEY, envelope.sender.hex()[:16])
    if not verify_signature(envelope.sender, envelope.sign_bytes(), signature):
        raise PeerMessageDroppedError(DropReason.BAD_SIGNATURE, envelope.sender.hex()[:16])
    return envelope
