"""A state tree node as the tree database stores it (ADR 0038). No I/O.

A node's record is its hash preimage (ADR 0003: 65 bytes) and, for an interior node, the
versions its two children are stored at, 8 bytes each, big-endian (0 for an EMPTY child):
the tree database keys a node by `<version><hash>`, so a walk learns each child's key from
the parent it read. A leaf's record is its preimage. A 65-byte interior record is one
written before ADR 0038 (in the main database): its children are there too.

The held upper levels (node/storage/smt_top.py) keep each node as its record, then its own
version (8 bytes) and one byte that is 1 at the deepest held level, where a walk leaves the
held nodes for the database and needs the children's versions.
"""

from typing import Final

from node.storage.keys import INT_SIZE, LEGACY_VERSION_BYTES
from protocol.smt_proof import NODE_PREFIX

PREIMAGE_SIZE: Final = 65
INTERIOR_RECORD_SIZE: Final = PREIMAGE_SIZE + 2 * INT_SIZE
HELD_SUFFIX_SIZE: Final = INT_SIZE + 1
NODE_BYTE: Final = NODE_PREFIX[0]
_RIGHT: Final = PREIMAGE_SIZE + INT_SIZE


def interior_record(preimage: bytes, left_version: bytes, right_version: bytes) -> bytes:
    """An interior node's record: its preimage and its children's versions (encoded,
    node/storage/keys.py encode_int)."""
    return preimage + left_version + right_version


def child_versions(record: bytes) -> tuple[bytes, bytes]:
    """The versions (encoded) of an interior record's (left, right) children."""
    if len(record) == INTERIOR_RECORD_SIZE:
        return record[PREIMAGE_SIZE:_RIGHT], record[_RIGHT:]
    return LEGACY_VERSION_BYTES, LEGACY_VERSION_BYTES


def held_value(record: bytes, version: bytes, boundary: bool) -> bytes:
    """What the held levels keep for a node: its record, its own version (encoded), the
    boundary flag."""
    return record + version + (b"\x01" if boundary else b"\x00")


def held_record(held: bytes) -> bytes:
    return held[:-HELD_SUFFIX_SIZE]


def held_version(held: bytes) -> bytes:
    """The held node's own version, encoded."""
    return held[-HELD_SUFFIX_SIZE:-1]
