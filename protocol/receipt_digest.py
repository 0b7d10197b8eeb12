"""The receipt digest: one identity for a retirement's receipt (PROTOCOL.md §14.6). Pure.

A receipt carries parts that a node may freshen (the block's commit certificate, the
validator-set changes, the checkpoint and its history proof) and parts fixed once the
block is committed. The digest hashes only the fixed parts, so every node at every height
gives one retirement the same digest. It leaves out tx.index and the proofs' tree sizes
too: protocol v1 headers commit to neither (the tx count of a block is not in its header),
so a relabelled index would otherwise give a second digest for the same retirement.
"""

from collections.abc import Sequence

from protocol.encoding import JsonObject, JsonValue, encode
from protocol.hashing import TAG_RECEIPT, Hash32, tagged_hash


def receipt_identity(
    *,
    retirement_id: Hash32,
    block_hash: Hash32,
    signed_tx: JsonObject,
    result: JsonObject,
    records: Sequence[tuple[str, JsonObject | None]],
) -> JsonObject:
    """The JSON value the digest hashes; records are (key, value) in the receipt's order."""
    state: list[JsonValue] = [{"key": key, "value": value} for key, value in records]
    return {
        "block_hash": block_hash.hex(),
        "result": result,
        "retirement_id": retirement_id.hex(),
        "signed_tx": signed_tx,
        "state": state,
    }


def receipt_digest(identity: JsonObject) -> Hash32:
    """SHA-256(TAG_RECEIPT || JCS(identity))."""
    return tagged_hash(TAG_RECEIPT, encode(identity))
