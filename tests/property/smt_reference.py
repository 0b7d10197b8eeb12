"""A brute-force sparse Merkle tree, kept only in tests (STYLE.md §8, A5).

It recomputes the root of DESIGN.md §3 straight from the definition, by recursion over
key-bit prefixes: no store, no batching, no sharing of work. protocol/smt.py must agree.
"""

import hashlib
from collections.abc import Mapping

EMPTY = bytes(32)


def _h(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _bit(key_hash: bytes, depth: int) -> int:
    return (int.from_bytes(key_hash, "big") >> (255 - depth)) & 1


def reference_root(state: Mapping[bytes, bytes]) -> bytes:
    """Root over state key -> value bytes."""
    return reference_root_hashed({_h(key): _h(value) for key, value in state.items()})


def reference_root_hashed(leaves: Mapping[bytes, bytes]) -> bytes:
    """Root over key_hash -> value_hash."""
    return _subtree(sorted(leaves.items()), 0)


def _subtree(leaves: list[tuple[bytes, bytes]], depth: int) -> bytes:
    if not leaves:
        return EMPTY
    if len(leaves) == 1:
        key_hash, value_hash = leaves[0]
        return _h(b"\x02" + key_hash + value_hash)
    left = [leaf for leaf in leaves if _bit(leaf[0], depth) == 0]
    right = [leaf for leaf in leaves if _bit(leaf[0], depth) == 1]
    return _h(b"\x03" + _subtree(left, depth + 1) + _subtree(right, depth + 1))


def reference_proof(
    state: Mapping[bytes, bytes], key: bytes
) -> tuple[list[bytes], tuple[bytes, bytes] | None]:
    """(siblings from the root down, (key_hash, value_hash) of the path's end leaf or None)."""
    key_hash = _h(key)
    leaves = sorted((_h(k), _h(v)) for k, v in state.items())
    siblings: list[bytes] = []
    depth = 0
    while len(leaves) >= 2:
        bit = _bit(key_hash, depth)
        here = [leaf for leaf in leaves if _bit(leaf[0], depth) == bit]
        there = [leaf for leaf in leaves if _bit(leaf[0], depth) != bit]
        siblings.append(_subtree(there, depth + 1))
        leaves = here
        depth += 1
    return siblings, (leaves[0] if leaves else None)
