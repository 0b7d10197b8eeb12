"""Drafts of case.judgment and case.close (ADR 0029) for the contracts property test, used by
tests/vectors/contracts/tx_generators.py's TxGenerator (None: nothing to draft, it drafts
something else).

A satisfied case is closed "satisfied" when one is open; otherwise a case is sometimes
withdrawn or terminated, so closed cases keep drawing judicial retirements (refused).
"""

import random
from typing import Any

from genesis.example.parties import party_key
from tests.property.contracts_reference import ReferenceLedger
from tests.vectors.contracts.drafts import Draft

CASE_COURT = "xiangshan-court"
NOT_A_COURT = "xiangshan-procuratorate"
ECOSYSTEMS = ("mariculture", "mudflat", "salt_marsh", "seagrass")


class CaseDrafts:
    def __init__(self, ref: ReferenceLedger) -> None:
        self.ref = ref

    def open_cases(self) -> list[str]:
        return sorted(c for c in self.ref.cases if c not in self.ref.closures)

    def judgment(self, rng: random.Random, mistake: bool) -> Draft | None:
        unjudged = [c for c in self.open_cases() if c not in self.ref.judged]
        if not unjudged:
            return None
        body: dict[str, Any] = {
            "case_id": rng.choice(unjudged),
            "judgment_hash": bytes([rng.randrange(256)] * 32).hex(),
            "judgment_date": f"202{rng.randrange(5)}-0{rng.randint(1, 9)}-1{rng.randrange(10)}",
            "compensation_fen": rng.choice([0, rng.randint(1, 10**15)]),
            "harm_site": "象山县海域",
            "ecosystem": rng.choice(ECOSYSTEMS),
        }
        return self._mistaken("case.judgment", rng, body, "case_already_judged", mistake)

    def close(self, rng: random.Random, mistake: bool) -> Draft | None:
        open_ = self.open_cases()
        satisfied = [c for c in open_ if self.ref.status_of(c) == "satisfied"]
        outcome = rng.choice(["withdrawn", "terminated"])
        if satisfied:
            case, outcome = rng.choice(satisfied), "satisfied"
        elif open_ and rng.randrange(3) == 0:
            case = rng.choice(open_)
        else:
            return None
        body: dict[str, Any] = {
            "case_id": case,
            "outcome": outcome,
            "document_hash": bytes([rng.randrange(256)] * 32).hex(),
        }
        return self._mistaken("case.close", rng, body, "case_not_satisfied", mistake)

    def _mistaken(
        self, tx_type: str, rng: random.Random, body: dict[str, Any], own: str, mistake: bool
    ) -> Draft:
        """The draft, or one of its refusals: signer_lacks_role, unknown_case, case_closed,
        or own (case_already_judged, case_not_satisfied) where a case allows it."""
        sender = party_key(CASE_COURT)
        variant = rng.randrange(4) if mistake else -1
        if variant == 0:
            sender = party_key(NOT_A_COURT)
        if variant == 1:
            body["case_id"] = "no-such-case"
        if variant == 2 and self.ref.closures:
            body["case_id"] = rng.choice(sorted(self.ref.closures))
        if variant == 3 and own == "case_already_judged":
            judged = sorted(c for c in self.ref.judged if c not in self.ref.closures)
            body["case_id"] = rng.choice(judged) if judged else body["case_id"]
        if variant == 3 and own == "case_not_satisfied":
            short = [c for c in self.open_cases() if self.ref.status_of(c) != "satisfied"]
            body |= {"case_id": rng.choice(short), "outcome": "satisfied"} if short else {}
        return Draft(tx_type, sender, (), body)
