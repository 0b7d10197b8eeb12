"""`lantan audit --replay` verifies blocks' signatures on another thread a few heights ahead
of the replay, into the audit's signature cache (client/cli/audit.py SignaturesAhead)."""

import threading
from concurrent.futures import ThreadPoolExecutor

from client.audit.chain_audit import ServedBlock
from client.audit.fetch import FetchFailure
from client.cli.audit import VERIFY_AHEAD_HEIGHTS, SignaturesAhead
from protocol.hashing import sha256
from protocol.signature_cache import SignatureCache
from protocol.signing import SigningKey
from protocol.tx import PROTOCOL_VERSION, SignedTx, UnsignedTx, sign_tx

KEY = SigningKey(sha256(b"audit ahead"))


def signed(nonce: int) -> SignedTx:
    unsigned = UnsignedTx(
        chain_id=sha256(b"chain"),
        protocol_version=PROTOCOL_VERSION,
        type="account.open",
        sender=KEY.public_key,
        nonce=nonce,
        expires_at_ms=1,
        body={},
    )
    return sign_tx(unsigned, KEY)


def test_signatures_are_verified_a_few_heights_ahead_and_no_further() -> None:
    txs = {height: signed(height) for height in range(1, 7)}
    answers: dict[tuple[str, int], ServedBlock | FetchFailure] = {
        ("http://a", h): ServedBlock(
            node="http://a", block={"txs": [tx.to_json()]}, certificate=None, results=None
        )
        for h, tx in txs.items()
    }
    answers[("http://b", 1)] = FetchFailure(node="http://b", height=1, missing=True, detail="")
    cache = SignatureCache(lock=threading.Lock())
    with ThreadPoolExecutor(1) as pool:
        ahead = SignaturesAhead(pool, cache.verify)
        ahead.wait(1, answers)
        pool.shutdown(wait=True)
    assert len(cache) == 1 + VERIFY_AHEAD_HEIGHTS == 3
    for height, tx in txs.items():
        entry = tx.signatures[0]
        if height <= 3:
            assert cache.verify(entry.public_key, tx.tx.signing_bytes(), entry.signature)
    assert cache.hits == 3
