"""The worked example of reversal.report and insurance.claim, docs/STATE.md "Reversals and
insurance claims" (ADR 0033).

`python -m tests.vectors.reversal_example --rewrite` writes it into docs/STATE.md (between
its own markers) and tests/vectors/reversal-v1.json; test_single_examples.py fails when
either is stale. Chain id and time are those of docs/PROTOCOL.md §13, whose bytes this
leaves alone; the verifier's and the trading centre's keys are example keys made the §13
way. The storm, the loss, the report and the claim are illustrative.
"""

import sys

from contracts.reversal_records import (
    CLAIM_STATUS_FILED,
    BatchReversals,
    InsuranceClaim,
    InsuranceClaimBody,
    Reversal,
    ReversalReportBody,
)
from contracts.state_keys import batch_reversal_key, insurance_claim_key, reversal_key
from protocol.codec import copy_fields
from protocol.encoding import JsonObject
from protocol.hashing import sha256
from protocol.tx import SignedTx
from tests.vectors.protocol_examples import Section
from tests.vectors.state_examples import (
    add_signed_tx,
    add_state_record,
    signed_example_tx,
    state_example,
)

EXAMPLE = state_example("reversal", "Reversals and insurance claims")
VERIFIER = "ningbo-marine-monitoring"
TRADING_CENTRE = "ningbo-ptc"
PROJECT_ID = "huangbiao-mariculture"
BATCH_ID = "huangbiao-mariculture-2022-v1"
ISSUED_KG, BUFFER_KG = 450_000, 50_000
"""The Xiangshan batch: serials 1..450,000 issued, 450,001..500,000 its buffer."""
REVERSAL_ID = "huangbiao-storm-2023"
CLAIM_ID = "eco-account-claim-2023-1"
REPORT_HEIGHT, CLAIM_HEIGHT = 17, 18
REPORT_DOCUMENT = "黄避岙养殖区台风损失核查报告（示例 illustrative）".encode()
CLAIM_DOCUMENT = "象山县蓝碳生态碳账户综合保险理赔申请（示例 illustrative）".encode()
"""The documents as filed (off chain); the chain keeps their SHA-256 only."""
REPORT_BODY: JsonObject = {
    "reversal_id": REVERSAL_ID,
    "project_id": PROJECT_ID,
    "batch_id": BATCH_ID,
    "event_date": "2023-09-14",
    "cause": "storm",
    "lost_kg": 60_000,
    "report_hash": sha256(REPORT_DOCUMENT).hex(),
    "verifier": VERIFIER,
}
CLAIM_BODY: JsonObject = {
    "claim_id": CLAIM_ID,
    "policy_id": "eco-account-comprehensive-2023",
    "reversal_id": REVERSAL_ID,
    "claimed_fen": 6_000_000,
    "claim_hash": sha256(CLAIM_DOCUMENT).hex(),
}


def example_txs() -> tuple[SignedTx, SignedTx]:
    """The verifier's reversal.report and the trading centre's insurance.claim (nonce 1 each)."""
    reporting = signed_example_tx(VERIFIER, "reversal.report", 1, REPORT_BODY)
    return reporting, signed_example_tx(TRADING_CENTRE, "insurance.claim", 1, CLAIM_BODY)


def example_records() -> tuple[Reversal, BatchReversals, InsuranceClaim]:
    reporting, claiming = example_txs()
    body = ReversalReportBody.from_json(reporting.tx.body)
    reversal = copy_fields(
        Reversal,
        body,
        reported_by=reporting.tx.sender,
        height=REPORT_HEIGHT,
        buffer_drawn_kg=BUFFER_KG,
        drawn_first_serial=ISSUED_KG + 1,
        drawn_last_serial=ISSUED_KG + BUFFER_KG,
        uncovered_kg=body.lost_kg - BUFFER_KG,
    )
    totals = BatchReversals(
        batch_id=BATCH_ID,
        lost_kg=body.lost_kg,
        buffer_drawn_kg=BUFFER_KG,
        uncovered_kg=reversal.uncovered_kg,
        reversal_ids=(REVERSAL_ID,),
    )
    claim = copy_fields(
        InsuranceClaim,
        InsuranceClaimBody.from_json(claiming.tx.body),
        project_id=PROJECT_ID,
        status=CLAIM_STATUS_FILED,
        claimed_by=claiming.tx.sender,
        height=CLAIM_HEIGHT,
    )
    return reversal, totals, claim


def build_section() -> Section:
    reporting, claiming = example_txs()
    reversal, totals, claim = example_records()
    section = Section(
        "A worked example",
        f"{VERIFIER} (an accredited verifier, not the project's issuer; its key is the §13 "
        f"example key of that name) reports at height {REPORT_HEIGHT} that a storm on "
        "2023-09-14 destroyed 60,000 kg of the Huangbi'ao 2022 batch's sink. The batch's "
        "whole buffer, serials 450,001..500,000, is cancelled; the other 10,000 kg are "
        "recorded as uncovered, and no held or retired serial changes. At height "
        f"{CLAIM_HEIGHT} {TRADING_CENTRE} records a claim of 60,000 yuan (6,000,000 fen) "
        "for the loss under the Ecological Account's comprehensive policy, which holds the "
        "batch's retired credits. The document hashes are SHA-256 of the files as filed "
        "(`tests/vectors/reversal_example.py`). Chain id and time as in docs/PROTOCOL.md §13.",
    )
    add_signed_tx(section, reporting, "reversal.report")
    add_state_record(section, reversal_key(REVERSAL_ID), reversal.to_json())
    add_state_record(section, batch_reversal_key(BATCH_ID), totals.to_json())
    add_signed_tx(section, claiming, "insurance.claim")
    add_state_record(section, insurance_claim_key(CLAIM_ID), claim.to_json())
    return section


if __name__ == "__main__":
    sys.exit(EXAMPLE.main(sys.argv[1:], build_section()))
