"""Signed envelopes for validator-to-validator messages on /peer/... (DESIGN.md §7).

The wire form is a fixed-size authentication line, then the envelope's bytes:

    <sender: 64 lowercase hex> SP <signature: 128 lowercase hex> LF JCS({chain_id, kind,
    sender, body})

where the signature is Ed25519 over TAG_PEER || the envelope bytes exactly as sent. A
receiver reads the line, checks that the sender is a validator of this chain and verifies
the signature over the raw bytes BEFORE it parses any JSON (DESIGN.md §0.3): a stranger's
bytes cost one signature check at most, never a parse. Only then are the envelope's bytes
checked to be JCS, as everything signed is (other whitespace, key order or escapes:
malformed; it costs nothing more, as decoding canonical bytes re-encodes them anyway,
protocol/encoding.py), and its fields (its sender must be the line's). Anything refused is
counted by reason.
"""

import enum
from collections.abc import Callable
from dataclasses import dataclass

from protocol.codec import JsonCodec
from protocol.encoding import JsonObject, decode_canonical, encode
from protocol.errors import ProtocolError
from protocol.hashing import TAG_PEER, Hash32
from protocol.signing import (
    PUBLIC_KEY_SIZE,
    SIGNATURE_SIZE,
    PublicKey,
    SigningKey,
    verify_signature,
)

ENVELOPE_BYTES_MAX = 8 * 1024 * 1024
"""A block is at most 8 MiB (RuntimeSettings.block_bytes_max) and travels base64-free in a
proposal; one envelope never needs more. Enforced as the bytes stream in (node/api)."""
_SENDER_HEX = 2 * PUBLIC_KEY_SIZE
AUTH_LINE_BYTES = _SENDER_HEX + 1 + 2 * SIGNATURE_SIZE + 1
"""The authentication line's length: a body's first bytes name its claimed sender."""
_HEX = frozenset(b"0123456789abcdef")


class PeerKind(enum.Enum):
    CONSENSUS = "consensus"
    PROPOSAL = "proposal"
    """A proposal as its block's shell and tx leaf hashes (node/compact_proposals.py)."""
    TXS = "txs"
    TX_IDS = "tx_ids"
    """Ids of txs the sender admitted from a client (node/tx_relay.py)."""
    TX_WANT = "tx_want"
    """Ids of announced txs the sender lacks; answered with TXS."""
    CHECKPOINT = "checkpoint"
    EVIDENCE = "evidence"


class DropReason(enum.Enum):
    MALFORMED = "malformed"
    WRONG_CHAIN = "wrong_chain"
    UNKNOWN_KEY = "unknown_key"
    BAD_SIGNATURE = "bad_signature"
    BAD_BODY = "bad_body"
    QUEUE_FULL = "queue_full"
    FAR_AHEAD = "far_ahead"
    OVER_BUDGET = "over_budget"
    """The sender's byte budget is spent (node/peer_budget.py): answered 429."""


class PeerMessageDroppedError(Exception):
    """A peer message that is not accepted; reason is counted in /metrics."""

    def __init__(self, reason: DropReason, detail: str) -> None:
        super().__init__(f"{reason.value}: {detail}")
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True, slots=True, kw_only=True)
class PeerEnvelope(JsonCodec, what="envelope"):
    chain_id: Hash32
    kind: PeerKind
    sender: PublicKey
    body: JsonObject


def seal_envelope(key: SigningKey, chain_id: Hash32, kind: PeerKind, body: JsonObject) -> bytes:
    """The wire bytes of a signed envelope."""
    envelope = PeerEnvelope(chain_id=chain_id, kind=kind, sender=key.public_key, body=body)
    data = encode(envelope.to_json())
    signature = key.sign(TAG_PEER + data)
    return f"{key.public_key.hex()} {signature.hex()}\n".encode("ascii") + data


def open_envelope(
    data: bytes,
    chain_id: Hash32,
    kind: PeerKind,
    allowed: frozenset[PublicKey],
    admit: Callable[[PublicKey, int], bool] | None = None,
) -> PeerEnvelope:
    """Verify and return the envelope, or raise PeerMessageDroppedError with the reason.

    Order matters: size, then the sender and signature over the raw bytes, then admit
    (the verified sender's budget for len(data) bytes; False refuses), then parsing, which
    refuses bytes that are not the canonical encoding of what they decode to (they were
    accepted before, though every envelope is documented, and sealed, as JCS: hostile
    pass h56 F4).
    """
    if len(data) > ENVELOPE_BYTES_MAX:
        raise PeerMessageDroppedError(DropReason.MALFORMED, "too large")
    sender, signature = read_allowed_auth_line(data, allowed)
    raw = data[AUTH_LINE_BYTES:]
    if not verify_signature(sender, TAG_PEER + raw, signature):
        raise PeerMessageDroppedError(DropReason.BAD_SIGNATURE, sender.hex()[:16])
    if admit is not None and not admit(sender, len(data)):
        raise PeerMessageDroppedError(DropReason.OVER_BUDGET, sender.hex()[:16])
    try:
        envelope = PeerEnvelope.from_json(decode_canonical(raw))
    except (ProtocolError, ValueError) as error:
        raise PeerMessageDroppedError(DropReason.MALFORMED, str(error)) from None
    if envelope.sender != sender:
        raise PeerMessageDroppedError(DropReason.MALFORMED, "envelope sender is not the signer")
    if envelope.chain_id != chain_id or envelope.kind is not kind:
        raise PeerMessageDroppedError(DropReason.WRONG_CHAIN, envelope.chain_id.hex()[:16])
    return envelope


def read_allowed_auth_line(data: bytes, allowed: frozenset[PublicKey]) -> tuple[PublicKey, bytes]:
    """The sender key and signature of data's authentication line (its first
    AUTH_LINE_BYTES; the rest may be unread yet), the sender one of allowed; else
    PeerMessageDroppedError MALFORMED or UNKNOWN_KEY. The signature is not checked: the
    one rule both open_envelope and an early refusal before the body is read
    (PeerInbox.refused_sender) apply."""
    sender, signature = _read_auth_line(data)
    if sender not in allowed:
        raise PeerMessageDroppedError(DropReason.UNKNOWN_KEY, sender.hex()[:16])
    return sender, signature


def claimed_sender(data: bytes) -> PublicKey | None:
    """The sender key the authentication line names, unverified; None when malformed."""
    try:
        return _read_auth_line(data)[0]
    except PeerMessageDroppedError:
        return None


def _read_auth_line(data: bytes) -> tuple[PublicKey, bytes]:
    """The sender key and signature of the fixed-size first line."""
    line = data[:AUTH_LINE_BYTES]
    well_formed = (
        len(line) == AUTH_LINE_BYTES
        and line[_SENDER_HEX] == ord(" ")
        and line[-1] == ord("\n")
        and _HEX.issuperset(line[:_SENDER_HEX])
        and _HEX.issuperset(line[_SENDER_HEX + 1 : -1])
    )
    if not well_formed:
        raise PeerMessageDroppedError(DropReason.MALFORMED, "no authentication line")
    sender = PublicKey(bytes.fromhex(line[:_SENDER_HEX].decode("ascii")))
    return sender, bytes.fromhex(line[_SENDER_HEX + 1 : -1].decode("ascii"))
