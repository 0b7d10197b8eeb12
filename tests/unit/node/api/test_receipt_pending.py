"""409 CHECKPOINT_PENDING says when to retry in seconds (Retry-After), not in words only.

Stop 57's API integrator polled /v1/receipts/{id} after a commit and got 409 "retry
shortly" with no Retry-After, where the node's 429 and 503 answers carry one.
"""

from pathlib import Path
from typing import Any

from genesis.example.xiangshan_case import BATCH_ID, TOWNSHIP_ACCOUNT
from node.api.routes.proofs import PENDING_RETRY_AFTER_S
from tests.unit.node.api.kit import TestClient, assert_error, make_api
from tests.unit.node.case_chain import Signer, run_case, sign_checkpoint
from tests.unit.node.chain_kit import build_and_commit, open_ledger

RETIRE = {
    "account_id": TOWNSHIP_ACCOUNT,
    "batch_id": BATCH_ID,
    "quantity_kg": 1_000,
    "beneficiary": "某企业",
    "purpose": "voluntary offset",
    "reason": "2023 emissions",
}


def assert_pending(answer: Any) -> None:
    assert_error(answer, 409, "CHECKPOINT_PENDING")
    assert answer.headers["Retry-After"] == str(PENDING_RETRY_AFTER_S[0])  # no witnesses


def test_a_pending_receipt_says_retry_after_and_the_schema_declares_it(tmp_path: Path) -> None:
    ledger = open_ledger(tmp_path / "data")
    signer = Signer()
    judicial = run_case(ledger, signer).by_type["credits.retire_judicial"]
    service, _inbox, app = make_api(ledger)
    try:
        with TestClient(app) as client:
            assert_pending(client.get(f"/v1/receipts/{judicial}"))  # no checkpoint yet
            sign_checkpoint(service)
            assert client.get(f"/v1/receipts/{judicial}").status_code == 200
            voluntary = signer.tx(TOWNSHIP_ACCOUNT, "credits.retire", RETIRE)
            build_and_commit(ledger, (voluntary,))
            # The newest checkpoint does not hold the retirement's height yet.
            assert_pending(client.get(f"/v1/receipts/{voluntary.tx_id.hex()}"))
            schema = client.get("/openapi.json").json()
    finally:
        ledger.store.close()
    pending = schema["paths"]["/v1/receipts/{retirement_id}"]["get"]["responses"]["409"]
    assert set(pending["headers"]) == {"Retry-After"}
    assert pending["headers"]["Retry-After"]["schema"] == {"type": "integer"}
