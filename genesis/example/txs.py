"""Signed txs from keys in hand: the one builder behind every example and test chain driver.

A driver decides the nonce and expiry (counted locally, asked of a node, or fixed); this
module only assembles the unsigned tx and adds the sender's and co-signers' signatures.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from genesis.example.parties import ECO_ACCOUNT
from protocol.encoding import JsonObject
from protocol.hashing import Hash32, sha256
from protocol.signing import PublicKey, SigningKey
from protocol.tx import PROTOCOL_VERSION, SignedTx, UnsignedTx, sign_tx


def signed_tx(
    *,
    chain_id: Hash32,
    tx_type: str,
    sender: SigningKey,
    nonce: int,
    expires_at_ms: int,
    body: Mapping[str, Any],
    cosigners: Iterable[SigningKey] = (),
) -> SignedTx:
    """The tx signed by its sender, then by each co-signer in the order given."""
    unsigned = UnsignedTx(
        chain_id=chain_id,
        protocol_version=PROTOCOL_VERSION,
        type=tx_type,
        sender=sender.public_key,
        nonce=nonce,
        expires_at_ms=expires_at_ms,
        body=dict(body),
    )
    signed = sign_tx(unsigned, sender)
    for cosigner in cosigners:
        signed = sign_tx(signed, cosigner)
    return signed


@dataclass
class CountingSigner:
    """Signs txs for one chain built from genesis in one process, where every tx commits:
    each sender's nonces are counted here from 1, and every tx expires at one time."""

    chain_id: Hash32
    expires_at_ms: int
    nonces: dict[PublicKey, int] = field(default_factory=dict)

    def sign(
        self,
        tx_type: str,
        sender: SigningKey,
        body: Mapping[str, Any],
        cosigners: Iterable[SigningKey] = (),
    ) -> SignedTx:
        nonce = self.nonces[sender.public_key] = self.nonces.get(sender.public_key, 0) + 1
        return signed_tx(
            chain_id=self.chain_id,
            tx_type=tx_type,
            sender=sender,
            nonce=nonce,
            expires_at_ms=self.expires_at_ms,
            body=body,
            cosigners=cosigners,
        )


def attest_body(policy_id: str, account_id: str = ECO_ACCOUNT) -> JsonObject:
    """insurance.attest on an ecological account: accepted for every new policy id and moves
    no units, so streams of it load a chain cheaply."""
    return {
        "policy_id": policy_id,
        "insurer": "example insurer",
        "policyholder": "example policyholder",
        "coverage": "carbon_account_comprehensive",
        "subject_kind": "account",
        "subject_id": account_id,
        "sum_insured_fen": 100,
        "period_start": "2024-01-01",
        "period_end": "2024-12-31",
        "clause_hash": sha256(policy_id.encode()).hex(),
    }
