"""`lantan audit --replay` verifies blocks' signatures on another thread a few heights ahead
of the replay, into the audit's signature cache (client/cli/audit.py SignaturesAhead)."""

import threading
from concurrent.futures import ThreadPoolExecutor

from client.audit.chain_audit import ServedBlock
from client.audit.fetch import FetchFailure
from client.cli.audit import VERIFY_AHEAD_HEIGHTS, SignaturesAhead
from protocol.signature_cache import SignatureCache
from tests.unit.protocol.test_signature_prefetch import SENDER, signed_tx


def test_signatures_are_verified_a_few_heights_ahead_and_no_further() -> None:
    txs = {height: signed_tx(height, SENDER) for height in range(1, 7)}
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
