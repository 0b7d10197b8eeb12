"""Fixtures of the tests/unit/node tests that more than one module uses."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from node.ledger import Ledger
from tests.unit.node.chain_kit import open_ledger
from tests.unit.node.sync_kit import LedgerAt


@pytest.fixture
def ledger_at(tmp_path: Path) -> Iterator[LedgerAt]:
    """Opens a ledger in tmp_path/<name>; each one opened is closed after the test."""
    opened: list[Ledger] = []

    def open_named(name: str) -> Ledger:
        opened.append(open_ledger(tmp_path / name))
        return opened[-1]

    yield open_named
    for ledger in opened:
        ledger.store.close()
