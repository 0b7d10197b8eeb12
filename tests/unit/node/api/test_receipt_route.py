"""/v1/receipts/{id}: the id is checked before the checkpoint (stop 57's integrator, F10).

Until the first checkpoint a receipt may carry, a malformed or unknown id answered 409
CHECKPOINT_PENDING, "retry shortly": a retry that could never succeed. Now: 400 BAD_ID for
a malformed id, 404 for an id that is no committed retirement, whatever the checkpoints;
409 only for a retirement that exists but no such checkpoint holds yet.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from node.service import NodeService
from tests.unit.node.api.kit import TestClient, assert_error, make_api
from tests.unit.node.case_chain import run_case, sign_checkpoint
from tests.unit.node.chain_kit import open_ledger

UNKNOWN = "ab" * 32


@dataclass(frozen=True)
class Site:
    client: Any
    service: NodeService
    retirement: str
    other_tx: str


@pytest.fixture
def site(tmp_path: Any) -> Iterator[Site]:
    ledger = open_ledger(tmp_path / "data")
    txs = run_case(ledger)
    service, _inbox, app = make_api(ledger)
    retirement = txs.by_type["credits.retire_judicial"]
    other = next(tx_id for tx_type, tx_id in txs.by_type.items() if "retire" not in tx_type)
    try:
        with TestClient(app) as client:
            yield Site(client, service, retirement, other)
    finally:
        ledger.store.close()


@pytest.mark.parametrize("signed", [False, True], ids=["before-a-checkpoint", "after"])
def test_a_malformed_id_is_400_whatever_the_checkpoints(site: Site, signed: bool) -> None:
    if signed:
        sign_checkpoint(site.service)
    for url in ("/v1/receipts/xyz", "/v1/receipts/xyz?size=2", "/v1/receipts/ab?size=999"):
        assert_error(site.client.get(url), 400, "BAD_ID")


@pytest.mark.parametrize("signed", [False, True], ids=["before-a-checkpoint", "after"])
def test_an_id_that_is_no_retirement_is_404_whatever_the_checkpoints(
    site: Site, signed: bool
) -> None:
    if signed:
        sign_checkpoint(site.service)
    assert_error(site.client.get(f"/v1/receipts/{UNKNOWN}"), 404, "NOT_FOUND")
    assert_error(site.client.get(f"/v1/receipts/{site.other_tx}"), 404, "NOT_A_RETIREMENT")


def test_a_retirement_no_checkpoint_holds_yet_is_409_then_served(site: Site) -> None:
    pending = site.client.get(f"/v1/receipts/{site.retirement}")
    assert_error(pending, 409, "CHECKPOINT_PENDING")
    assert "retry shortly" in pending.json()["error"]["detail"]
    sign_checkpoint(site.service)
    served = site.client.get(f"/v1/receipts/{site.retirement}")
    assert served.status_code == 200, served.text
    assert served.json()["retirement_id"] == site.retirement
