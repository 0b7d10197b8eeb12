"""The FastAPI app over a real NodeService and Ledger (LevelDB in tmp_path), no runtime:
what every test of node/api/ starts from, and the error shape {"error": {"code", "detail"}}
of every refusal."""

import warnings
from dataclasses import dataclass
from typing import Any

from starlette.exceptions import StarletteDeprecationWarning

from node.api.app import create_app
from node.assembly import build_chain_view
from node.chain_events import ChainEvents
from node.checkpoints import CheckpointBook
from node.ledger import Ledger
from node.mempool import Mempool
from node.peering import PeerInbox
from node.readiness import Readiness
from node.service import NodeService
from node.sync_state import SyncState
from protocol.encoding import encode
from protocol.tx import SignedTx
from tests.fakes.manual_clock import NodeClock
from tests.unit.node.chain_kit import (
    GENESIS_TIME_MS,
    KEYS,
    build_and_commit,
)

with warnings.catch_warnings():
    # Starlette asks for httpx2 but still works with the httpx the project pins.
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient

NOW_MS = GENESIS_TIME_MS + 10_000
NINGBO = KEYS["ningbo-ptc"].public_key


class FakeClock(NodeClock):
    """Both clocks at NOW_MS unless told."""

    def __init__(self, now_ms: int = NOW_MS) -> None:
        super().__init__(now_ms)


@dataclass
class Api:
    client: TestClient
    service: NodeService
    ledger: Ledger
    inbox: PeerInbox


def make_api(ledger: Ledger) -> tuple[NodeService, PeerInbox, Any]:
    service = NodeService(
        name="ningbo-ptc",
        ledger=ledger,
        mempool=Mempool(),
        events=ChainEvents(),
        checkpoints=CheckpointBook(ledger.chain_id),
        clock=FakeClock(),
        transport=None,
        runtime=None,
    )
    inbox = PeerInbox(service, None)
    view = build_chain_view(service, {})
    app = create_app(service, inbox, None, Readiness(SyncState(), observer=True), view=view)
    return service, inbox, app


def post_tx(api: Api, tx: SignedTx) -> Any:
    return api.client.post("/v1/txs", content=encode(tx.to_json()))


def commit_pending(api: Api) -> None:
    txs = api.service.mempool.take(1000, 1 << 30)
    build_and_commit(api.ledger, txs)
    api.service.after_commit()


def assert_error(response: Any, status: int, code: str) -> dict[str, str]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "detail"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["detail"], str)
    return body["error"]  # type: ignore[no-any-return]


def accepted(
    tx: SignedTx, status: str, *, height: int | None = None, index: int | None = None
) -> dict[str, Any]:
    """The 202 answer to a submission: no refusal, and where the tx is if committed."""
    where = {"height": height, "index": index}
    return {"tx_id": tx.tx_id.hex(), "status": status, "reason": None, "detail": None, **where}


__all__ = [
    "NINGBO",
    "NOW_MS",
    "Api",
    "FakeClock",
    "TestClient",
    "accepted",
    "assert_error",
    "commit_pending",
    "make_api",
    "post_tx",
]
