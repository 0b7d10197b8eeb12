"""insurance.claim_decide: the insurer's decision on a claim, recorded (ADR 0035). Pure.

Sent by an active key of the institution that attested the claim's policy, which must still
hold a role that may attest policies (trading centre or issuer, as insurance.claim). The
claim's status moves filed -> accepted | rejected, accepted -> paid, nothing else; each
other move is refused with its own reason. Accepted fen are at most the claimed fen, paid fen
at most the accepted fen. The registry records the decision and the payment, never the money.
"""

from dataclasses import replace

from contracts.claim_decision_records import (
    CLAIM_MOVES,
    ClaimDecideBody,
    ClaimStatus,
    InsuranceClaimDecision,
    decision_step,
)
from contracts.context import TxEnv
from contracts.errors import TxRejectedError
from contracts.insurance import InsurancePolicy
from contracts.reasons import RejectReason
from contracts.records import Role
from contracts.reversal_records import InsuranceClaim
from contracts.roles import require_sender_role
from contracts.state_keys import insurance_claim_decision_key, insurance_claim_key, insurance_key
from contracts.store import load, require, save

ILLEGAL_MOVES = {
    (ClaimStatus.FILED, ClaimStatus.PAID): RejectReason.CLAIM_FILED_TO_PAID,
    (ClaimStatus.ACCEPTED, ClaimStatus.ACCEPTED): RejectReason.CLAIM_ACCEPTED_TO_ACCEPTED,
    (ClaimStatus.ACCEPTED, ClaimStatus.REJECTED): RejectReason.CLAIM_ACCEPTED_TO_REJECTED,
    (ClaimStatus.REJECTED, ClaimStatus.ACCEPTED): RejectReason.CLAIM_REJECTED_TO_ACCEPTED,
    (ClaimStatus.REJECTED, ClaimStatus.REJECTED): RejectReason.CLAIM_REJECTED_TO_REJECTED,
    (ClaimStatus.REJECTED, ClaimStatus.PAID): RejectReason.CLAIM_REJECTED_TO_PAID,
    (ClaimStatus.PAID, ClaimStatus.ACCEPTED): RejectReason.CLAIM_PAID_TO_ACCEPTED,
    (ClaimStatus.PAID, ClaimStatus.REJECTED): RejectReason.CLAIM_PAID_TO_REJECTED,
    (ClaimStatus.PAID, ClaimStatus.PAID): RejectReason.CLAIM_PAID_TO_PAID,
}
"""Every move CLAIM_MOVES does not allow, each with its own reason."""


def apply_insurance_claim_decide(env: TxEnv, body: ClaimDecideBody) -> None:
    institution = require_sender_role(env, Role.TRADING_CENTRE, Role.ISSUER)
    claim_key = insurance_claim_key(body.claim_id)
    claim = require(env.state, claim_key, InsuranceClaim.from_json, RejectReason.UNKNOWN_CLAIM)
    policy = load(env.state, insurance_key(claim.policy_id), InsurancePolicy.from_json)
    assert policy is not None, claim  # insurance.claim required it; policies stay
    if institution.institution_id != policy.attested_by:
        detail = f"{institution.institution_id} != {policy.attested_by}"
        raise TxRejectedError(RejectReason.NOT_POLICY_ATTESTER, detail)
    move = (claim.status, body.decision)
    if move not in CLAIM_MOVES:
        raise TxRejectedError(ILLEGAL_MOVES[move], f"{claim.status} -> {body.decision}")
    decision_key = insurance_claim_decision_key(body.claim_id)
    earlier = load(env.state, decision_key, InsuranceClaimDecision.from_json)
    _require_fen(body, claim, earlier)
    decision = decision_step(earlier, claim, body, env.sender, env.ctx.height)
    save(env.state, decision_key, decision)
    save(env.state, claim_key, replace(claim, status=body.decision))


def _require_fen(
    body: ClaimDecideBody, claim: InsuranceClaim, earlier: InsuranceClaimDecision | None
) -> None:
    """Rejected: 0 fen. Accepted: 1..claimed_fen. Paid: 1..the fen accepted."""
    fen = body.decided_fen
    if body.decision == ClaimStatus.REJECTED:
        if fen != 0:
            raise TxRejectedError(RejectReason.CLAIM_REJECTION_WITH_FEN, f"{fen} fen")
        return
    if fen == 0:
        raise TxRejectedError(RejectReason.CLAIM_DECISION_WITHOUT_FEN, body.decision)
    if body.decision == ClaimStatus.ACCEPTED and fen > claim.claimed_fen:
        detail = f"{fen} > {claim.claimed_fen} fen claimed"
        raise TxRejectedError(RejectReason.CLAIM_DECISION_EXCEEDS_CLAIMED, detail)
    if body.decision == ClaimStatus.PAID:
        assert earlier is not None, claim  # only an accepted claim is paid
        if fen > earlier.decided_fen:
            detail = f"{fen} > {earlier.decided_fen} fen accepted"
            raise TxRejectedError(RejectReason.CLAIM_PAYMENT_EXCEEDS_ACCEPTED, detail)
