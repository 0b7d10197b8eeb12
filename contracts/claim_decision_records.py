"""Insurance claim decisions (ADR 0035): the body of insurance.claim_decide, the
`insurance_claim_decision/<claim id>` record, the moves a claim's status may make, and the
one rule of a policy's claim totals. Pure.

A claim is filed by insurance.claim (ADR 0033). The institution that attested its policy
records the insurer's decision: accepted or rejected, then an accepted claim paid. The
claim's `status` field moves along those edges only; what each step decided (the fen, the
document's hash, the key, the height) is kept in the decision record, because
`insurance_claim/<id>` cannot gain a field without changing the bytes insurance.claim
writes. The registry records the decision and the payment, never moves the money.
"""

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Annotated, Final

from contracts.body_fields import Body, Slug, choice
from contracts.reversal_records import CLAIMED_FEN_MAX, InsuranceClaim
from protocol.codec import JsonCodec, copy_fields, integer
from protocol.hashing import Hash32
from protocol.signing import PublicKey


class ClaimStatus:
    """Where a claim stands (`insurance_claim/<id>.status`)."""

    FILED: Final = "filed"
    """insurance.claim recorded it; no decision yet."""
    ACCEPTED: Final = "accepted"
    """The insurer accepted it for decided_fen (at most the claimed fen)."""
    REJECTED: Final = "rejected"
    """The insurer rejected it: final."""
    PAID: Final = "paid"
    """The insurer paid paid_fen (at most the accepted fen): final."""


CLAIM_DECISIONS: Final = frozenset({ClaimStatus.ACCEPTED, ClaimStatus.REJECTED, ClaimStatus.PAID})
"""What insurance.claim_decide may decide."""
CLAIM_MOVES: Final = frozenset(
    {
        (ClaimStatus.FILED, ClaimStatus.ACCEPTED),
        (ClaimStatus.FILED, ClaimStatus.REJECTED),
        (ClaimStatus.ACCEPTED, ClaimStatus.PAID),
    }
)
"""The only moves of a claim's status: filed -> accepted | rejected, accepted -> paid."""
FINAL_STATUSES: Final = frozenset({ClaimStatus.REJECTED, ClaimStatus.PAID})


@dataclass(frozen=True, slots=True, kw_only=True)
class ClaimDecideBody(Body):
    """insurance.claim_decide: the policy's attesting institution records the insurer's
    decision on a claim (accepted or rejected), or its payment (paid)."""

    claim_id: Slug
    decision: Annotated[str, choice(CLAIM_DECISIONS)]
    decided_fen: Annotated[int, integer(minimum=0, maximum=CLAIMED_FEN_MAX)]
    """Accepted: the fen accepted, 1..claimed_fen. Rejected: 0. Paid: the fen paid,
    1..the fen accepted."""
    decision_hash: Hash32
    """SHA-256 of the insurer's decision (or payment) document as issued."""


@dataclass(frozen=True, slots=True, kw_only=True)
class InsuranceClaimDecision(JsonCodec, what="insurance claim decision"):
    """`insurance_claim_decision/<claim id>`: what the insurer decided on a claim and, once
    paid, what it paid (ADR 0035). Written by the first decision, completed by the payment."""

    claim_id: Slug
    policy_id: Slug
    """The claim's policy, copied so a policy's totals read one record per claim."""
    decision: Annotated[str, choice(frozenset({ClaimStatus.ACCEPTED, ClaimStatus.REJECTED}))]
    decided_fen: int
    """The fen accepted (0 when rejected)."""
    decision_hash: Hash32
    decided_by: PublicKey
    height: int
    paid_fen: int | None
    """The fen paid; None until paid."""
    payment_hash: Hash32 | None
    paid_by: PublicKey | None
    paid_height: int | None


def decision_step(
    earlier: InsuranceClaimDecision | None,
    claim: InsuranceClaim,
    body: ClaimDecideBody,
    sender: PublicKey,
    height: int,
) -> InsuranceClaimDecision:
    """The decision record after body, sent by sender at height: the first decision writes
    it (payment fields null), the payment completes the earlier one."""
    if earlier is not None:
        return replace(
            earlier,
            paid_fen=body.decided_fen,
            payment_hash=body.decision_hash,
            paid_by=sender,
            paid_height=height,
        )
    unpaid = dict.fromkeys(("paid_fen", "payment_hash", "paid_by", "paid_height"))
    given = {"policy_id": claim.policy_id, "decided_by": sender, "height": height}
    return copy_fields(InsuranceClaimDecision, body, **given, **unpaid)


def status_after(decision: InsuranceClaimDecision | None) -> str:
    """The claim status a decision record means: filed when there is none (ADR 0035).

    `insurance_claim/<id>.status` always equals it; the property test checks that."""
    if decision is None:
        return ClaimStatus.FILED
    if decision.paid_fen is not None:
        return ClaimStatus.PAID
    return decision.decision


@dataclass(frozen=True, slots=True, kw_only=True)
class PolicyClaimTotals(JsonCodec, what="policy claim totals"):
    """A policy's claims summed (ADR 0035): derived on read, never stored."""

    policy_id: Slug
    sum_insured_fen: int
    claims: int
    claimed_fen: int
    """Every claim's claimed_fen, whatever its status."""
    rejected_fen: int
    """The claimed_fen of the rejected claims."""
    accepted_fen: int
    """The decided_fen of the claims accepted (paid ones included)."""
    paid_fen: int
    over_claimed: bool
    """The claims not rejected ask for more than the sum insured: claimed_fen - rejected_fen
    > sum_insured_fen. insurance.claim checks each claim alone (ADR 0033), so this can be
    true; it is reported, not refused."""


def policy_claim_totals(
    policy_id: str,
    sum_insured_fen: int,
    claims: Iterable[tuple[InsuranceClaim, InsuranceClaimDecision | None]],
) -> PolicyClaimTotals:
    """The totals of the policy's claims, each with its decision record (None: undecided).

    Claims of other policies are skipped, so a caller may pass every claim it holds."""
    count = claimed = rejected = accepted = paid = 0
    for claim, decision in claims:
        if claim.policy_id != policy_id:
            continue
        count += 1
        claimed += claim.claimed_fen
        if decision is None:
            continue
        if decision.decision == ClaimStatus.REJECTED:
            rejected += claim.claimed_fen
        else:
            accepted += decision.decided_fen
        paid += decision.paid_fen or 0
    return PolicyClaimTotals(
        policy_id=policy_id,
        sum_insured_fen=sum_insured_fen,
        claims=count,
        claimed_fen=claimed,
        rejected_fen=rejected,
        accepted_fen=accepted,
        paid_fen=paid,
        over_claimed=claimed - rejected > sum_insured_fen,
    )
