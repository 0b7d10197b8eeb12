"""node/web/serial_history.py: the web's serial-range history replays the chain through the
one block transition (contracts/replay.py, traced, without a state tree).

The chain is the Xiangshan case of tests/vectors, one tx per block, with headers whose
results_root and next_validators_hash come from execution; SerialHistory reads only a
ledger's genesis, height and blocks, so a small stand-in serves here.
"""

from dataclasses import dataclass, replace
from typing import Any, cast

import pytest

from contracts.credit_records import SerialStatus
from contracts.replay import ChainReplay
from contracts.state import MemoryState
from genesis.example.parties import BLOCK_INTERVAL_MS, CHAIN_ID, GENESIS_TIME_MS
from genesis.example.xiangshan_case import BATCH_ID, SUBSCRIBED_KG
from node.ledger import Ledger
from node.web.serial_history import HistoryUnavailableError, SerialHistory
from protocol.block import Block, BlockHeader, tx_root
from protocol.hashing import Hash32, sha256
from protocol.tx import SignedTx
from tests.kit.headers import header_with
from tests.vectors.contracts.network import TestChain, run_xiangshan_case


@dataclass(frozen=True)
class CaseGenesis:
    chain_id: Hash32
    state: dict[str, bytes]


@dataclass
class CommittedChain:
    """What SerialHistory reads of a Ledger: genesis, height and committed blocks."""

    genesis: CaseGenesis
    blocks: list[Block]

    @property
    def height(self) -> int:
        return len(self.blocks)

    def block(self, height: int) -> Block | None:
        return self.blocks[height - 1] if 1 <= height <= len(self.blocks) else None


def header_for(replay: ChainReplay, txs: tuple[SignedTx, ...]) -> BlockHeader:
    """A header for the next block whose execution roots are what execution gives."""
    height = replay.height + 1
    time_ms = GENESIS_TIME_MS + height * BLOCK_INTERVAL_MS
    draft = header_with(chain_id=CHAIN_ID, height=height, time_ms=time_ms, tx_root=tx_root(txs))
    execution, _ = replay.execute(Block(header=draft, txs=txs, evidence=()))
    assert execution is not None
    replay.adopt(execution)
    transition = execution.transition
    return replace(
        draft,
        results_root=transition.results_root,
        next_validators_hash=transition.next_validators.hash(),
    )


def case_chain() -> CommittedChain:
    records = dict(TestChain.create().state.items())
    chain = TestChain.create()
    run_xiangshan_case(chain)
    replay = ChainReplay(CHAIN_ID, records, with_tree=False)
    blocks = [Block(header=header_for(replay, txs), txs=txs, evidence=()) for txs in chain.log]
    genesis = CaseGenesis(chain_id=CHAIN_ID, state=records)
    return CommittedChain(genesis=genesis, blocks=blocks)


def history_of(chain: CommittedChain) -> SerialHistory:
    return SerialHistory(cast(Ledger, chain), MemoryState(chain.genesis.state))


def test_the_subscribed_range_shows_issue_transfer_and_judicial_retirement() -> None:
    events = history_of(case_chain()).events(BATCH_ID, 1, SUBSCRIBED_KG)
    assert [e.tx_type for e in events] == [
        "credits.issue",
        "credits.transfer",
        "credits.retire_judicial",
    ]
    issue, transfer, retire = events
    assert all(write.before is None for write in issue.writes)
    assert [e.height for e in events] == sorted(e.height for e in events)
    # The retirement changes blocks the transfer wrote: its "before" is the transfer's "after".
    transfer_after = {w.key: w.after for w in transfer.writes}
    assert any(transfer_after.get(w.key) == w.before for w in retire.writes)
    assert any(
        w.after is not None and w.after.status is SerialStatus.RETIRED for w in retire.writes
    )


def test_the_remainder_was_touched_by_the_issue_and_the_split_only() -> None:
    history = history_of(case_chain())
    events = history.events(BATCH_ID, SUBSCRIBED_KG + 1, SUBSCRIBED_KG + 10)
    assert [e.tx_type for e in events] == ["credits.issue", "credits.transfer"]


def test_the_replay_is_incremental_up_to_the_current_head() -> None:
    chain = case_chain()
    blocks = chain.blocks
    chain.blocks = blocks[:4]
    history = history_of(chain)
    assert [e.tx_type for e in history.events(BATCH_ID, 1, 10)] == ["credits.issue"]
    chain.blocks = blocks
    assert len(history.events(BATCH_ID, 1, 10)) == 3


@pytest.mark.parametrize("field", ["results_root", "next_validators_hash"])
def test_a_block_whose_replay_disagrees_with_its_header_stops_the_index(field: str) -> None:
    chain = case_chain()
    block = chain.blocks[3]
    changes: dict[str, Any] = {field: sha256(b"x")}
    chain.blocks[3] = replace(block, header=replace(block.header, **changes))
    history = history_of(chain)
    with pytest.raises(HistoryUnavailableError, match=f"height 4 failed: {field}"):
        history.events(BATCH_ID, 1, 10)
    # Broken stays broken: the message is kept, not recomputed.
    with pytest.raises(HistoryUnavailableError, match=field):
        history.events(BATCH_ID, 1, 10)


def test_a_block_that_does_not_execute_stops_the_index() -> None:
    chain = case_chain()
    # The same tx twice: the second reuses its nonce, so admission refuses the block.
    block = chain.blocks[3]
    chain.blocks[3] = replace(block, txs=block.txs * 2)
    with pytest.raises(HistoryUnavailableError, match="does not execute"):
        history_of(chain).events(BATCH_ID, 1, 10)
