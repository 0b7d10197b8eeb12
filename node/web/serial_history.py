"""The full history of a serial range: every committed tx that wrote one of its blocks.

Serial blocks in state say only where credits are now. Their history comes from replaying
the committed chain with the one block transition (contracts/replay.py over
contracts/transition.py), traced so that each tx's changes are known, and keeping each
tx's changes to `serials/<batch>/...` with the block's value before and after. Replay is
incremental (it resumes at the last height it saw), keeps no state tree and trusts
signatures, which every validator checked before the block committed; a block whose
replay disagrees with its header (results_root, next_validators_hash) or does not execute
stops the index with a message.

Memory: the index keeps only what the serial pages show (per batch, the txs that wrote its
serial blocks, as typed SerialBlocks). The state each block is replayed on is not copied:
the node passes a ReplayState that reads the committed state tree at the height being
replayed (node/committed_state.py). One SerialHistory per node, made where the node is
assembled (node/assembly.py) and reached through the read port (node/chain_view.py).
"""

import threading
from dataclasses import dataclass

from contracts.credit_records import SerialBlock
from contracts.errors import ContractError
from contracts.execution import TxChanges
from contracts.replay import ChainReplay, ReplayState
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


class SerialHistory:
    """An incremental replay of one node's chain that indexes serial-block writes by batch.

    state: the state after genesis, e.g. a CommittedStateCursor at height 0 (no copy) or a
    MemoryState of the genesis state (a full copy that grows with the chain).
    """

    def __init__(self, ledger: Ledger, state: ReplayState) -> None:
        self._ledger = ledger
        genesis = ledger.genesis
        self._replay = ChainReplay(
            genesis.chain_id, genesis.state, with_tree=False, verify=_trust, state=state
        )
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
        while self._replay.height < head:
            block = self._ledger.block(self._replay.height + 1)
            assert block is not None
            try:
                self._replay_block(block)
            except (AssertionError, ContractError, HistoryUnavailableError) as error:
                self._broken = f"replay of height {self._replay.height + 1} failed: {error}"
                raise HistoryUnavailableError(self._broken) from None

    def _replay_block(self, block: Block) -> None:
        execution, problems = self._replay.execute(block, trace=True)
        if problems:
            raise HistoryUnavailableError(problems[0].detail)
        assert execution is not None
        for index, changes in enumerate(execution.transition.tx_changes):
            self._index(changes, block, index)
        self._replay.adopt(execution)

    def _index(self, changes: TxChanges, block: Block, index: int) -> None:
        writes_by_batch: dict[str, list[SerialWrite]] = {}
        for key, (before, value) in changes.items():
            if not key.startswith(SERIALS_PREFIX):
                continue
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
