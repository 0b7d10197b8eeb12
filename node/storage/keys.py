"""The key layout of a node's one LevelDB database (DESIGN.md §2 step 5).

Every record lives under an ASCII prefix; integers in keys are big-endian and fixed width,
so LevelDB's byte order is numeric order and a prefix scan lists heights or indexes in
sequence. This module only builds and parses keys and small fixed-width values: no I/O.

    log/node/<level:1><index:8>        RFC 9162 history-log node hash
    smt/node/<hash:32>                 SMT node preimage (written before ADR 0038; read only)
    smt/root/<version:8>               SMT root at a version, and its node's version
    smt/value/<hash:32>                SMT value bytes by their SHA-256 (before ADR 0038)
    state/<utf-8 key>                  latest committed state value
    block/<height:8>                   block bytes (before ADR 0039; read only, as the
    cert/<height:8>                    commit certificate bytes   three below: a block's
    result/<height:8>/<index:8>        TxResult bytes             records are now in the
    leaves/<height:8>                  leaves record              tree database)
    tx/<tx_id:32>                      <height:8><index:8>
    checkpoint/<size:8>                signed checkpoint note (>= q lines), UTF-8
    cosignature/<size:8>               the verified witness cosignature lines of a size, UTF-8
    meta/head, meta/log_size, meta/smt_latest   8-byte counters
    meta/format                        the newest layout written here (store_files.STORE_FORMAT)

The state tree's nodes and values live in a second database, `tree/` inside the data
directory (ADR 0038), keyed version first so that its keys only grow:

    <version:8>n<hash:32>              SMT node record (node/storage/tree_records.py)
    <version:8>v<hash:32>              SMT value bytes, at the version of the leaf naming it

and, since ADR 0039, each committed block's own records, keyed height first for the same
reason (a block's tree version is its height, so a block's records sit beside its nodes):

    <height:8>b                        block bytes
    <height:8>c                        commit certificate bytes
    <height:8>l                        the block's tx and result leaf hashes, tx spans
                                       (derived; node/storage/block_leaves.py)
    <height:8>r<index:8>               TxResult bytes
"""

from collections.abc import Callable
from typing import Final

from protocol.hashing import HASH_SIZE

INT_SIZE: Final = 8
"""Width of every integer in a key or counter value: enough for any height or index."""
LEVEL_SIZE: Final = 1
"""A log level is below 64 (a log of 2**64 leaves), so one byte holds it."""

LOG_NODE_PREFIX: Final = b"log/node/"
SMT_NODE_PREFIX: Final = b"smt/node/"
SMT_ROOT_PREFIX: Final = b"smt/root/"
SMT_VALUE_PREFIX: Final = b"smt/value/"
STATE_PREFIX: Final = b"state/"
BLOCK_PREFIX: Final = b"block/"
CERTIFICATE_PREFIX: Final = b"cert/"
RESULT_PREFIX: Final = b"result/"
LEAVES_PREFIX: Final = b"leaves/"
TX_PREFIX: Final = b"tx/"
CHECKPOINT_PREFIX: Final = b"checkpoint/"
COSIGNATURE_PREFIX: Final = b"cosignature/"

HEAD_KEY: Final = b"meta/head"
"""Height of the last committed block; absent until the first (genesis) commit."""
LOG_SIZE_KEY: Final = b"meta/log_size"
SMT_LATEST_KEY: Final = b"meta/smt_latest"
FORMAT_KEY: Final = b"meta/format"
"""The newest storage layout the data directory has been written with (8-byte counter;
node/storage/leveldb.py STORE_FORMAT); absent in one written before stop 43."""

_INT_LIMIT: Final = 1 << (8 * INT_SIZE)

LEGACY_VERSION: Final = _INT_LIMIT - 1
"""The version of a node or value stored in the main database under smt/node/ or smt/value/,
as every one was before ADR 0038: read in place, never rewritten."""
LEGACY_VERSION_BYTES: Final = LEGACY_VERSION.to_bytes(INT_SIZE, "big")
"""LEGACY_VERSION encoded. A tree walk carries each node's version as these 8 key bytes, as
its parent's record holds them: no int is made or parsed per node read."""
TREE_NODE_KIND: Final = b"n"
TREE_VALUE_KIND: Final = b"v"
CHAIN_BLOCK_KIND: Final = b"b"
CHAIN_CERTIFICATE_KIND: Final = b"c"
CHAIN_LEAVES_KIND: Final = b"l"
CHAIN_RESULT_KIND: Final = b"r"


def fits_int(value: int) -> bool:
    """Whether value has a key: 0 <= value < 2**64."""
    return 0 <= value < _INT_LIMIT


def encode_int(value: int) -> bytes:
    """Big-endian fixed width. Requires fits_int(value)."""
    if not fits_int(value):
        raise ValueError(f"{value} does not fit in {INT_SIZE} unsigned bytes")
    return value.to_bytes(INT_SIZE, "big")


def decode_int(data: bytes) -> int:
    """The inverse of encode_int. Requires exactly INT_SIZE bytes."""
    assert len(data) == INT_SIZE, f"stored counter has {len(data)} bytes"
    return int.from_bytes(data, "big")


def log_node_key(level: int, index: int) -> bytes:
    """Key of history-log node (level, index). Requires 0 <= level < 256."""
    return LOG_NODE_PREFIX + level.to_bytes(LEVEL_SIZE, "big") + encode_int(index)


def smt_node_key(node_hash: bytes) -> bytes:
    return SMT_NODE_PREFIX + _hash32(node_hash)


def smt_root_key(version: int) -> bytes:
    return SMT_ROOT_PREFIX + encode_int(version)


def encode_root(root: bytes, node_version: bytes) -> bytes:
    """Value of smt/root/<version>: the root hash, then the version its node is stored at
    (encoded, encode_int)."""
    assert len(node_version) == INT_SIZE, f"a version has {len(node_version)} bytes"
    return _hash32(root) + node_version


def decode_root(stored: bytes) -> tuple[bytes, bytes]:
    """(root hash, its node's version, encoded) from encode_root's bytes; a 32-byte value, as
    written before ADR 0038, names a root stored in the main database (LEGACY_VERSION)."""
    if len(stored) == HASH_SIZE:
        return stored, LEGACY_VERSION_BYTES
    assert len(stored) == HASH_SIZE + INT_SIZE, f"stored root has {len(stored)} bytes"
    return stored[:HASH_SIZE], stored[HASH_SIZE:]


def tree_node_key_prefix(version: int) -> bytes:
    """The first bytes of every node key of a version: the key is these and the node's
    32-byte hash (a store writing thousands of one version's nodes builds it once)."""
    return encode_int(version) + TREE_NODE_KIND


def tree_node_key(version: bytes, node_hash: bytes) -> bytes:
    """Key of a node record in the tree database; version encoded (encode_int), as a parent's
    record holds it and a walk carries it."""
    return version + TREE_NODE_KIND + node_hash


def tree_value_key(version: bytes, value_hash: bytes) -> bytes:
    """Key of a value in the tree database; version encoded (encode_int)."""
    return version + TREE_VALUE_KIND + value_hash


def chain_block_key(height: int) -> bytes:
    """Key of a committed block in the tree database (ADR 0039)."""
    return encode_int(height) + CHAIN_BLOCK_KIND


def chain_certificate_key(height: int) -> bytes:
    return encode_int(height) + CHAIN_CERTIFICATE_KIND


def chain_leaves_key(height: int) -> bytes:
    return encode_int(height) + CHAIN_LEAVES_KIND


def chain_results_prefix(height: int) -> bytes:
    """Prefix of every result key of one block in the tree database, in tx order."""
    return encode_int(height) + CHAIN_RESULT_KIND


def chain_result_key(height: int, index: int) -> bytes:
    return chain_results_prefix(height) + encode_int(index)


def smt_value_key(value_hash: bytes) -> bytes:
    return SMT_VALUE_PREFIX + _hash32(value_hash)


def state_key(key: str) -> bytes:
    """Key of a state record; state keys are UTF-8 text such as "account/<id>"."""
    return STATE_PREFIX + key.encode("utf-8")


def block_key(height: int) -> bytes:
    return BLOCK_PREFIX + encode_int(height)


def certificate_key(height: int) -> bytes:
    return CERTIFICATE_PREFIX + encode_int(height)


def results_prefix(height: int) -> bytes:
    """Prefix of every result key of one block; a scan yields them in tx order."""
    return RESULT_PREFIX + encode_int(height) + b"/"


def result_key(height: int, index: int) -> bytes:
    return results_prefix(height) + encode_int(index)


def leaves_key(height: int) -> bytes:
    return LEAVES_PREFIX + encode_int(height)


def tx_key(tx_id: bytes) -> bytes:
    return TX_PREFIX + _hash32(tx_id)


def checkpoint_key(size: int) -> bytes:
    return CHECKPOINT_PREFIX + encode_int(size)


def cosignature_key(size: int) -> bytes:
    return COSIGNATURE_PREFIX + encode_int(size)


def encode_tx_location(height: int, index: int) -> bytes:
    """Value of a tx index entry: where the tx sits in the chain."""
    return encode_int(height) + encode_int(index)


def decode_tx_location(data: bytes) -> tuple[int, int]:
    """(height, index) from encode_tx_location's bytes."""
    assert len(data) == 2 * INT_SIZE, f"stored tx location has {len(data)} bytes"
    return decode_int(data[:INT_SIZE]), decode_int(data[INT_SIZE:])


def _hash32(value: bytes) -> bytes:
    # A short or long hash would silently alias other keys under the same prefix.
    if len(value) != HASH_SIZE:
        raise ValueError(f"expected a {HASH_SIZE}-byte hash, got {len(value)} bytes")
    return value


def key_in_range(make: Callable[..., bytes], *numbers: int) -> bytes | None:
    """The key of a height (and index), or None for a number no key can hold (negative, or
    >= 2**64): routes pass what a URL says, and the store holds nothing there."""
    return make(*numbers) if all(fits_int(number) for number in numbers) else None
