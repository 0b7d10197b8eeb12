"""What a witness reads from a node's public API to check one checkpoint. I/O shell.

The latest signed checkpoint, the set changes below its size with their paths in its
tree, its last header, and a consistency proof from the last cosigned size: exactly the
material of receipt format 3 (PROTOCOL.md §14.1), so client/witness/check.py can verify it
with the receipt verifier's functions.
"""

from client.api import NodeClient
from client.errors import NodeResponseError
from client.receipt.history import SetChange
from client.receipt.log_binding import CheckpointHeader
from client.witness.check import Offered, checkpoint_of
from protocol.block import BlockHeader
from protocol.encoding import JsonValue
from protocol.errors import ProtocolError
from protocol.fields import parse_hex
from protocol.hashing import HASH_SIZE
from protocol.note import Checkpoint


def read_offered(node: NodeClient, previous: Checkpoint | None) -> Offered:
    """The node's newest signed checkpoint and its proofs. Raises NodeError."""
    note = node.get_text("/v1/checkpoints/latest")
    try:
        size = checkpoint_of(note).size
        changes = tuple(
            _set_change(node, change, size)
            for change in node.get_json("/v1/validator-sets")["changes"]
            if int(change["header"]["height"]) < size
        )
        last_header, last_path = _header_path(node, size - 1, size)
        consistency: tuple[bytes, ...] = ()
        if previous is not None and 0 < previous.size < size:
            found = node.get_json(
                "/v1/proofs/consistency",
                params={"first": str(previous.size), "second": str(size)},
            )
            consistency = _hashes(found["hashes"])
    except (ProtocolError, KeyError, TypeError, ValueError) as error:
        raise NodeResponseError(node.url, f"checkpoint material: {error}") from None
    return Offered(
        note=note,
        changes=changes,
        last=CheckpointHeader(header=last_header, history_path=last_path),
        consistency=consistency,
    )


def _set_change(node: NodeClient, change: JsonValue, size: int) -> SetChange:
    parsed = SetChange.from_json(change)
    _, path = _header_path(node, parsed.header.height, size)
    return SetChange(
        header=parsed.header,
        certificate=parsed.certificate,
        next_validators=parsed.next_validators,
        history_path=path,
    )


def _header_path(node: NodeClient, height: int, size: int) -> tuple[BlockHeader, tuple[bytes, ...]]:
    found = node.get_json(f"/v1/proofs/header/{height}", params={"size": str(size)})
    return BlockHeader.from_json(found["header"]), _hashes(found["proof"]["hashes"])


def _hashes(items: list[str]) -> tuple[bytes, ...]:
    return tuple(parse_hex(item, "hash", size=HASH_SIZE) for item in items)
