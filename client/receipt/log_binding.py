"""Receipt format 3: the headers a receipt relies on are bound to the checkpoint's log. Pure.

A set change's header is certified by the set before it, and nothing else in formats 1-2
says it is a header of the chain the checkpoint commits to: a quorum of a past set could
sign a header that never entered the log, and a change between the block and the
checkpoint could be left out unnoticed. Format 3 (PROTOCOL.md §14.4 step 5, ADR 0015)
gives each listed change an RFC 9162 path into the checkpoint's tree and adds the tree's
last header, whose validators_hash names the set that signed the checkpoint.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated

from client.receipt.codes import ReceiptCode, ReceiptError
from client.receipt.history import HISTORY_PATH, SetChange, SetHistory
from protocol.block import BlockHeader
from protocol.codec import JsonCodec
from protocol.errors import ProtocolError
from protocol.merkle import hash_leaf, verify_inclusion
from protocol.note import Checkpoint


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckpointHeader(JsonCodec, what="checkpoint_header"):
    """Header N - 1 of a checkpoint of size N, with its path in that checkpoint's tree."""

    header: BlockHeader
    history_path: Annotated[tuple[bytes, ...], HISTORY_PATH]


def verify_log_binding(
    checkpoint: Checkpoint,
    changes: Sequence[SetChange],
    last: CheckpointHeader,
    history: SetHistory,
) -> None:
    """Format 3's part of step 5, after the block header's own inclusion: every change
    header, then the last header, is a leaf of the checkpoint's tree (BAD_HISTORY_PROOF);
    the last header's set is the one the changes give (BAD_SET_CHANGE)."""
    for change in changes:
        assert change.history_path is not None, "format 3 set changes carry a path"
        _require_leaf(checkpoint, change.header, change.history_path, "set change")
    top = checkpoint.size - 1
    if last.header.height != top:
        raise ReceiptError(
            ReceiptCode.BAD_HISTORY_PROOF,
            f"checkpoint_header is at {last.header.height}, not {top}",
        )
    _require_leaf(checkpoint, last.header, last.history_path, "checkpoint_header")
    # The checkpoint was counted under the set the listed changes give at N - 1; the log's
    # own header N - 1 says which set that is. A change left out shows here.
    if last.header.validators_hash != history.set_at(top).hash():
        raise ReceiptError(
            ReceiptCode.BAD_SET_CHANGE, f"header {top} is certified by a set no listed change gives"
        )
    changes_itself = last.header.next_validators_hash != last.header.validators_hash
    if changes_itself and history.header_at(top) is None:
        raise ReceiptError(ReceiptCode.BAD_SET_CHANGE, f"the set change at {top} is not listed")


def _require_leaf(
    checkpoint: Checkpoint, header: BlockHeader, path: tuple[bytes, ...], what: str
) -> None:
    try:
        verify_inclusion(
            header.height,
            checkpoint.size,
            hash_leaf(header.canonical_bytes()),
            path,
            checkpoint.root_hash,
        )
    except ProtocolError as error:
        raise ReceiptError(
            ReceiptCode.BAD_HISTORY_PROOF,
            f"{what} header {header.height} is not in the checkpoint's log: {error}",
        ) from None
