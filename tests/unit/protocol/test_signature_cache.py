"""The one verified-signature cache: same answers as verify_signature, bounded memory."""

import tracemalloc

from protocol.hashing import sha256
from protocol.signature_cache import (
    CACHE_ENTRIES_MAX,
    ENTRY_BYTES_MAX,
    SignatureCache,
    verified_entries,
)
from protocol.signing import SigningKey, verify_signature

KEY = SigningKey(sha256(b"cache test"))


def test_cache_hits_only_for_the_same_key_message_and_signature() -> None:
    cache = SignatureCache()
    signature = KEY.sign(b"message one")
    assert cache.verify(KEY.public_key, b"message one", signature)
    assert cache.verify(KEY.public_key, b"message one", signature)
    assert (cache.hits, cache.misses) == (1, 1)
    # A cached signature must not vouch for any other message or key.
    assert not cache.verify(KEY.public_key, b"message two", signature)
    other = SigningKey(sha256(b"other key"))
    assert not cache.verify(other.public_key, b"message one", signature)


def test_failures_and_odd_sizes_are_never_cached() -> None:
    cache = SignatureCache()
    bad = bytes(64)
    assert not cache.verify(KEY.public_key, b"m", bad)
    assert not cache.verify(KEY.public_key, b"m", bad)
    # Shifting a byte between key, signature and message must not reach a cached entry.
    signature = KEY.sign(b"m")
    assert cache.verify(KEY.public_key, b"m", signature)
    assert not cache.verify(KEY.public_key + signature[:1], signature[1:] + b"m", b"")
    assert cache.hits == 0 and len(cache) == 1


def test_least_recently_used_entry_is_evicted_at_the_bound() -> None:
    cache = SignatureCache(entries_max=2)
    signed = {m: KEY.sign(m) for m in (b"a", b"b", b"c")}
    assert cache.verify(KEY.public_key, b"a", signed[b"a"])
    assert cache.verify(KEY.public_key, b"b", signed[b"b"])
    assert cache.verify(KEY.public_key, b"a", signed[b"a"])  # "a" is now the most recent
    assert cache.verify(KEY.public_key, b"c", signed[b"c"])  # evicts "b", not "a"
    misses = cache.misses
    assert cache.verify(KEY.public_key, b"a", signed[b"a"])
    assert cache.misses == misses
    assert cache.verify(KEY.public_key, b"b", signed[b"b"])
    assert cache.misses == misses + 1
    assert len(cache) == 2


def test_memory_stays_bounded_however_many_signatures_pass() -> None:
    entries_max = 20_000
    cache = SignatureCache(entries_max, verify=lambda key, message, signature: True)
    key, signature = bytes(32), bytes(64)
    tracemalloc.start()
    try:
        for n in range(entries_max):
            cache.verify(key, n.to_bytes(8, "big"), signature)
        _, peak_full = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        for n in range(entries_max, 5 * entries_max):
            cache.verify(key, n.to_bytes(8, "big"), signature)
        _, peak_churn = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(cache) == entries_max
    # Four times as many signatures again: old entries make room, memory stays under the bound.
    assert peak_full <= entries_max * ENTRY_BYTES_MAX, peak_full
    assert peak_churn <= entries_max * ENTRY_BYTES_MAX, peak_churn


def test_default_bound_keeps_the_cache_under_20_mb() -> None:
    assert CACHE_ENTRIES_MAX * ENTRY_BYTES_MAX <= 20_000_000


def test_answers_equal_verify_signature() -> None:
    cache = SignatureCache(entries_max=4)
    cases: list[tuple[bytes, bytes, bytes]] = [
        (KEY.public_key, m, KEY.sign(m)) for m in (b"x", b"y")
    ]
    cases += [(KEY.public_key, b"x", KEY.sign(b"y")), (bytes(31), b"x", bytes(64))]
    for _ in range(2):
        for key, message, signature in cases:
            assert cache.verify(key, message, signature) == verify_signature(
                key, message, signature
            )


def test_a_forgotten_triple_is_verified_afresh_and_others_stay() -> None:
    cache = SignatureCache()
    one, two = KEY.sign(b"one"), KEY.sign(b"two")
    assert cache.verify(KEY.public_key, b"one", one)
    assert cache.verify(KEY.public_key, b"two", two)
    cache.forget(KEY.public_key, b"one", one)
    cache.forget(KEY.public_key, b"never cached", one)  # nothing to forget: no error
    assert len(cache) == 1
    assert cache.verify(KEY.public_key, b"two", two)
    assert cache.verify(KEY.public_key, b"one", one)
    assert (cache.hits, cache.misses) == (1, 3)


def test_entries_verified_elsewhere_are_only_the_valid_ones_and_then_hit() -> None:
    """Block sync's verifying process hands back verified_entries, which the node's cache
    remembers: only triples verify_signature holds, and then the cache answers them
    without verifying again."""
    good = (KEY.public_key, b"good", KEY.sign(b"good"))
    forged = (KEY.public_key, b"forged", KEY.sign(b"good"))
    short = (KEY.public_key[:31], b"good", good[2])
    entries = verified_entries([good, forged, short])
    assert len(entries) == 1
    asked: list[bytes] = []

    def counted(public_key: bytes, message: bytes, signature: bytes) -> bool:
        asked.append(message)
        return verify_signature(public_key, message, signature)

    cache = SignatureCache(verify=counted)
    cache.remember(entries)
    assert cache.verify(*good) and asked == []
    assert not cache.verify(*forged) and asked == [b"forged"]


def test_remembered_entries_keep_the_bound() -> None:
    cache = SignatureCache(entries_max=2)
    cache.remember([sha256(bytes([n])) for n in range(5)])
    assert len(cache) == 2
