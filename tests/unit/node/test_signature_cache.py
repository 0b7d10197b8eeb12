"""The verified-signature cache answers exactly like verify_signature."""

from node.signature_cache import SignatureCache
from protocol.hashing import sha256
from protocol.signing import SigningKey, verify_signature


def test_cache_hits_only_for_the_same_key_message_and_signature() -> None:
    key = SigningKey(sha256(b"cache test"))
    cache = SignatureCache()
    signature = key.sign(b"message one")
    assert cache.verify(key.public_key, b"message one", signature)
    assert cache.verify(key.public_key, b"message one", signature)
    assert (cache.hits, cache.misses) == (1, 1)
    # A cached signature must not vouch for any other message or key.
    assert not cache.verify(key.public_key, b"message two", signature)
    other = SigningKey(sha256(b"other key"))
    assert not cache.verify(other.public_key, b"message one", signature)


def test_failures_are_never_cached() -> None:
    key = SigningKey(sha256(b"cache test"))
    cache = SignatureCache()
    bad = bytes(64)
    assert not cache.verify(key.public_key, b"m", bad)
    assert not cache.verify(key.public_key, b"m", bad)
    assert cache.hits == 0


def test_oldest_entries_are_evicted_at_the_bound() -> None:
    key = SigningKey(sha256(b"cache test"))
    cache = SignatureCache(entries_max=2)
    messages = [b"a", b"b", b"c"]
    for message in messages:
        assert cache.verify(key.public_key, message, key.sign(message))
    assert cache.verify(key.public_key, b"a", key.sign(b"a"))
    assert cache.misses == 4  # "a" was evicted and verified again
    assert verify_signature(key.public_key, b"c", key.sign(b"c"))
