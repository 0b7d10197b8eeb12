"""Tx signatures read from a block's parsed txs ahead of execution: exactly the triples the
admission check asks the verify port about; a wrong one only counts out."""

from protocol.hashing import sha256
from protocol.signature_cache import SignatureCache
from protocol.signature_prefetch import signed_triples, verify_signatures
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
    # Parsed from the JSON, as block sync and the audit parse a block ahead.
    triples = signed_triples([SignedTx.from_json(tx.to_json()) for tx in txs])
    assert triples == admission_triples(txs)
    assert len(triples) == 3
    cache = SignatureCache()
    assert verify_signatures(cache.verify, triples) == 3
    for triple in admission_triples(txs):
        assert cache.verify(*triple)
    assert (cache.hits, cache.misses) == (3, 3)


def test_a_wrong_triple_is_counted_out_and_cached_nowhere() -> None:
    key, message, signature = signed_triples([signed_tx(1, SENDER)])[0]
    cache = SignatureCache()
    assert verify_signatures(cache.verify, [(key, message + b"!", signature)]) == 0
    assert len(cache) == 0
