"""A naive recursive RFC 6962 §2.1 Merkle tree, kept only in tests as the reference.

Written straight from the recursive definitions of MTH, PATH and PROOF/SUBPROOF; it
slices and rehashes everything, so it is slow and obviously right.
"""

import hashlib


def reference_leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _k(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def reference_mth(entries: list[bytes]) -> bytes:
    """MTH(D[n]) over the entries' data (not their hashes)."""
    n = len(entries)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return reference_leaf_hash(entries[0])
    k = _k(n)
    return _node(reference_mth(entries[:k]), reference_mth(entries[k:]))


def reference_path(m: int, entries: list[bytes]) -> list[bytes]:
    """PATH(m, D[n]): the inclusion proof of entry m."""
    n = len(entries)
    if n == 1:
        return []
    k = _k(n)
    if m < k:
        return [*reference_path(m, entries[:k]), reference_mth(entries[k:])]
    return [*reference_path(m - k, entries[k:]), reference_mth(entries[:k])]


def _subproof(m: int, entries: list[bytes], whole_old_tree: bool) -> list[bytes]:
    n = len(entries)
    if m == n:
        return [] if whole_old_tree else [reference_mth(entries)]
    k = _k(n)
    if m <= k:
        return [*_subproof(m, entries[:k], whole_old_tree), reference_mth(entries[k:])]
    return [*_subproof(m - k, entries[k:], False), reference_mth(entries[:k])]


def reference_proof(m: int, entries: list[bytes]) -> list[bytes]:
    """PROOF(m, D[n]): the consistency proof from the first m entries (0 < m <= n)."""
    return _subproof(m, entries, True)


def reference_path_shape(m: int, n: int) -> tuple[str, ...]:
    """The sides PATH(m, D[n]) takes from the root down ("L" or "R"); the hashes a verifier
    combines depend only on this, so two (m, n) with one shape accept the same proofs."""
    if n == 1:
        return ()
    k = _k(n)
    return (
        ("L", *reference_path_shape(m, k)) if m < k else ("R", *reference_path_shape(m - k, n - k))
    )


def reference_proof_shape(m: int, n: int) -> tuple[str, ...]:
    """The sides SUBPROOF(m, D[n], true) takes from the root down, as reference_path_shape."""
    if m == n:
        return ()
    k = _k(n)
    return (
        ("L", *reference_proof_shape(m, k))
        if m <= k
        else ("R", *reference_proof_shape(m - k, n - k))
    )
