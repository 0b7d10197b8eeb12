"""A small real chain for the node tests: genesis of the local-network plan with fixed keys.

The institutions are those of genesis.network.local_network_plan(3), with keys from fixed
seeds (no keystores, no KDF), so every test builds the same genesis in microseconds. The
helpers sign txs and certificates the way validators do.
"""

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import nacl.signing
import pytest

from genesis.document import Genesis, GenesisDocument, build_genesis
from genesis.keystore import KeyIdentity
from genesis.network import document_from_plans, local_network_plan
from node.ledger import Ledger, PreparedBlock
from node.storage.leveldb import LevelDbStore
from protocol.hashing import Hash32, sha256
from protocol.signing import SigningKey
from protocol.tx import PROTOCOL_VERSION, SignedTx, UnsignedTx, sign_tx
from protocol.votes import CommitCertificate, sign_certificate

GENESIS_TIME_MS = 1_700_000_000_000
BLOCK_MS = 1_000
TX_LIFETIME_MS = 3_600_000
PLANS = local_network_plan(3)
NAMES = tuple(plan.name for plan in PLANS)
VALIDATOR_NAMES = ("xiangshan-county", "ningbo-ptc", "xiamen-ptc")


def key_of(name: str) -> SigningKey:
    return SigningKey(sha256(b"lantan node test key: " + name.encode()))


KEYS = {name: key_of(name) for name in NAMES}
VALIDATOR_KEYS = tuple(KEYS[name] for name in VALIDATOR_NAMES)


def make_document(genesis_time_ms: int = GENESIS_TIME_MS) -> GenesisDocument:
    identities = [
        (
            plan,
            KeyIdentity(
                name=plan.name,
                roles=tuple(sorted(plan.roles, key=lambda role: role.value)),
                public_key=KEYS[plan.name].public_key,
            ),
        )
        for plan in PLANS
    ]
    return document_from_plans(
        identities, chain_name="lantan-node-tests", genesis_time_ms=genesis_time_ms
    )


GENESIS: Genesis = build_genesis(make_document())
CHAIN_ID: Hash32 = GENESIS.chain_id


def open_ledger(directory: Path, genesis: Genesis = GENESIS) -> Ledger:
    return Ledger(LevelDbStore.open(directory), genesis)


def make_tx(
    sender: str,
    tx_type: str,
    body: dict[str, Any],
    *,
    nonce: int,
    expires_at_ms: int = GENESIS_TIME_MS + TX_LIFETIME_MS,
    chain_id: Hash32 = CHAIN_ID,
    cosigners: Iterable[str] = (),
) -> SignedTx:
    unsigned = UnsignedTx(
        chain_id=chain_id,
        protocol_version=PROTOCOL_VERSION,
        type=tx_type,
        sender=KEYS[sender].public_key,
        nonce=nonce,
        expires_at_ms=expires_at_ms,
        body=body,
    )
    signed = sign_tx(unsigned, KEYS[sender])
    for name in cosigners:
        signed = sign_tx(signed, KEYS[name])
    return signed


def account_open(
    nonce: int, account_id: str | None = None, *, expires_at_ms: int | None = None
) -> SignedTx:
    """ningbo-ptc (a trading centre) opens an account: accepted the first time."""
    account_id = account_id or f"account-{nonce}"
    body = {
        "account_id": account_id,
        "holder_key": key_of("holder " + account_id).public_key.hex(),
        "display_name": f"Account {account_id}",
        "kind": "government",
    }
    if expires_at_ms is None:
        expires_at_ms = GENESIS_TIME_MS + TX_LIFETIME_MS
    return make_tx("ningbo-ptc", "account.open", body, nonce=nonce, expires_at_ms=expires_at_ms)


def certify(
    prepared: PreparedBlock,
    signers: Iterable[SigningKey] = VALIDATOR_KEYS[:2],
    *,
    round_number: int = 0,
    chain_id: Hash32 = CHAIN_ID,
    height: int | None = None,
) -> CommitCertificate:
    height = prepared.block.header.height if height is None else height
    return sign_certificate(
        chain_id, height, prepared.block_hash, signers, round_number=round_number
    )


def next_time(ledger: Ledger) -> int:
    return ledger.head().time_ms + BLOCK_MS


def build_and_commit(ledger: Ledger, txs: tuple[SignedTx, ...] = ()) -> PreparedBlock:
    """Build the next block on ledger with txs, certify it by two validators, commit it."""
    proposer = VALIDATOR_KEYS[0].public_key
    prepared = ledger.build(txs=txs, evidence=(), time_ms=next_time(ledger), proposer=proposer)
    ledger.commit(prepared, certify(prepared))
    return prepared


def count_ed25519_verifies(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """From now on, the public key of every Ed25519 verification PyNaCl runs, in order."""
    checked: list[bytes] = []
    real_verify = nacl.signing.VerifyKey.verify

    def counting(self: nacl.signing.VerifyKey, *args: Any, **kwargs: Any) -> Any:
        checked.append(bytes(self))
        return real_verify(self, *args, **kwargs)

    monkeypatch.setattr(nacl.signing.VerifyKey, "verify", counting)
    return checked
