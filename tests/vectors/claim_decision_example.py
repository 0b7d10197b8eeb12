"""The worked example of insurance.claim_decide, docs/STATE.md "Insurance claim decisions"
(ADR 0035).

`python -m tests.vectors.claim_decision_example --rewrite` writes it into docs/STATE.md
(between its own markers) and tests/vectors/claim-decision-v1.json; test_single_examples.py
fails when either is stale. It continues the reversal example (docs/STATE.md "Reversals and
insurance claims"): the claim filed there at height 18 is accepted, then paid, by the trading
centre that attested its policy. Chain id and time are those of docs/PROTOCOL.md §13; the
decision and payment documents are illustrative.
"""

import sys
from dataclasses import replace

from contracts.claim_decision_records import (
    ClaimDecideBody,
    ClaimStatus,
    InsuranceClaimDecision,
    decision_step,
)
from contracts.reversal_records import InsuranceClaim
from contracts.state_keys import insurance_claim_decision_key, insurance_claim_key
from protocol.encoding import JsonObject
from protocol.hashing import sha256
from protocol.tx import SignedTx
from tests.vectors import reversal_example
from tests.vectors.protocol_examples import Section
from tests.vectors.state_examples import (
    add_signed_tx,
    add_state_record,
    signed_example_tx,
    state_example,
)

EXAMPLE = state_example("claim-decision", "Insurance claim decisions")
TRADING_CENTRE = reversal_example.TRADING_CENTRE
"""ningbo-ptc: it attested the Ecological Account's policy, so it records the decisions."""
CLAIM_ID = reversal_example.CLAIM_ID
ACCEPT_HEIGHT, PAY_HEIGHT = 25, 31
DECISION_DOCUMENT = "生态碳账户综合保险理赔核定通知书（示例 illustrative）".encode()
PAYMENT_DOCUMENT = "生态碳账户综合保险赔款支付凭证（示例 illustrative）".encode()
"""The insurer's documents as issued (off chain); the chain keeps their SHA-256 only."""
ACCEPT_BODY: JsonObject = {
    "claim_id": CLAIM_ID,
    "decision": ClaimStatus.ACCEPTED,
    "decided_fen": 5_000_000,
    "decision_hash": sha256(DECISION_DOCUMENT).hex(),
}
PAY_BODY: JsonObject = {
    "claim_id": CLAIM_ID,
    "decision": ClaimStatus.PAID,
    "decided_fen": 5_000_000,
    "decision_hash": sha256(PAYMENT_DOCUMENT).hex(),
}


def example_txs() -> tuple[SignedTx, SignedTx]:
    """The trading centre's two insurance.claim_decide txs (its nonces 2 and 3: its nonce 1
    is the reversal example's insurance.claim)."""
    accepting = signed_example_tx(TRADING_CENTRE, "insurance.claim_decide", 2, ACCEPT_BODY)
    return accepting, signed_example_tx(TRADING_CENTRE, "insurance.claim_decide", 3, PAY_BODY)


def example_records() -> tuple[
    InsuranceClaimDecision, InsuranceClaim, InsuranceClaimDecision, InsuranceClaim
]:
    """The decision record and the claim after the acceptance, then after the payment."""
    filed = reversal_example.example_records()[2]
    records: list[InsuranceClaimDecision] = []
    for signed, height in zip(example_txs(), (ACCEPT_HEIGHT, PAY_HEIGHT), strict=True):
        body = ClaimDecideBody.from_json(signed.tx.body)
        earlier = records[-1] if records else None
        records.append(decision_step(earlier, filed, body, signed.tx.sender, height))
    accepted, paid = records
    return (
        accepted,
        replace(filed, status=ClaimStatus.ACCEPTED),
        paid,
        replace(filed, status=ClaimStatus.PAID),
    )


INTRO = (
    f"The claim of the reversal example above ({CLAIM_ID}, 60,000 yuan claimed at height "
    f"{reversal_example.CLAIM_HEIGHT}) is assessed by the insurer, which accepts 50,000 "
    f"yuan (5,000,000 fen); {TRADING_CENTRE}, which attested the policy, records the "
    f"decision at height {ACCEPT_HEIGHT} and the payment of the 50,000 yuan at height "
    f"{PAY_HEIGHT}. Each step rewrites the claim's `status` and nothing else of it; the "
    "decision record keeps what each step decided. The policy's totals, derived on read, "
    "then read 6,000,000 fen claimed, 5,000,000 accepted, 5,000,000 paid, not "
    "over-claimed. The document hashes are SHA-256 of the files as issued "
    "(`tests/vectors/claim_decision_example.py`). Chain id and time as in "
    "docs/PROTOCOL.md §13."
)


def build_section() -> Section:
    section = Section("A worked example", INTRO)
    records = example_records()
    steps = zip(("accepted", "paid"), example_txs(), (records[:2], records[2:]), strict=True)
    for decision, signed, (record, claim) in steps:
        add_signed_tx(section, signed, f"insurance.claim_decide ({decision})")
        add_state_record(section, insurance_claim_decision_key(CLAIM_ID), record.to_json())
        add_state_record(section, insurance_claim_key(CLAIM_ID), claim.to_json())
    return section


if __name__ == "__main__":
    sys.exit(EXAMPLE.main(sys.argv[1:], build_section()))
