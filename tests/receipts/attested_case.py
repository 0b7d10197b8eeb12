"""The Xiangshan case with an accredited verification (ADR 0026) and a judgment (ADR
0029), for format-4 receipts (ADR 0030).

The same steps as genesis/example/xiangshan_case.py, except that the 2022 verification is
not recorded by the issuer: the validator quorum grants the Blue Carbon Audit Office the
`verifier` role and it attests the period, so the batch stands on
`attested_verification/<id>` and `verification/<id>` is absent; and after the case is
registered the court records its judgment (122,366 yuan). Every input is fixed.
"""

from genesis.example.parties import document_hash
from genesis.example.xiangshan_case import (
    CASE_ID,
    PROJECT_ID,
    VERIFICATION_ID,
    VERIFIED_KG,
    CaseStep,
    xiangshan_case_steps,
)
from protocol.encoding import JsonObject

VERIFIER = "blue-carbon-auditor"
ATTEST_BODY: JsonObject = {
    "verification_id": VERIFICATION_ID,
    "project_id": PROJECT_ID,
    "period_start": "2022-01-01",
    "period_end": "2022-12-31",
    "methodology_id": "HY/T 0305-2021",
    "methodology_version": "2021",
    "net_sink_kg": VERIFIED_KG,
    "reports": [
        {"label": "monitoring_report", "sha256": document_hash("huangbiao 2022 monitoring").hex()},
        {"label": "tenure_certificate", "sha256": document_hash("huangbiao sea-area use").hex()},
        {
            "label": "verification_report",
            "sha256": document_hash("huangbiao 2022 verification report").hex(),
        },
    ],
    "verifier": VERIFIER,
}
ACCREDITATION = (
    CaseStep(
        label="The validator quorum accredits the Blue Carbon Audit Office as a verifier",
        tx_type="role.grant",
        sender="xiangshan-county",
        body={"institution_id": VERIFIER, "role": "verifier"},
        cosigners=("ningbo-ptc",),
    ),
    CaseStep(
        label="The Blue Carbon Audit Office attests the 2022 verification",
        tx_type="verification.attest",
        sender=VERIFIER,
        body=ATTEST_BODY,
    ),
)


JUDGMENT = CaseStep(
    label="The court records its judgment: 122,366 yuan to buy equivalent carbon sinks",
    tx_type="case.judgment",
    sender="xiangshan-court",
    body={
        "case_id": CASE_ID,
        "judgment_hash": document_hash("xiangshan 2023 marine 001 judgment").hex(),
        "judgment_date": "2023-09-15",
        "compensation_fen": 12_236_600,
        "harm_site": "象山县黄避岙乡海域 Huangbi'ao sea area, Xiangshan",
        "ecosystem": "mariculture",
    },
)


def attested_case_steps() -> tuple[CaseStep, ...]:
    """xiangshan_case_steps with its verification.record replaced by ACCREDITATION and
    JUDGMENT right after the case's registration."""
    steps: list[CaseStep] = []
    for step in xiangshan_case_steps():
        steps += ACCREDITATION if step.tx_type == "verification.record" else (step,)
        steps += (JUDGMENT,) if step.tx_type == "case.register" else ()
    return tuple(steps)
