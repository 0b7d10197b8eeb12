"""SHA-256 with the domain tags of protocol v1 (DESIGN.md §3, ADR 0003). Pure: no I/O.

Every tag is ASCII ending in a 0x00 byte: no tagged payload can be mistaken for another
kind, nor parse as C2SP note text (which may not contain NUL). RFC 9162 (0x00 leaf, 0x01
node) and the sparse Merkle tree (0x02 leaf, 0x03 node) use their one-byte prefixes.
"""

import hashlib
from typing import Final, NewType

Hash32 = NewType("Hash32", bytes)
"""A 32-byte SHA-256 digest."""

HASH_SIZE: Final = 32

TAG_TX: Final = b"lantan/v1/tx\x00"
"""Prefix of a transaction's signing bytes; tx_id = SHA-256(TAG_TX || JCS(unsigned tx))."""
TAG_VOTE: Final = b"lantan/v1/vote\x00"
"""Prefix of a prevote's or precommit's signing bytes."""
TAG_PROPOSAL: Final = b"lantan/v1/proposal\x00"
"""Prefix of a block proposal's signing bytes."""
TAG_HEADER: Final = b"lantan/v1/header\x00"
"""block_hash = SHA-256(TAG_HEADER || JCS(header))."""
TAG_EVIDENCE: Final = b"lantan/v1/evidence\x00"
"""evidence_hash = SHA-256(TAG_EVIDENCE || JCS(evidence))."""
TAG_VALIDATORS: Final = b"lantan/v1/validators\x00"
"""validators_hash = SHA-256(TAG_VALIDATORS || JCS(validator set))."""
TAG_GENESIS: Final = b"lantan/v1/genesis\x00"
"""chain_id = SHA-256(TAG_GENESIS || JCS(genesis document))."""
TAG_PEER: Final = b"lantan/v1/peer\x00"
"""Prefix of a signed peer-to-peer envelope."""
TAG_RECEIPT: Final = b"lantan/v1/receipt\x00"
"""receipt_digest = SHA-256(TAG_RECEIPT || JCS(receipt identity)) (PROTOCOL.md §14.6)."""
TAG_AUCTION_BID: Final = b"lantan/v1/auction-bid\x00"
"""A sealed bid's commitment = SHA-256(TAG_AUCTION_BID || JCS(bid and salt)) (ADR 0034)."""

DOMAIN_TAGS: Final = (
    TAG_TX,
    TAG_VOTE,
    TAG_PROPOSAL,
    TAG_HEADER,
    TAG_EVIDENCE,
    TAG_VALIDATORS,
    TAG_GENESIS,
    TAG_PEER,
    TAG_RECEIPT,
    TAG_AUCTION_BID,
)

ZERO_HASH: Final = Hash32(bytes(HASH_SIZE))
"""32 zero bytes: the prev_hash of the genesis header."""


def sha256(data: bytes) -> Hash32:
    """Plain SHA-256, for the places the external standards fix (RFC 9162, C2SP, SMT keys)."""
    return Hash32(hashlib.sha256(data).digest())


def tagged_hash(tag: bytes, data: bytes) -> Hash32:
    """SHA-256(tag || data). Requires tag to be one of DOMAIN_TAGS."""
    assert tag in DOMAIN_TAGS, tag
    return Hash32(hashlib.sha256(tag + data).digest())
