"""The reference model of insurance.claim_decide and of each policy's claim totals
(ADR 0035), mixed into ReferenceLedger.

Naive on purpose: a claim's status is a string moved by a table of allowed edges, and each
policy's totals are running sums kept as claims are filed and decided, where the contracts
derive them on read from the claim and decision records. Shares no code with contracts/
beyond the reason strings.
"""

from typing import TYPE_CHECKING, Any

from tests.property.ledger_hooks import LedgerHooks

if TYPE_CHECKING:
    from tests.property.contracts_reference import Op

MOVES = {("filed", "accepted"), ("filed", "rejected"), ("accepted", "paid")}
TOTALS = ("claims", "claimed_fen", "rejected_fen", "accepted_fen", "paid_fen")


class ClaimDecisionReference(LedgerHooks):
    """A claim moves filed -> accepted | rejected, accepted -> paid; totals are summed."""

    policy_attester: dict[str, str]
    """policy -> the institution that attested it."""
    claim_terms: dict[str, dict[str, Any]]
    """claim -> its insurance.claim body."""
    claim_status: dict[str, str]
    claim_accepted: dict[str, int]
    """claim -> the fen accepted."""
    policy_totals: dict[str, dict[str, int]]
    """policy -> its running totals, named as the contracts' PolicyClaimTotals fields."""

    def claim_filed(self, body: dict[str, Any]) -> None:
        """insurance.claim accepted: the claim is filed and counted on its policy."""
        self.claim_terms[body["claim_id"]] = body
        self.claim_status[body["claim_id"]] = "filed"
        totals = self.policy_totals.setdefault(body["policy_id"], dict.fromkeys(TOTALS, 0))
        totals["claims"] += 1
        totals["claimed_fen"] += body["claimed_fen"]

    def _insurance_claim_decide(self, op: "Op") -> None:
        institution = self._role(op, "trading_centre", "issuer")
        body = op.body
        claim_id, decision, fen = body["claim_id"], body["decision"], body["decided_fen"]
        self._require(claim_id in self.claim_terms, "unknown_claim")
        terms = self.claim_terms[claim_id]
        self._require(
            self.policy_attester[terms["policy_id"]] == institution, "not_policy_attester"
        )
        status = self.claim_status[claim_id]
        self._require((status, decision) in MOVES, f"claim_{status}_to_{decision}")
        if decision == "rejected":
            self._require(fen == 0, "claim_rejection_with_fen")
        else:
            self._require(fen > 0, "claim_decision_without_fen")
        if decision == "accepted":
            self._require(fen <= terms["claimed_fen"], "claim_decision_exceeds_claimed")
        if decision == "paid":
            self._require(fen <= self.claim_accepted[claim_id], "claim_payment_exceeds_accepted")
        self.claim_status[claim_id] = decision
        totals = self.policy_totals[terms["policy_id"]]
        if decision == "rejected":
            totals["rejected_fen"] += terms["claimed_fen"]
        elif decision == "accepted":
            self.claim_accepted[claim_id] = fen
            totals["accepted_fen"] += fen
        else:
            totals["paid_fen"] += fen
