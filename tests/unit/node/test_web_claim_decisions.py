"""Insurance claim decisions (ADR 0035) on the read side: the API shows each claim's status,
decision and its policy's totals, the policy its claim totals, the CSV their columns, and
the batch and project pages the status in words and an over-claimed policy as such, in
both languages. On a real Ledger: the reversal example's claim accepted and paid, a second
claim left filed, a third rejected, so the claims not rejected exceed the sum insured."""

import csv
import io
from collections.abc import Iterator

import pytest

from node.web.exports import CLAIM_COLUMNS
from protocol.tx import SignedTx
from tests.unit.node.api.kit import TestClient
from tests.unit.node.case_chain import Signer
from tests.unit.node.test_web_reversals import serving_loss
from tests.vectors import claim_decision_example as decisions
from tests.vectors import reversal_example as example

PAID, FILED, REJECTED = example.CLAIM_ID, "eco-account-claim-2023-2", "eco-account-claim-2023-3"
POLICY = "eco-account-comprehensive-2023"
TOTALS = {
    "policy_id": POLICY,
    "sum_insured_fen": 100_000_000,
    "claims": 3,
    "claimed_fen": 6_000_000 + 99_000_000 + 50_000_000,
    "rejected_fen": 50_000_000,
    "accepted_fen": 5_000_000,
    "paid_fen": 5_000_000,
    "over_claimed": True,
}


def decisions_and_claims(signer: Signer) -> tuple[SignedTx, ...]:
    """After the example's claim: accepted and paid, a second claim filed, a third rejected."""
    centre = example.TRADING_CENTRE
    second = dict(example.CLAIM_BODY) | {"claim_id": FILED, "claimed_fen": 99_000_000}
    third = dict(example.CLAIM_BODY) | {"claim_id": REJECTED, "claimed_fen": 50_000_000}
    rejection = dict(decisions.ACCEPT_BODY) | {
        "claim_id": REJECTED,
        "decision": "rejected",
        "decided_fen": 0,
    }
    return (
        signer.tx(centre, "insurance.claim_decide", dict(decisions.ACCEPT_BODY)),
        signer.tx(centre, "insurance.claim_decide", dict(decisions.PAY_BODY)),
        signer.tx(centre, "insurance.claim", second),
        signer.tx(centre, "insurance.claim", third),
        signer.tx(centre, "insurance.claim_decide", rejection),
    )


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    data = tmp_path_factory.mktemp("claim-decisions") / "data"
    with serving_loss(data, decisions_and_claims) as test_client:
        yield test_client


def test_the_api_shows_status_decision_and_policy_totals(client: TestClient) -> None:
    claim = client.get(f"/v1/insurance-claims/{PAID}").json()
    stored = client.get(f"/v1/state/insurance_claim/{PAID}").json()["value"]
    decision = client.get(f"/v1/state/insurance_claim_decision/{PAID}").json()["value"]
    assert stored["status"] == "paid"
    assert claim == stored | {
        "decision": decision,
        "decided_fen": 5_000_000,
        "paid_fen": 5_000_000,
        "policy_totals": TOTALS,
    }
    filed = client.get(f"/v1/insurance-claims/{FILED}").json()
    assert (filed["status"], filed["decision"], filed["paid_fen"]) == ("filed", None, None)
    rejected = client.get(f"/v1/insurance-claims/{REJECTED}").json()
    assert (rejected["status"], rejected["decision"]["decided_fen"]) == ("rejected", 0)
    listed = client.get("/v1/insurance-claims").json()["items"]
    assert [item["status"] for item in listed] == ["paid", "filed", "rejected"]
    policy = client.get(f"/v1/insurance/{POLICY}").json()
    assert policy["claim_totals"] == TOTALS


def test_the_csv_has_the_decision_and_the_policy_totals(client: TestClient) -> None:
    response = client.get("/export/insurance-claims.csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert list(rows[0]) == list(CLAIM_COLUMNS)
    by_id = {row["claim_id"]: row for row in rows}
    paid = by_id[PAID]
    assert (paid["status"], paid["decision"], paid["decided_fen"]) == (
        "paid",
        "accepted",
        "5000000",
    )
    assert (paid["paid_fen"], paid["paid_height"] != "") == ("5000000", True)
    assert (by_id[FILED]["decision"], by_id[FILED]["paid_fen"]) == ("", "")
    assert by_id[REJECTED]["decision"] == "rejected"
    for row in rows:
        assert row["policy_claimed_fen"] == "155000000"
        assert row["policy_paid_fen"] == "5000000"
        assert row["policy_over_claimed"] == "True"


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        (
            "en",
            (
                "paid by the insurer; accepted ¥50,000.00; paid ¥50,000.00",
                "filed, not yet decided",
                "rejected by the insurer",
                f"Policy {POLICY} over-claimed",
                "¥1,050,000.00",
                "¥1,000,000.00 insured",
            ),
        ),
        (
            "zh",
            (
                "保险人已赔付；核定 ¥50,000.00；已付 ¥50,000.00",
                "已提出，待核定",
                "保险人已拒赔",
                f"保单 {POLICY} 超额索赔",
            ),
        ),
    ],
)
def test_the_pages_show_the_status_in_words_and_the_over_claimed_policy(
    client: TestClient, lang: str, words: tuple[str, ...]
) -> None:
    for path in (f"/batches/{example.BATCH_ID}", f"/projects/{example.PROJECT_ID}"):
        page = client.get(path, params={"lang": lang}).text
        for word in words:
            assert word in page, (path, lang, word)
