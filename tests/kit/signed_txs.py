"""Signed account.open txs of one fixed sender and chain, for protocol tests that need real
signed txs but no ledger (tests/unit/protocol: the block parse, the kept leaf hashes)."""

from typing import Any

from protocol.hashing import Hash32, sha256
from protocol.signing import SigningKey
from protocol.tx import PROTOCOL_VERSION, SignedTx, UnsignedTx, sign_tx

CHAIN_ID = Hash32(sha256(b"parse_block tests"))
SENDER = SigningKey(sha256(b"sender"))


def signed_tx(nonce: int, body: dict[str, Any] | None = None) -> SignedTx:
    unsigned = UnsignedTx(
        chain_id=CHAIN_ID,
        protocol_version=PROTOCOL_VERSION,
        type="account.open",
        sender=SENDER.public_key,
        nonce=nonce,
        expires_at_ms=1_000,
        body={"account_id": f"account-{nonce}"} if body is None else body,
    )
    return sign_tx(unsigned, SENDER)
