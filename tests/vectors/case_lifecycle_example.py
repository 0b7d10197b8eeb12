"""The worked example of case.judgment and case.close, docs/STATE.md "Case lifecycle"
(ADR 0029).

`python -m tests.vectors.case_lifecycle_example --rewrite` writes it into docs/STATE.md
(between its own markers) and tests/vectors/case-lifecycle-v1.json; test_single_examples.py
fails when either is stale. Chain id and time are those of docs/PROTOCOL.md §13, whose bytes
this leaves alone; the court's key is an example key made the §13 way. The judgment and
closing documents are illustrative; the compensation is the Xiangshan order's 122,366 yuan.
"""

import sys

from contracts.case_lifecycle_records import (
    CaseCloseBody,
    CaseClosure,
    CaseJudgment,
    CaseJudgmentBody,
)
from contracts.state_keys import case_closure_key, case_judgment_key
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

EXAMPLE = state_example("case-lifecycle", "Case lifecycle")
COURT = "xiangshan-court"
CASE_ID = "xiangshan-2023-marine-001"
JUDGMENT_HEIGHT, CLOSURE_HEIGHT = 15, 16
JUDGMENT_DOCUMENT = "（2023）浙0225刑初001号 刑事附带民事判决书（示例 illustrative）".encode()
CLOSING_DOCUMENT = "（2023）浙0225刑初001号 结案通知（示例 illustrative）".encode()
"""The documents as filed (off chain); the chain keeps their SHA-256 only."""
JUDGMENT_BODY: JsonObject = {
    "case_id": CASE_ID,
    "judgment_hash": sha256(JUDGMENT_DOCUMENT).hex(),
    "judgment_date": "2023-09-15",
    "compensation_fen": 12_236_600,
    "harm_site": "象山县黄避岙乡海域 Huangbi'ao sea area, Xiangshan",
    "ecosystem": "mariculture",
}
CLOSE_BODY: JsonObject = {
    "case_id": CASE_ID,
    "outcome": "satisfied",
    "document_hash": sha256(CLOSING_DOCUMENT).hex(),
}


def example_txs() -> tuple[SignedTx, SignedTx]:
    """The court's case.judgment (nonce 1) and case.close (nonce 2)."""
    judgment = signed_example_tx(COURT, "case.judgment", 1, JUDGMENT_BODY)
    return judgment, signed_example_tx(COURT, "case.close", 2, CLOSE_BODY)


def example_records() -> tuple[CaseJudgment, CaseClosure]:
    judging, closing = example_txs()
    judgment = copy_fields(
        CaseJudgment,
        CaseJudgmentBody.from_json(judging.tx.body),
        judged_by=judging.tx.sender,
        height=JUDGMENT_HEIGHT,
    )
    closure = copy_fields(
        CaseClosure,
        CaseCloseBody.from_json(closing.tx.body),
        closed_by=closing.tx.sender,
        height=CLOSURE_HEIGHT,
    )
    return judgment, closure


def build_section() -> Section:
    judging, closing = example_txs()
    judgment, closure = example_records()
    section = Section(
        "A worked example",
        f"{COURT} (the court the Xiangshan case names; its key is the §13 example key of "
        f"that name) records its judgment at height {JUDGMENT_HEIGHT}: 122,366 yuan "
        "(12,236,600 fen) of compensation for the harm at the Huangbi'ao sea area. The "
        "obligors' 422,500 kg were retired for the case before, so its status is "
        f"`satisfied`; at height {CLOSURE_HEIGHT} the court closes it with outcome "
        "`satisfied`, and its status is `closed`. The document hashes are SHA-256 of the "
        "files as filed (`tests/vectors/case_lifecycle_example.py`). Chain id and time as "
        "in docs/PROTOCOL.md §13.",
    )
    add_signed_tx(section, judging, "case.judgment")
    add_state_record(section, case_judgment_key(CASE_ID), judgment.to_json())
    add_signed_tx(section, closing, "case.close")
    add_state_record(section, case_closure_key(CASE_ID), closure.to_json())
    return section


if __name__ == "__main__":
    sys.exit(EXAMPLE.main(sys.argv[1:], build_section()))
