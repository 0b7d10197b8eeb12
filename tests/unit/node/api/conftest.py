"""The `api` fixture: a node's app over a fresh ledger in tmp_path (see kit.py)."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.unit.node.api.kit import Api, TestClient, make_api
from tests.unit.node.chain_kit import open_ledger


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    ledger = open_ledger(tmp_path / "data")
    service, inbox, app = make_api(ledger)
    try:
        with TestClient(app) as client:
            yield Api(client=client, service=service, ledger=ledger, inbox=inbox)
    finally:
        ledger.store.close()
