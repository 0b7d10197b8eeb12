"""/v1/receipts/{id} of a retirement tx committed as rejected: refused, never a receipt.

Stop 57's API integrator got 200 and a "retirement receipt" for a retirement the chain
rejected (insufficient_balance), and `lantan receipt get` said "wrote x.json" with exit 0;
only `lantan verify receipt` then said TX_NOT_ACCEPTED. A transfer's id was refused 404
NOT_A_RETIREMENT already; a rejected retirement is refused the same way, naming why.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from client.cli.main import main
from genesis.example.xiangshan_case import BATCH_ID, TOWNSHIP_ACCOUNT
from tests.unit.client.fake_node import Answer, serve_answers
from tests.unit.node.api.kit import TestClient, assert_error, make_api
from tests.unit.node.case_chain import Signer, run_case, sign_checkpoint
from tests.unit.node.chain_kit import build_and_commit, open_ledger


@dataclass(frozen=True)
class Site:
    client: TestClient
    accepted: str
    rejected: str
    reason: str

    def forward(self, _method: str, path: str, _body: bytes) -> Answer:
        """The node's own answer, over real HTTP (for the CLI)."""
        answer = self.client.get(path)
        return answer.status_code, answer.headers["content-type"], answer.content


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    ledger = open_ledger(tmp_path_factory.mktemp("rejected-retirement") / "data")
    signer = Signer()
    txs = run_case(ledger, signer)
    body = {
        "account_id": TOWNSHIP_ACCOUNT,
        "batch_id": BATCH_ID,
        "quantity_kg": 10**12,  # far more than the township holds
        "beneficiary": "某企业",
        "purpose": "voluntary offset",
        "reason": "more than it holds",
    }
    retire = signer.tx(TOWNSHIP_ACCOUNT, "credits.retire", body)
    prepared = build_and_commit(ledger, (retire,))
    reason = prepared.results[0].reason
    assert reason is not None  # committed as rejected
    build_and_commit(ledger)
    service, _inbox, app = make_api(ledger)
    sign_checkpoint(service)
    try:
        with TestClient(app) as client:
            yield Site(
                client=client,
                accepted=txs.by_type["credits.retire_judicial"],
                rejected=retire.tx_id.hex(),
                reason=reason,
            )
    finally:
        ledger.store.close()


def test_a_rejected_retirement_is_404_not_a_retirement_naming_why(site: Site) -> None:
    assert site.client.get(f"/v1/receipts/{site.accepted}").status_code == 200
    error = assert_error(site.client.get(f"/v1/receipts/{site.rejected}"), 404, "NOT_A_RETIREMENT")
    assert error["detail"] == f"committed as rejected: {site.reason}: no credits were retired"
    # The tx itself is served, with its result: the proof of what happened to it.
    proof = site.client.get(f"/v1/proofs/tx/{site.rejected}").json()
    assert proof["result"]["status"] == "rejected"


def test_receipt_get_of_a_rejected_retirement_fails_and_saves_nothing(
    site: Site, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "receipt.json"
    with serve_answers(site.forward) as url:
        code = main(["receipt", "get", site.rejected, "--node", url, "--out", str(out)])
    captured = capsys.readouterr()
    assert code == 1, captured
    assert "NOT_A_RETIREMENT" in captured.err and "committed as rejected" in captured.err
    assert len(captured.err.strip().splitlines()) == 1, captured.err
    assert "wrote" not in captured.out and not out.exists()
