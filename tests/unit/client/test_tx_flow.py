"""client/tx/flow.py: building, signing order and the checks made before sending."""

import pytest

from client.errors import TxInputError, UsageError
from client.genesis_file import read_genesis_file
from client.node_pool import NodePool
from client.tx.flow import (
    build_tx,
    check_before_submit,
    parse_public_key,
    resolve_chain_id,
    sign_with,
)
from client.tx.signing_keys import UnlockedKey
from protocol.encoding import JsonObject
from protocol.hashing import Hash32, sha256
from protocol.signing import SigningKey
from protocol.tx import SignedTx
from tests.unit.client.conftest import Network

KEYS = [UnlockedKey(name=f"k{i}", key=SigningKey(sha256(bytes([i])))) for i in range(4)]
BODY: JsonObject = {
    "account_id": "xiangshan-ecological-account",
    "batch_id": "huangbiao-mariculture-2022-v1",
    "quantity_kg": 1000,
    "reason": "preservation order",
}
EXPIRES_AT_MS = 2_000_000_000_000


def built(sender: UnlockedKey = KEYS[0], nonce: int = 1) -> SignedTx:
    unsigned = build_tx(
        tx_type="credits.freeze",
        body=BODY,
        sender=sender.key.public_key,
        nonce=nonce,
        chain_id=Hash32(sha256(b"chain")),
        expires_at_ms=EXPIRES_AT_MS,
    )
    return SignedTx(tx=unsigned, signatures=())


def test_signatures_are_sorted_and_one_per_key() -> None:
    signed = sign_with(built(), [KEYS[3], KEYS[0], KEYS[2]])
    keys = [s.public_key for s in signed.signatures]
    assert keys == sorted(keys)
    again = sign_with(signed, [KEYS[2]])
    assert again.signers == signed.signers, "signing twice replaces, never duplicates"
    check_before_submit(again, at_ms=EXPIRES_AT_MS)


def test_sender_must_sign() -> None:
    with pytest.raises(TxInputError) as caught:
        check_before_submit(sign_with(built(), [KEYS[1]]), at_ms=0)
    assert caught.value.code == "missing_signature"


def test_a_signature_over_other_bytes_is_caught() -> None:
    other = sign_with(built(nonce=2), [KEYS[0]])
    forged = SignedTx(tx=built(nonce=1).tx, signatures=other.signatures)
    with pytest.raises(TxInputError) as caught:
        check_before_submit(forged, at_ms=0)
    assert caught.value.code == "bad_signature"


def test_expired_tx_is_not_sent() -> None:
    with pytest.raises(TxInputError) as caught:
        check_before_submit(sign_with(built(), [KEYS[0]]), at_ms=EXPIRES_AT_MS + 1)
    assert caught.value.code == "expired"


def test_build_checks_body_and_nonce() -> None:
    with pytest.raises(TxInputError, match="quantity_kg"):
        build_tx(
            tx_type="credits.freeze",
            body={**BODY, "quantity_kg": 0},
            sender=KEYS[0].key.public_key,
            nonce=1,
            chain_id=Hash32(sha256(b"chain")),
            expires_at_ms=EXPIRES_AT_MS,
        )
    with pytest.raises(UsageError, match="nonces start at 1"):
        built(nonce=0)


def test_chain_id_comes_from_the_genesis_file(network: Network) -> None:
    # The pool is never asked: a closed port would fail the test if it were.
    pool = NodePool(["http://127.0.0.1:1"])
    try:
        chain_id = resolve_chain_id(read_genesis_file(network.genesis_path), pool)
    finally:
        pool.close()
    assert chain_id == network.genesis.chain_id


def test_parse_public_key() -> None:
    assert parse_public_key("ab" * 32) == bytes.fromhex("ab" * 32)
    with pytest.raises(UsageError):
        parse_public_key("AB" * 32)
