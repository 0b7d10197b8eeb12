"""The full history of a serial range: every committed tx that wrote one of its blocks.

Serial blocks in state say only where credits are now. Their history comes from replaying
the committed chain with the contracts themselves (contracts.execution.apply_tx), one tx
at a time on its own overlay, and keeping each tx's writes to `serials/<batch>/...` with
the block's value before and after. Replay is incremental (it resumes at the last height
it saw) and trusts signatures, which every validator checked before the block committed;
a replayed result that differs from the stored one stops the index with a message.

Memory: the index keeps only what the serial pages show (per batch, the txs that wrote its
serial blocks, as typed SerialBlocks). The state each block is replayed on is not copied:
the node passes a ReplayState that reads the committed state tree at the height being
replayed (node/committed_state.py). One SerialHistory per node, made where the node is
assembled (node/server.py) and reached through the read port (node/chain_view.py).
"""

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from contracts.context import BlockContext
from contracts.credit_records import SerialBlock
from contracts.evidence import record_evidence
from contracts.execution import apply_tx
from contracts.state import StateOverlay
from contracts.validator_sets import promote_next_validator_set
from node.ledger import Ledger
from protocol.block import Block
from protocol.encoding import decode

SERIALS_PREFIX = "serials/"


@dataclass(frozen=True, slots=True, kw_only=True)
class SerialWrite:
    """One serial block written by a tx: its value before (None if new) and after."""

    key: str
    before: SerialBlock | None
    after: SerialBlock | None

    def overlaps(self, first: int, last: int) -> bool:
        return any(
            block is not None and block.first_serial <= last and first <= block.last_serial
            for block in (self.before, self.after)
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class SerialEvent:
    """A committed tx that wrote serial blocks of one batch."""

    height: int
    index: int
    time_ms: int
    tx_id: str
    tx_type: str
    writes: tuple[SerialWrite, ...]


class HistoryUnavailableError(Exception):
    """The replay disagreed with the committed results (a bug or a corrupt store)."""


def _trust(_public_key: bytes, _message: bytes, _signature: bytes) -> bool:
    # Committed blocks were verified by every validator before they were certified.
    return True


class ReplayState(Protocol):
    """The state a replay starts from (after genesis), moved on by each block's writes."""

    def get(self, key: str) -> bytes | None: ...

    def apply(self, writes: Mapping[str, bytes | None]) -> None: ...


class SerialHistory:
    """An incremental replay of one node's chain that indexes serial-block writes by batch.

    state: the state after genesis, e.g. a CommittedStateCursor at height 0 (no copy) or a
    MemoryState of the genesis state (a full copy that grows with the chain).
    """

    def __init__(self, ledger: Ledger, state: ReplayState) -> None:
        self._ledger = ledger
        self._state = state
        self._height = 0
        self._events: dict[str, list[SerialEvent]] = {}
        self._lock = threading.Lock()
        self._broken: str | None = None

    def events(self, batch_id: str, first: int, last: int) -> list[SerialEvent]:
        """Events of batch_id that touched [first, last], in commit order, up to the head."""
        with self._lock:
            self._advance()
            return [
                event
                for event in self._events.get(batch_id, [])
                if any(write.overlaps(first, last) for write in event.writes)
            ]

    def _advance(self) -> None:
        if self._broken is not None:
            raise HistoryUnavailableError(self._broken)
        head = self._ledger.height
        while self._height < head:
            block = self._ledger.block(self._height + 1)
            assert block is not None
            try:
                self._replay(block)
            except (AssertionError, HistoryUnavailableError) as error:
                self._broken = f"replay of height {self._height + 1} failed: {error}"
                raise HistoryUnavailableError(self._broken) from None
            self._height += 1

    def _replay(self, block: Block) -> None:
        header = block.header
        ctx = BlockContext(chain_id=header.chain_id, height=header.height, time_ms=header.time_ms)
        overlay = StateOverlay(self._state)
        promote_next_validator_set(overlay)
        for item in block.evidence:
            record_evidence(overlay, item, ctx)
        stored = self._ledger.store.get_results(header.height)
        for index, signed in enumerate(block.txs):
            tx_overlay = StateOverlay(overlay)
            result = apply_tx(tx_overlay, ctx, signed, index, _trust)
            if index >= len(stored) or decode(stored[index]) != result.to_json():
                raise HistoryUnavailableError(f"tx {index} replays to another result")
            self._index(overlay, tx_overlay, block, index)
            overlay.merge(tx_overlay)
        self._state.apply(overlay.writes())

    def _index(
        self, overlay: StateOverlay, tx_overlay: StateOverlay, block: Block, index: int
    ) -> None:
        writes_by_batch: dict[str, list[SerialWrite]] = {}
        for key, value in tx_overlay.writes().items():
            if not key.startswith(SERIALS_PREFIX):
                continue
            before = overlay.get(key)
            write = SerialWrite(
                key=key,
                before=None if before is None else _record(before),
                after=None if value is None else _record(value),
            )
            batch_id = key[len(SERIALS_PREFIX) :].rsplit("/", 1)[0]
            writes_by_batch.setdefault(batch_id, []).append(write)
        signed = block.txs[index]
        for batch_id, writes in writes_by_batch.items():
            self._events.setdefault(batch_id, []).append(
                SerialEvent(
                    height=block.header.height,
                    index=index,
                    time_ms=block.header.time_ms,
                    tx_id=signed.tx_id.hex(),
                    tx_type=signed.tx.type,
                    writes=tuple(writes),
                )
            )


def _record(value: bytes) -> SerialBlock:
    return SerialBlock.from_json(decode(value))
