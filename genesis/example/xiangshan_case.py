"""The Xiangshan case of MISSION.md as a fixed tx sequence, shared by tests, vectors and the demo.

Huangbi'ao Township's mariculture sink (HY/T 0305-2021) is registered, verified and issued;
the procuratorate files the case at the Xiangshan County Court; the obligors' subscription
of 422,500 kg, brokered by Ningbo PTC, lands in the Ecological Account; the judicial
retirement is confirmed by the court. Every input is fixed: same bytes on every run.
The case number and document hashes are illustrative placeholders, not the real ones.
"""

from dataclasses import dataclass

from genesis.example.parties import ECO_ACCOUNT, ECO_ACCOUNT_NAME, document_hash, party_key
from protocol.encoding import JsonObject

TOWNSHIP_ACCOUNT = "huangbiao-township"
PROJECT_ID = "huangbiao-mariculture"
VERIFICATION_ID = "huangbiao-mariculture-2022"
BATCH_ID = "huangbiao-mariculture-2022-v1"
CASE_ID = "xiangshan-2023-marine-001"
SUBSCRIBED_KG = 422_500
"""422.5 t CO2e: the obligors' subscription and judicial retirement."""
VERIFIED_KG = 500_000
ISSUED_KG = 450_000
BUFFER_KG = 50_000


@dataclass(frozen=True, slots=True, kw_only=True)
class CaseStep:
    """One tx of the case: who sends it, who co-signs, and its body."""

    label: str
    tx_type: str
    sender: str
    """Name whose party_key signs and whose nonce the tx uses."""
    body: JsonObject
    cosigners: tuple[str, ...] = ()
    """Names whose keys sign beside the sender's (a broker, the court); most txs have none."""


XIANGSHAN_CASE_STEPS: tuple[CaseStep, ...] = (
    CaseStep(
        label="Ningbo PTC opens the Huangbi'ao Township account",
        tx_type="account.open",
        sender="ningbo-ptc",
        body={
            "account_id": TOWNSHIP_ACCOUNT,
            "holder_key": party_key(TOWNSHIP_ACCOUNT).public_key.hex(),
            "display_name": "象山县黄避岙乡人民政府 Huangbi'ao Township Government",
            "kind": "government",
        },
    ),
    CaseStep(
        label="Xiangshan County registers the Huangbi'ao mariculture project",
        tx_type="project.register",
        sender="xiangshan-county",
        body={
            "project_id": PROJECT_ID,
            "name_zh": "黄避岙乡海水养殖渔业碳汇项目",
            "name_en": "Huangbi'ao Township mariculture fishery carbon sink",
            "ecosystem": "mariculture",
            "location": "浙江省宁波市象山县黄避岙乡 Huangbi'ao, Xiangshan, Ningbo, Zhejiang",
            "accounting_standard": "HY/T 0305-2021",
            "owner": "象山县黄避岙乡人民政府",
            "document_hashes": [document_hash("huangbiao project design document").hex()],
        },
    ),
    CaseStep(
        label="Xiangshan County records the 2022 verification",
        tx_type="verification.record",
        sender="xiangshan-county",
        body={
            "verification_id": VERIFICATION_ID,
            "project_id": PROJECT_ID,
            "period_start": "2022-01-01",
            "period_end": "2022-12-31",
            "verification_body": "第三方核查机构（示例） third-party verifier (illustrative)",
            "report_hashes": [document_hash("huangbiao 2022 verification report").hex()],
            "verified_kg": VERIFIED_KG,
        },
    ),
    CaseStep(
        label="Xiangshan County issues the 2022 vintage batch (10% buffer)",
        tx_type="credits.issue",
        sender="xiangshan-county",
        body={
            "batch_id": BATCH_ID,
            "verification_id": VERIFICATION_ID,
            "vintage": 2022,
            "quantity_kg": ISSUED_KG,
            "buffer_kg": BUFFER_KG,
            "to_account": TOWNSHIP_ACCOUNT,
        },
    ),
    CaseStep(
        label="The procuratorate registers the case at the Xiangshan County Court",
        tx_type="case.register",
        sender="xiangshan-procuratorate",
        body={
            "case_id": CASE_ID,
            "court": "xiangshan-court",
            "case_number": "（2023）浙0225刑初001号（示例 illustrative）",
            "case_type": "刑事附带民事公益诉讼 criminal, incidental civil public-interest suit",
            "plaintiff": "xiangshan-procuratorate",
            "obligors": [
                {"masked_name": "王某某", "id_hash": document_hash("salt|obligor 1").hex()},
                {"masked_name": "李某某", "id_hash": document_hash("salt|obligor 2").hex()},
            ],
            "required_kg": SUBSCRIBED_KG,
            "document_hash": document_hash("indictment and civil claim").hex(),
        },
    ),
    CaseStep(
        label="Obligors subscribe 422,500 kg into the Ecological Account via Ningbo PTC",
        tx_type="credits.transfer",
        sender=TOWNSHIP_ACCOUNT,
        body={
            "from_account": TOWNSHIP_ACCOUNT,
            "to_account": ECO_ACCOUNT,
            "batch_id": BATCH_ID,
            "quantity_kg": SUBSCRIBED_KG,
            "broker": "ningbo-ptc",
        },
        cosigners=("ningbo-ptc",),
    ),
    CaseStep(
        label="Judicial retirement for the case, confirmed by the court",
        tx_type="credits.retire_judicial",
        sender="xiangshan-county",
        body={
            "case_id": CASE_ID,
            "account_id": ECO_ACCOUNT,
            "batch_id": BATCH_ID,
            "quantity_kg": SUBSCRIBED_KG,
            "beneficiary": ECO_ACCOUNT_NAME,
        },
        cosigners=("xiangshan-court",),
    ),
    CaseStep(
        label="Ningbo PTC attests the Ecological Account's comprehensive insurance",
        tx_type="insurance.attest",
        sender="ningbo-ptc",
        body={
            "policy_id": "eco-account-comprehensive-2023",
            "insurer": "保险公司（示例） insurer (illustrative)",
            "policyholder": "象山县发展和改革局",
            "coverage": "carbon_account_comprehensive",
            "subject_kind": "account",
            "subject_id": ECO_ACCOUNT,
            "sum_insured_fen": 100_000_000,
            "period_start": "2023-01-01",
            "period_end": "2023-12-31",
            "clause_hash": document_hash("carbon account insurance clauses").hex(),
        },
    ),
)


def xiangshan_case_steps() -> tuple[CaseStep, ...]:
    return XIANGSHAN_CASE_STEPS
