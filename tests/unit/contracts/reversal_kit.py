"""Bodies of reversal.report and insurance.claim (ADR 0033) for the contract unit tests,
on the court-grade Xiangshan chain (its verifier, its batch, its account's policy)."""

from typing import Any

from genesis.example.xiangshan_case import BATCH_ID, PROJECT_ID
from genesis.example.xiangshan_court_grade import VERIFIER_ID

ACCOUNT_POLICY = "eco-account-comprehensive-2023"
"""The Ecological Account's policy that the Xiangshan case attests (2023)."""


def report_body(reversal_id: str = "huangbiao-storm-2023", **changes: Any) -> dict[str, Any]:
    """A storm loss of 30,000 kg of the Huangbi'ao 2022 batch, reported by the centre."""
    body: dict[str, Any] = {
        "reversal_id": reversal_id,
        "project_id": PROJECT_ID,
        "batch_id": BATCH_ID,
        "event_date": "2023-09-14",
        "cause": "storm",
        "lost_kg": 30_000,
        "report_hash": "33" * 32,
        "verifier": VERIFIER_ID,
    }
    return body | changes


def claim_body(claim_id: str = "eco-account-claim-1", **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "claim_id": claim_id,
        "policy_id": ACCOUNT_POLICY,
        "reversal_id": "huangbiao-storm-2023",
        "claimed_fen": 3_000_000,
        "claim_hash": "44" * 32,
    }
    return body | changes


def decide_body(
    decision: str, decided_fen: int, claim_id: str = "eco-account-claim-1"
) -> dict[str, Any]:
    """insurance.claim_decide on the claim (ADR 0035); the document hash names the step."""
    return {
        "claim_id": claim_id,
        "decision": decision,
        "decided_fen": decided_fen,
        "decision_hash": {"accepted": "55", "rejected": "56", "paid": "57"}[decision] * 32,
    }
