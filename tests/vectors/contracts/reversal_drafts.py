"""Drafts of reversal.report and insurance.claim (ADR 0033) for the contracts property test,
used by tests/vectors/contracts/tx_generators.py's TxGenerator (None: nothing to draft, it
drafts something else).

Losses are often as large as the buffer left or larger, so buffers run dry and losses reach
a batch's issued kg; a mistake is one refusal at a time.
"""

import random
from typing import Any

from genesis.example.parties import party_key
from tests.property.contracts_reference import ReferenceLedger
from tests.vectors.contracts.drafts import Draft

NOT_A_VERIFIER = "xiangshan-court"
CLAIMANTS = ("xiangshan-county", "ningbo-ptc", "xiamen-ptc")
CAUSES = ("storm", "disease", "land_use_change", "other")
YEARS = (2022, 2023, 2023, 2023)
"""Event years: most within the policies' 2023 (insurance.attest drafts cover 2023 only)."""


class ReversalDrafts:
    def __init__(self, ref: ReferenceLedger) -> None:
        self.ref = ref
        self.serial = 0

    def fresh(self, prefix: str) -> str:
        self.serial += 1
        return f"{prefix}-{self.serial}"

    def left_kg(self, batch: str) -> int:
        _, quantity, buffer = self.ref.batches[batch]
        return quantity + buffer - self.ref.batch_lost.get(batch, 0)

    def report(
        self, rng: random.Random, mistake: bool, years: tuple[int, ...] = YEARS
    ) -> Draft | None:
        verifiers = sorted(i for i, roles in self.ref.roles.items() if "verifier" in roles)
        if not verifiers or not self.ref.batches:
            return None
        # A batch with kg left (a lost batch's report is one of the mistakes below).
        batches = sorted(b for b in self.ref.batches if self.left_kg(b) > 0)
        batch = rng.choice(batches or sorted(self.ref.batches))
        project, _, buffer = self.ref.batches[batch]
        left = self.left_kg(batch)
        lost = rng.randint(1, max(1, min(left, 2 * buffer)))
        verifier = rng.choice(verifiers)
        year = rng.choice(years)
        body: dict[str, Any] = {
            "reversal_id": self.fresh("rev"),
            "project_id": project,
            "batch_id": batch,
            "event_date": f"{year}-0{rng.randint(1, 9)}-1{rng.randrange(10)}",
            "cause": rng.choice(CAUSES),
            "lost_kg": lost,
            "report_hash": bytes([rng.randrange(256)] * 32).hex(),
            "verifier": verifier,
        }
        sender = party_key(verifier)
        variant = rng.randrange(5) if mistake else -1
        if variant == 0:  # verifier_not_accredited
            sender = party_key(NOT_A_VERIFIER)
        if variant == 1:  # batch_not_of_project, when there is another project
            others = sorted(p for p in self.ref.projects if p != project)
            body["project_id"] = rng.choice(others) if others else project
        if variant == 2 and self.ref.reversals:  # already_exists
            body["reversal_id"] = rng.choice(sorted(self.ref.reversals))
        if variant == 3:  # reversal_exceeds_batch
            body["lost_kg"] = left + 1
        if variant == 4:  # unknown_batch
            body["batch_id"] = "no-such-batch"
        return Draft("reversal.report", sender, (), body)

    def claim(self, rng: random.Random, mistake: bool) -> Draft | None:
        if not self.ref.reversals or not self.ref.policy_terms:
            return None
        reversal = rng.choice(sorted(self.ref.reversals))
        project = self.ref.reversals[reversal]["project_id"]
        own = sorted(p for p, t in self.ref.policy_terms.items() if t["subject_id"] == project)
        policy = rng.choice(own or sorted(self.ref.policy_terms))
        insured = self.ref.policy_terms[policy]["sum_insured_fen"]
        body: dict[str, Any] = {
            "claim_id": self.fresh("claim"),
            "policy_id": policy,
            "reversal_id": reversal,
            "claimed_fen": rng.randint(1, insured),
            "claim_hash": bytes([rng.randrange(256)] * 32).hex(),
        }
        sender = party_key(rng.choice(CLAIMANTS))
        variant = rng.randrange(5) if mistake else -1
        if variant == 0:  # signer_lacks_role
            sender = party_key(NOT_A_VERIFIER)
        if variant == 1:  # unknown_policy
            body["policy_id"] = "no-such-policy"
        if variant == 2:  # unknown_reversal
            body["reversal_id"] = "no-such-reversal"
        if variant == 3:  # claim_exceeds_sum_insured
            body["claimed_fen"] = insured + 1
        if variant == 4 and self.ref.claims:  # already_exists
            body["claim_id"] = rng.choice(sorted(self.ref.claims))
        return Draft("insurance.claim", sender, (), body)
