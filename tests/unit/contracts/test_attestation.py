"""verification.attest and issuance from it (ADR 0026): a verifier institution signs the
verification, issuance stays within its kg and its period's years, a suspended verifier's
later attestations are refused while its earlier ones stay issuable."""

from typing import Any

import pytest

from contracts import MemoryState, genesis_state
from contracts.bodies_registry import VerificationAttestBody
from contracts.credit_records import AttestedVerification, Verification
from contracts.records import Institution
from contracts.state_keys import attested_verification_key, verification_key
from contracts.store import load
from genesis.example.parties import genesis_accounts, institutions, party_key, validator_set
from genesis.example.xiangshan_case import PROJECT_ID, TOWNSHIP_ACCOUNT
from protocol.errors import FieldTypeError, SchemaError
from tests.unit.contracts.conftest import run_steps
from tests.vectors.contracts.network import TestChain

COUNTY, NINGBO = party_key("xiangshan-county"), party_key("ningbo-ptc")
AUDITOR, COURT = party_key("zhejiang-auditor"), party_key("xiangshan-court")
VERIFIER_ID = "zhejiang-auditor"
GRANT = {"institution_id": VERIFIER_ID, "role": "verifier"}


def attest_body(verification_id: str = "huangbiao-2023", **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "verification_id": verification_id,
        "project_id": PROJECT_ID,
        "period_start": "2023-01-01",
        "period_end": "2023-12-31",
        "methodology_id": "CCER-14-002",
        "methodology_version": "V01",
        "net_sink_kg": 100_000,
        "reports": [
            {"label": "monitoring_report", "sha256": "11" * 32},
            {"label": "verification_report", "sha256": "22" * 32},
        ],
        "verifier": VERIFIER_ID,
    }
    return body | changes


def issue_body(batch_id: str, verification_id: str, total: int, vintage: int = 2023) -> Any:
    buffer = total // 10
    return {
        "batch_id": batch_id,
        "verification_id": verification_id,
        "vintage": vintage,
        "quantity_kg": total - buffer,
        "buffer_kg": buffer,
        "to_account": TOWNSHIP_ACCOUNT,
    }


@pytest.fixture
def project() -> TestChain:
    """The township account and the Huangbi'ao project (registered by the county)."""
    return run_steps(TestChain.create(), 2)


@pytest.fixture
def accredited(project: TestChain) -> TestChain:
    """As project, and the auditor institution granted `verifier` by the validator quorum."""
    assert project.submit("role.grant", COUNTY, GRANT, (NINGBO,)).reason is None
    return project


def attested(chain: TestChain, verification_id: str) -> AttestedVerification | None:
    key = attested_verification_key(verification_id)
    return load(chain.state, key, AttestedVerification.from_json)


def test_an_accredited_verifier_attests_and_the_issuer_issues_within_it(
    accredited: TestChain,
) -> None:
    assert accredited.submit("verification.attest", AUDITOR, attest_body()).reason is None
    record = attested(accredited, "huangbiao-2023")
    assert record is not None
    assert record.attested_by == AUDITOR.public_key and record.height == accredited.height
    assert record.issued_kg == 0 and record.verifier == VERIFIER_ID
    assert record.to_json() == {
        **attest_body(),
        "attested_by": AUDITOR.public_key.hex(),
        "height": accredited.height,
        "issued_kg": 0,
    }
    issue = issue_body("b-1", "huangbiao-2023", 60_000)
    assert accredited.submit("credits.issue", COUNTY, issue).reason is None
    record = attested(accredited, "huangbiao-2023")
    assert record is not None and record.issued_kg == 60_000
    # 40,000 kg are left: 40,001 is refused, 40,000 accepted, then nothing is left.
    over = issue_body("b-2", "huangbiao-2023", 40_010)
    assert accredited.submit("credits.issue", COUNTY, over).reason == "exceeds_verified"
    rest = issue_body("b-2", "huangbiao-2023", 40_000)
    assert accredited.submit("credits.issue", COUNTY, rest).reason is None
    again = issue_body("b-3", "huangbiao-2023", 10)
    assert accredited.submit("credits.issue", COUNTY, again).reason == "exceeds_verified"


@pytest.mark.parametrize(
    ("period", "vintage", "reason"),
    [
        (("2023-01-01", "2023-12-31"), 2023, None),
        (("2023-01-01", "2023-12-31"), 2022, "vintage_outside_period"),
        (("2023-01-01", "2023-12-31"), 2024, "vintage_outside_period"),
        (("2022-07-01", "2023-06-30"), 2022, None),
        (("2022-07-01", "2023-06-30"), 2023, None),
        (("2022-07-01", "2023-06-30"), 2021, "vintage_outside_period"),
    ],
)
def test_the_vintage_year_lies_in_the_attested_period(
    accredited: TestChain, period: tuple[str, str], vintage: int, reason: str | None
) -> None:
    body = attest_body(period_start=period[0], period_end=period[1])
    assert accredited.submit("verification.attest", AUDITOR, body).reason is None
    issue = issue_body("b-1", "huangbiao-2023", 1_000, vintage=vintage)
    assert accredited.submit("credits.issue", COUNTY, issue).reason == reason
    record = attested(accredited, "huangbiao-2023")
    assert record is not None and record.issued_kg == (1_000 if reason is None else 0)


def test_the_issuer_recorded_verification_keeps_its_rules() -> None:
    """The old path is untouched: a verification.record verification (its period 2022)
    issues any vintage, as before ADR 0026."""
    recorded = run_steps(TestChain.create(), 3)
    issue = issue_body("b-1", "huangbiao-mariculture-2022", 10_000, vintage=2030)
    assert recorded.submit("credits.issue", COUNTY, issue).reason is None


def test_only_an_accredited_verifier_attests(project: TestChain) -> None:
    # Never granted: the auditor, the court, and the issuer itself.
    for key in (AUDITOR, COURT, COUNTY):
        result = project.submit("verification.attest", key, attest_body())
        assert result.reason == "verifier_not_accredited"
    assert project.submit("role.grant", COUNTY, GRANT, (NINGBO,)).reason is None
    other = attest_body(verifier="xiangshan-court")
    assert project.submit("verification.attest", AUDITOR, other).reason == "verifier_not_sender"
    unknown = attest_body(project_id="no-such-project")
    assert project.submit("verification.attest", AUDITOR, unknown).reason == "unknown_project"
    assert attested(project, "huangbiao-2023") is None


def test_the_project_issuer_does_not_verify_its_own_project(project: TestChain) -> None:
    grant = {"institution_id": "xiangshan-county", "role": "verifier"}
    assert project.submit("role.grant", COUNTY, grant, (NINGBO,)).reason is None
    body = attest_body(verifier="xiangshan-county")
    assert project.submit("verification.attest", COUNTY, body).reason == "verifier_not_independent"


def test_one_verification_id_names_one_record(issued: TestChain) -> None:
    assert issued.submit("role.grant", COUNTY, GRANT, (NINGBO,)).reason is None
    taken = attest_body("huangbiao-mariculture-2022")
    assert issued.submit("verification.attest", AUDITOR, taken).reason == "already_exists"
    assert issued.submit("verification.attest", AUDITOR, attest_body()).reason is None
    assert issued.submit("verification.attest", AUDITOR, attest_body()).reason == "already_exists"
    recorded = {
        "verification_id": "huangbiao-2023",
        "project_id": PROJECT_ID,
        "period_start": "2023-01-01",
        "period_end": "2023-12-31",
        "verification_body": "核查机构",
        "report_hashes": ["33" * 32],
        "verified_kg": 5_000,
    }
    assert issued.submit("verification.record", COUNTY, recorded).reason == "already_exists"
    assert load(issued.state, verification_key("huangbiao-2023"), Verification.from_json) is None


def test_a_suspended_verifier_attests_no_more_and_its_earlier_attestation_stands(
    accredited: TestChain,
) -> None:
    assert accredited.submit("verification.attest", AUDITOR, attest_body("v-1")).reason is None
    assert accredited.submit("role.revoke", COUNTY, GRANT, (NINGBO,)).reason is None
    later = accredited.submit("verification.attest", AUDITOR, attest_body("v-2"))
    assert later.reason == "verifier_not_accredited"
    assert attested(accredited, "v-2") is None
    # What it attested before its suspension is still issued from.
    assert (
        accredited.submit("credits.issue", COUNTY, issue_body("b-1", "v-1", 1_000)).reason is None
    )
    # Accredited again by the quorum, it attests again.
    assert accredited.submit("role.grant", COUNTY, GRANT, (NINGBO,)).reason is None
    assert accredited.submit("verification.attest", AUDITOR, attest_body("v-2")).reason is None


def test_genesis_may_name_a_verifier_institution() -> None:
    verifier = Institution(
        institution_id="zhejiang-marine-monitoring",
        name_zh="浙江省海洋监测中心",
        name_en="Zhejiang Marine Environment Monitoring Centre",
        roles=("verifier",),
        public_keys=(party_key("zhejiang-marine-monitoring").public_key,),
    )
    writes = genesis_state(
        institutions=(*institutions(), verifier),
        validators=validator_set(),
        accounts=genesis_accounts(),
    )
    chain = run_steps(TestChain(state=MemoryState(writes)), 2)
    body = attest_body(verifier="zhejiang-marine-monitoring")
    key = party_key("zhejiang-marine-monitoring")
    assert chain.submit("verification.attest", key, body).reason is None


@pytest.mark.parametrize(
    ("field", "value", "match"),
    [
        ("period_end", "2022-12-31", "period_end"),
        ("methodology_id", "HY/T 0305-2021 ", "methodology_id"),
        ("methodology_id", "VM0033\n", "methodology_id"),
        ("methodology_version", "", "methodology_version"),
        ("methodology_version", "v" * 49, "methodology_version"),
        ("reports", [], "reports"),
        ("reports", [{"label": "other", "sha256": "11" * 32}], "verification_report"),
        ("reports", [{"label": "photo", "sha256": "11" * 32}], "label"),
        (
            "reports",
            [
                {"label": "verification_report", "sha256": "22" * 32},
                {"label": "monitoring_report", "sha256": "11" * 32},
            ],
            "ascending",
        ),
        (
            "reports",
            [
                {"label": "verification_report", "sha256": "22" * 32},
                {"label": "verification_report", "sha256": "11" * 32},
            ],
            "distinct",
        ),
        ("reports", [{"label": "verification_report", "sha256": "22" * 31}], "sha256"),
        ("verifier", "Zhejiang Auditor", "verifier"),
    ],
)
def test_the_body_is_read_strictly(field: str, value: object, match: str) -> None:
    with pytest.raises(SchemaError, match=match):
        VerificationAttestBody.from_json(attest_body() | {field: value})


@pytest.mark.parametrize(
    "methodology", ["HY/T 0305-2021", "HY/T 0349-2022", "CCER-14-002-V01", "VM0033 v2.0", "2.0"]
)
def test_real_methodology_names_are_read(methodology: str) -> None:
    body = attest_body(methodology_id=methodology, methodology_version=methodology)
    assert VerificationAttestBody.from_json(body).to_json() == body


def test_four_reports_at_most_one_per_label() -> None:
    labels = ["monitoring_report", "other", "tenure_certificate", "verification_report"]
    reports = [{"label": label, "sha256": f"{i:02x}" * 32} for i, label in enumerate(labels)]
    assert VerificationAttestBody.from_json(attest_body(reports=reports)).to_json()["reports"]
    with pytest.raises(FieldTypeError):
        VerificationAttestBody.from_json(attest_body(reports=[*reports, reports[0]]))
