"""node/chain_view.py, the one read port: typed records, the serial history it is given,
the committed state at past heights, and that no route or page reaches past it."""

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from contracts.credit_records import IssuanceBatch, SerialStatus
from contracts.state import MemoryState
from node.assembly import build_chain_view
from node.chain_view import ChainView
from node.committed_state import CommittedStateCursor
from node.ledger import Ledger
from node.web.serial_history import SerialHistory
from tests.unit.node.api.kit import make_api
from tests.unit.node.case_chain import trading_chain
from tests.unit.node.chain_kit import open_ledger

ROOT = Path(__file__).resolve().parents[3]
BATCH = "huangbiao-mariculture-2022-v1"
TRANSFERS = 40


@pytest.fixture(scope="module")
def traded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ledger]:
    ledger = open_ledger(tmp_path_factory.mktemp("traded") / "data")
    trading_chain(ledger, TRANSFERS, per_block=8)
    try:
        yield ledger
    finally:
        ledger.store.close()


def view_of(ledger: Ledger) -> ChainView:
    service, _inbox, _app = make_api(ledger)
    return build_chain_view(service, {})


def test_records_come_back_as_the_types_of_contracts(traded: Ledger) -> None:
    records = view_of(traded).records
    batch = records.batch(BATCH)
    assert isinstance(batch, IssuanceBatch)
    assert (batch.quantity_kg, batch.buffer_kg, batch.last_serial) == (450_000, 50_000, 500_000)
    blocks, truncated = records.serial_blocks(BATCH)
    assert not truncated
    assert [b.first_serial for b in blocks] == sorted(b.first_serial for b in blocks)
    assert sum(b.quantity_kg for b in blocks) == batch.last_serial
    assert {b.status for b in blocks} >= {SerialStatus.ACTIVE, SerialStatus.RETIRED}
    holdings, _ = records.holdings("trader-0")
    assert [h.batch_id for h in holdings] == [BATCH]
    assert holdings[0].active_kg == 5 * len(range(0, TRANSFERS, 20))
    assert records.batch("no-such-batch") is None
    few, more = records.batches(limit=0)
    assert (few, more) == ([], True)


def test_the_state_cursor_reads_each_past_height(traded: Ledger) -> None:
    cursor = CommittedStateCursor(traded.store.smt, 0)
    assert cursor.get(f"batch/{BATCH}") is None
    for _ in range(traded.height):
        cursor.apply({})
    assert cursor.height == traded.height
    assert cursor.get(f"batch/{BATCH}") == traded.store.state.get(f"batch/{BATCH}")


def test_serial_history_on_the_state_tree_equals_the_replay_on_a_state_copy(
    traded: Ledger,
) -> None:
    on_tree = SerialHistory(traded, CommittedStateCursor(traded.store.smt, 0))
    on_copy = SerialHistory(traded, MemoryState(traded.genesis.state))
    everything = on_tree.events(BATCH, 1, 500_000)
    assert everything == on_copy.events(BATCH, 1, 500_000)
    types = [event.tx_type for event in everything]
    assert types.count("credits.transfer") == TRANSFERS + 1  # the case's subscription too
    assert types[0] == "credits.issue" and "credits.retire_judicial" in types
    # A range no transfer touched has the issuance only.
    assert [e.tx_type for e in on_tree.events(BATCH, 499_000, 499_000)] == ["credits.issue"]


def test_the_view_answers_chain_reads_within_the_committed_heights(traded: Ledger) -> None:
    view = view_of(traded)
    assert view.block(traded.height + 1) is None and view.block(-1) is None
    assert view.results(-1) == [] and view.block_json(2**64) is None
    committed = view.find_tx(view.records.batch(BATCH).tx_id.hex())  # type: ignore[union-attr]
    assert committed is not None and committed.signed.tx.type == "credits.issue"
    assert committed.result is not None and committed.result.reason is None
    assert view.find_tx("zz") is None


def test_no_route_or_page_reaches_past_the_read_port() -> None:
    """grep for the store and the ledger in node/api and node/web: only the serial replay
    (which replays the ledger's blocks) may name them."""
    allowed = {ROOT / "node/web/serial_history.py"}
    found = []
    for path in sorted((ROOT / "node/api").rglob("*.py")) + sorted(
        (ROOT / "node/web").rglob("*.py")
    ):
        if path in allowed:
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(r"\.store\b|\.ledger\b|\bservice\.ledger", line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert found == []
