"""Signed txs from keys in hand: the one builder behind every example and test chain driver,
and the cheap tx body that loads a chain."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from genesis.example.parties import ECO_ACCOUNT
from protocol.encoding import JsonObject
from protocol.hashing import Hash32, sha256
from protocol.signing import PublicKey, SigningKey
from protocol.tx import PROTOCOL_VERSION, SignedTx, UnsignedTx, sign_tx


@dataclass
class TxSigner:
    """Signs txs for one chain: the sender's signature, then each co-signer's in the order
    given. Each sender's nonces are counted here from 1 unless the caller names one (a
    node's or the chain's own count), and txs expire at expires_at_ms unless the caller
    names another time."""

    chain_id: Hash32
    expires_at_ms: int = 0
    nonces: dict[PublicKey, int] = field(default_factory=dict)

    def sign(
        self,
        tx_type: str,
        sender: SigningKey,
        body: Mapping[str, Any],
        cosigners: Iterable[SigningKey] = (),
        *,
        nonce: int | None = None,
        expires_at_ms: int | None = None,
    ) -> SignedTx:
        key = sender.public_key
        if nonce is None:
            nonce = self.nonces[key] = self.nonces.get(key, 0) + 1
        unsigned = UnsignedTx(
            chain_id=self.chain_id,
            protocol_version=PROTOCOL_VERSION,
            type=tx_type,
            sender=key,
            nonce=nonce,
            expires_at_ms=self.expires_at_ms if expires_at_ms is None else expires_at_ms,
            body=dict(body),
        )
        signed = sign_tx(unsigned, sender)
        for cosigner in cosigners:
            signed = sign_tx(signed, cosigner)
        return signed


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
