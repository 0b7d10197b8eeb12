"""The Xiangshan case as a court relies on it (issue 17): the steps of xiangshan_case.py, with
the sink certified by an accredited verifier instead of recorded by the issuer.

The validators' quorum registers a marine environment monitoring centre as an institution
holding `verifier` (ADR 0026, 0019); the county records the project's boundary and sea-area
use certificate (ADR 0027); the centre attests the 2022 verification (monitoring period,
HY/T 0305-2021, net sink, labelled report hashes) under the id the county issues from, so
the batch is issued within the attested kg; the batch carries labels and a link to the
Xiamen platform (ADR 0028); then the case, the subscription and the judicial retirement run
as in xiangshan_case.py, with the court's judgment (compensation, harm site, ecosystem; ADR
0029) recorded before the judicial retirement that satisfies the case, and the subscription
carrying the price the obligors paid (ADR 0031). Every step that is
identical there is taken from there.

Illustrative throughout, like xiangshan_case.py: the centre's role in this case, the
certificate number, centroid, area, external id, judgment date, compensation, price, harm
site and document hashes are placeholders, not the real ones. Fixed inputs: the same bytes on
every run.
"""

from dataclasses import replace

from genesis.example.parties import document_hash, party_key
from genesis.example.xiangshan_case import (
    BATCH_ID,
    CASE_ID,
    PROJECT_ID,
    SUBSCRIBED_KG,
    VERIFICATION_ID,
    VERIFIED_KG,
    XIANGSHAN_CASE_STEPS,
    CaseStep,
)

VERIFIER_ID = "ningbo-marine-monitoring"
VERIFIER_NAME_ZH = "宁波海洋环境监测中心站（示例）"
VERIFIER_NAME_EN = "Ningbo Marine Environment Monitoring Centre (illustrative)"
METHODOLOGY_ID = "HY/T 0305-2021"
METHODOLOGY_VERSION = "2021"
"""HY/T 0305-2021, the carbon sink accounting method for mariculture, in its 2021 edition."""
CERTIFICATE_NUMBER = "2021B33022500017"
"""An illustrative sea-area use certificate number (330225 is Xiangshan's county code)."""
XIAMEN_PLATFORM_ID = "EXAMPLE-HBA-2022-0001"
"""An illustrative id on the Xiamen platform, upper case as ADR 0028 asks."""
JUDGMENT_HASH = document_hash("xiangshan court judgment")
"""Stand-in SHA-256 of the judgment document (判决书), which stays off chain."""
SUBSCRIPTION_PRICE_FEN_PER_T = 10_000
"""100 yuan a tonne: illustrative, the price the obligors pay for the credits they subscribe."""
COMPENSATION_FEN = SUBSCRIBED_KG * SUBSCRIPTION_PRICE_FEN_PER_T // 1000
"""42,250 yuan: illustrative, 422.5 t at 100 yuan a tonne (not the real order's amount); the
priced subscription records the same total (ADR 0031)."""
QUORUM_COSIGNER = "ningbo-ptc"
"""With the sender xiangshan-county, two of the three validators: the quorum of ADR 0019."""


def case_step(tx_type: str) -> CaseStep:
    """The one step of xiangshan_case.py of this tx type."""
    (step,) = [step for step in XIANGSHAN_CASE_STEPS if step.tx_type == tx_type]
    return step


VERIFIER_REGISTERED = CaseStep(
    label="The validators register the monitoring centre as an accredited verifier",
    tx_type="institution.register",
    sender="xiangshan-county",
    cosigners=(QUORUM_COSIGNER,),
    body={
        "institution_id": VERIFIER_ID,
        "name_zh": VERIFIER_NAME_ZH,
        "name_en": VERIFIER_NAME_EN,
        "roles": ["verifier"],
        "public_keys": [party_key(VERIFIER_ID).public_key.hex()],
    },
)
TENURE_RECORDED = CaseStep(
    label="Xiangshan County records the project's boundary and sea-area use certificate",
    tx_type="project.tenure",
    sender="xiangshan-county",
    body={
        # The certificate first, as a court reads it; then the site it covers.
        "certificate_kind": "sea_area_use",
        "certificate_number": CERTIFICATE_NUMBER,
        "project_id": PROJECT_ID,
        "boundary_sha256": document_hash("huangbiao mariculture boundary geojson").hex(),
        "centroid_lat_udeg": 29_540_000,
        "centroid_lon_udeg": 121_770_000,
        "area_m2": 3_400_000,
    },
)
VERIFICATION_ATTESTED = CaseStep(
    label="The monitoring centre attests the 2022 verification (HY/T 0305-2021)",
    tx_type="verification.attest",
    sender=VERIFIER_ID,
    body={
        "verification_id": VERIFICATION_ID,
        "project_id": PROJECT_ID,
        "period_start": "2022-01-01",
        "period_end": "2022-12-31",
        "methodology_id": METHODOLOGY_ID,
        "methodology_version": METHODOLOGY_VERSION,
        "net_sink_kg": VERIFIED_KG,
        "reports": [
            {
                "label": "monitoring_report",
                "sha256": document_hash("huangbiao 2022 monitoring report").hex(),
            },
            {
                "label": "tenure_certificate",
                "sha256": document_hash("huangbiao sea-area use certificate").hex(),
            },
            {
                "label": "verification_report",
                "sha256": document_hash("huangbiao 2022 verification report").hex(),
            },
        ],
        "verifier": VERIFIER_ID,
    },
)
BATCH_LINKED = CaseStep(
    label="Xiangshan County labels the batch and links it to the Xiamen platform",
    tx_type="batch.link",
    sender="xiangshan-county",
    body={
        "batch_id": BATCH_ID,
        "labels": ["judicial_use", "mariculture"],
        "external_ids": [{"registry": "xiamen_ptc", "id": XIAMEN_PLATFORM_ID}],
    },
)
JUDGMENT_RECORDED = CaseStep(
    label="The Xiangshan County Court records its judgment in the case",
    tx_type="case.judgment",
    sender="xiangshan-court",
    body={
        "case_id": CASE_ID,
        "judgment_hash": JUDGMENT_HASH.hex(),
        "judgment_date": "2023-06-28",
        "compensation_fen": COMPENSATION_FEN,
        "harm_site": "象山港海域（示例） Xiangshan Harbour waters (illustrative)",
        "ecosystem": "mariculture",
    },
)

_SUBSCRIPTION = case_step("credits.transfer")
SUBSCRIPTION_PRICED = replace(
    _SUBSCRIPTION,
    label="Obligors subscribe 422,500 kg at 100 yuan/t into the Ecological Account via Ningbo PTC",
    tx_type="credits.transfer_priced",
    body={
        **_SUBSCRIPTION.body,
        "unit_price_fen_per_t": SUBSCRIPTION_PRICE_FEN_PER_T,
        "currency": "CNY",
        "agreement_hash": document_hash("obligors' subscription agreement").hex(),
    },
)
"""The subscription with its price on record (ADR 0031): the same transfer, brokered and
co-signed by Ningbo PTC, plus what the obligors paid; the registry never settles it."""

COURT_GRADE_STEPS: tuple[CaseStep, ...] = (
    case_step("account.open"),
    case_step("project.register"),
    TENURE_RECORDED,
    VERIFIER_REGISTERED,
    VERIFICATION_ATTESTED,
    replace(
        case_step("credits.issue"),
        label="Xiangshan County issues the 2022 vintage batch within the attested verification",
    ),
    BATCH_LINKED,
    case_step("case.register"),
    JUDGMENT_RECORDED,
    SUBSCRIPTION_PRICED,
    case_step("credits.retire_judicial"),
    case_step("insurance.attest"),
)


def court_grade_steps() -> tuple[CaseStep, ...]:
    return COURT_GRADE_STEPS
