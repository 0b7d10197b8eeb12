"""Tx signatures read from a block's JSON ahead of execution: exactly the triples the
admission check asks the verify port about, and never an exception on malformed JSON."""

from typing import Any

from protocol.encoding import JsonValue
from protocol.hashing import sha256
from protocol.signature_cache import SignatureCache
from protocol.signature_prefetch import block_signatures, verify_signatures
from protocol.signing import SigningKey
from protocol.tx import PROTOCOL_VERSION, SignedTx, UnsignedTx, sign_tx

SENDER, COSIGNER = SigningKey(sha256(b"prefetch sender")), SigningKey(sha256(b"prefetch co"))


def signed_tx(nonce: int, *keys: SigningKey) -> SignedTx:
    unsigned = UnsignedTx(
        chain_id=sha256(b"chain"),
        protocol_version=PROTOCOL_VERSION,
        type="account.open",
        sender=SENDER.public_key,
        nonce=nonce,
        expires_at_ms=1,
        body={"account_id": f"a-{nonce}"},
    )
    signed = SignedTx(tx=unsigned, signatures=())
    for key in keys:
        signed = sign_tx(signed, key)
    return signed


def admission_triples(txs: list[SignedTx]) -> list[tuple[bytes, bytes, bytes]]:
    """What contracts/admission.py check_signatures passes to the verify port."""
    return [
        (entry.public_key, tx.tx.signing_bytes(), entry.signature)
        for tx in txs
        for entry in tx.signatures
    ]


def test_the_triples_are_the_ones_execution_verifies() -> None:
    txs = [signed_tx(1, SENDER), signed_tx(2, SENDER, COSIGNER)]
    block: JsonValue = {"evidence": [], "header": {}, "txs": [tx.to_json() for tx in txs]}
    triples = block_signatures(block)
    assert triples == admission_triples(txs)
    assert len(triples) == 3
    cache = SignatureCache()
    assert verify_signatures(cache.verify, triples) == 3
    for triple in admission_triples(txs):
        assert cache.verify(*triple)
    assert (cache.hits, cache.misses) == (3, 3)


def test_malformed_entries_are_skipped_not_raised() -> None:
    good = signed_tx(1, SENDER).to_json()
    bad_hex: Any = signed_tx(2, SENDER).to_json()
    bad_hex["signatures"][0]["signature"] = "zz"
    float_body: Any = signed_tx(3, SENDER).to_json()
    float_body["tx"]["body"] = {"x": 1.5}
    txs: list[JsonValue] = [good, bad_hex, float_body, 7, {"tx": 1}, {"tx": {}, "signatures": [1]}]
    assert len(block_signatures({"txs": txs})) == 1
    odd: list[JsonValue] = [None, [], {"txs": "x"}, {}]
    for block in odd:
        assert block_signatures(block) == []
    # A wrong signature is no error either: it is counted out, and the cache keeps nothing.
    key, message, signature = block_signatures({"txs": [good]})[0]
    cache = SignatureCache()
    assert verify_signatures(cache.verify, [(key, message + b"!", signature)]) == 0
    assert len(cache) == 0
