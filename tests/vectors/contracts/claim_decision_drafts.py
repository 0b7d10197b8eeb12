"""Drafts of insurance.claim_decide (ADR 0035) for the contracts property test, used by
tests/vectors/contracts/tx_generators.py's TxGenerator (None: nothing to draft, it drafts
something else).

Mostly the next legal step of a claim (filed -> accepted or rejected, accepted -> paid)
sent by an active key of the policy's attesting institution; a mistake is one refusal at a
time, and a decided claim drafted again tries an illegal move. Without an open claim, the
generator mostly files one instead.
"""

import random
from typing import Any

from protocol.signing import PublicKey, SigningKey
from tests.property.claim_decision_reference import MOVES
from tests.property.contracts_reference import ReferenceLedger
from tests.vectors.contracts.drafts import Draft

ROLES = ("trading_centre", "issuer")
DECISIONS = ("accepted", "rejected", "paid")
NEXT = {"filed": ("accepted", "accepted", "rejected"), "accepted": ("paid",)}
ATTESTERS = ("ningbo-ptc", "xiamen-ptc", "xiangshan-county")
OUTSIDERS = ("xiangshan-court", "ningbo-ptc", "xiamen-ptc", "xiangshan-county")

POLICY_START, POLICY_END = "2023-01-01", "2023-12-31"
"""The period of the policies the drafts attest."""


class ClaimDecisionDrafts:
    def __init__(self, ref: ReferenceLedger, keys: dict[PublicKey, SigningKey]) -> None:
        self.ref = ref
        self.keys = keys

    def key_of(self, institution: str) -> SigningKey | None:
        """An active key of institution the generator can sign with."""
        owned = sorted(k for k, o in self.ref.key_owner.items() if o == institution)
        usable = [k for k in owned if k in self.keys]
        return self.keys[usable[0]] if usable else None

    def decide(self, rng: random.Random, mistake: bool) -> Draft | None:
        open_claims = sorted(c for c, s in self.ref.claim_status.items() if s in NEXT)
        if not open_claims and (not self.ref.claim_terms or rng.randrange(4)):
            return None  # mostly file a claim first (the generator's fallback)
        claim_id = rng.choice(open_claims or sorted(self.ref.claim_terms))
        terms = self.ref.claim_terms[claim_id]
        status = self.ref.claim_status[claim_id]
        attester = self.ref.policy_attester[terms["policy_id"]]
        sender = self.key_of(attester)
        if sender is None:
            return None
        decision = rng.choice(NEXT.get(status, DECISIONS))
        ceiling = self.ref.claim_accepted.get(claim_id, terms["claimed_fen"])
        fen = 0 if decision == "rejected" else rng.randint(1, ceiling)
        body: dict[str, Any] = {
            "claim_id": claim_id,
            "decision": decision,
            "decided_fen": fen,
            "decision_hash": bytes([rng.randrange(256)] * 32).hex(),
        }
        variant = rng.randrange(6) if mistake else -1
        if variant == 0:  # signer_lacks_role or not_policy_attester
            others = [k for o in OUTSIDERS if o != attester and (k := self.key_of(o))]
            sender = rng.choice(others) if others else sender
        if variant == 1:  # unknown_claim
            body["claim_id"] = "no-such-claim"
        if variant == 2:  # an illegal move
            body["decision"] = rng.choice([d for d in DECISIONS if (status, d) not in MOVES])
            body["decided_fen"] = 0 if body["decision"] == "rejected" else 1
        if variant == 3:  # claim_rejection_with_fen or claim_decision_without_fen
            body["decided_fen"] = 1 if decision == "rejected" else 0
        if variant == 4:  # claim_decision_exceeds_claimed or claim_payment_exceeds_accepted
            body["decided_fen"] = ceiling + 1
        if variant == 5:  # accept exactly what was claimed, pay exactly what was accepted
            body["decided_fen"] = 0 if decision == "rejected" else ceiling
        return Draft("insurance.claim_decide", sender, (), body)

    def file_claim(self, rng: random.Random) -> Draft | None:
        """The next step toward a claim that insurance.claim accepts: a claim on a loss under
        a policy on its project that covers its date, or, when a loss in the policies' 2023
        has no such policy yet, insurance.attest of one (so decisions have claims to decide;
        the reversal drafts' own claims are mostly refused). None without a 2023 loss."""
        keys = [k for name in ATTESTERS if (k := self.key_of(name))]
        senders = [k for k in keys if self.ref.has_role(k.public_key, *ROLES)]
        if not senders:
            return None
        sender = rng.choice(senders)
        covered = [(r, p) for r in sorted(self.ref.reversals) for p in self.policies_covering(r)]
        if covered:
            reversal, policy = rng.choice(covered)
            insured = self.ref.policy_terms[policy]["sum_insured_fen"]
            body: dict[str, Any] = {
                "claim_id": f"claim-of-{reversal}-{len(self.ref.claim_terms)}",
                "policy_id": policy,
                "reversal_id": reversal,
                "claimed_fen": rng.randint(1, insured),
                "claim_hash": bytes([5] * 32).hex(),
            }
            return Draft("insurance.claim", sender, (), body)
        losses = sorted(
            r
            for r, loss in self.ref.reversals.items()
            if POLICY_START <= loss["event_date"] <= POLICY_END
        )
        if not losses:
            return None
        project = self.ref.reversals[rng.choice(losses)]["project_id"]
        body = {
            "policy_id": f"policy-of-{project}",
            "insurer": "某保险公司",
            "policyholder": "象山县",
            "coverage": "project_excess_emission_loss",
            "subject_kind": "project",
            "subject_id": project,
            "sum_insured_fen": rng.randint(1, 10**7),
            "period_start": POLICY_START,
            "period_end": POLICY_END,
            "clause_hash": bytes([4] * 32).hex(),
        }
        return Draft("insurance.attest", sender, (), body)

    def policies_covering(self, reversal: str) -> list[str]:
        """Policies on the reversal's project whose period holds its event date."""
        loss = self.ref.reversals[reversal]
        return sorted(
            p
            for p, t in self.ref.policy_terms.items()
            if t["subject_kind"] == "project"
            and t["subject_id"] == loss["project_id"]
            and t["period_start"] <= loss["event_date"] <= t["period_end"]
        )
