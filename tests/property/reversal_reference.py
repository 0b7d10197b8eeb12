"""The reference model of reversal.report and insurance.claim (ADR 0033), mixed into
ReferenceLedger.

Naive on purpose: a reversal turns the batch's lowest `buffer` kilograms `cancelled`, one
unit at a time, and a claim's cover is re-derived from the policy's body and the units.
Shares no code with contracts/ beyond the reason strings.
"""

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from tests.property.ledger_hooks import LedgerHooks

if TYPE_CHECKING:
    from tests.property.contracts_reference import Op


class ReversalReference(LedgerHooks):
    """reversal.report draws the buffer, never beyond the batch; insurance.claim records."""

    policy_terms: dict[str, dict[str, Any]]
    """policy -> its insurance.attest body."""
    reversals: dict[str, dict[str, Any]]
    """reversal -> its reversal.report body."""
    batch_lost: dict[str, int]
    """batch -> the kg its reversals lost, summed."""
    claims: set[str]
    claim_filed: Callable[[dict[str, Any]], None]
    """ClaimDecisionReference's: a filed claim counted on its policy (ADR 0035)."""

    def _reversal_report(self, op: "Op") -> None:
        verifier = self._role(op, "verifier", reason="verifier_not_accredited")
        body = op.body
        self._require(body["verifier"] == verifier, "verifier_not_sender")
        self._require(body["project_id"] in self.projects, "unknown_project")
        self._require(self.projects[body["project_id"]] != verifier, "verifier_not_independent")
        self._require(body["batch_id"] in self.batches, "unknown_batch")
        project, quantity, buffer = self.batches[body["batch_id"]]
        self._require(project == body["project_id"], "batch_not_of_project")
        self._require(body["reversal_id"] not in self.reversals, "already_exists")
        lost = self.batch_lost.get(body["batch_id"], 0) + body["lost_kg"]
        self._require(lost <= quantity + buffer, "reversal_exceeds_batch")
        self.batch_lost[body["batch_id"]] = lost
        self.reversals[body["reversal_id"]] = body
        units = self.units[body["batch_id"]]
        left = body["lost_kg"]
        for i, unit in enumerate(units):
            if left and unit.status == "buffer":
                units[i] = replace(unit, status="cancelled")
                left -= 1

    def _insurance_claim(self, op: "Op") -> None:
        self._role(op, "trading_centre", "issuer")
        body = op.body
        self._require(body["policy_id"] in self.policy_terms, "unknown_policy")
        self._require(body["reversal_id"] in self.reversals, "unknown_reversal")
        self._require(body["claim_id"] not in self.claims, "already_exists")
        policy, reversal = self.policy_terms[body["policy_id"]], self.reversals[body["reversal_id"]]
        period = policy["period_start"] <= reversal["event_date"] <= policy["period_end"]
        self._require(period, "policy_not_covering")
        if policy["subject_kind"] == "project":
            covered = policy["subject_id"] == reversal["project_id"]
        else:
            covered = any(
                u.account == policy["subject_id"]
                and u.status in ("active", "frozen", "retired", "pledged", "escrowed")
                for u in self.units[reversal["batch_id"]]
            )
        self._require(covered, "policy_not_covering")
        self._require(body["claimed_fen"] <= policy["sum_insured_fen"], "claim_exceeds_sum_insured")
        self.claims.add(body["claim_id"])
        self.claim_filed(body)  # ADR 0035
