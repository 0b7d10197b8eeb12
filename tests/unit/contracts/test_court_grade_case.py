"""The court-grade Xiangshan case (genesis/example/xiangshan_court_grade.py) in one process:
every step accepted, and the records a court relies on are the ones it wrote."""

from contracts.case_lifecycle_records import CaseJudgment, CaseStatus, case_status_in
from contracts.case_records import Case
from contracts.consideration_records import Consideration
from contracts.credit_records import AttestedVerification, IssuanceBatch
from contracts.link_records import ExternalIdClaim
from contracts.state_keys import (
    attested_verification_key,
    batch_key,
    case_judgment_key,
    case_key,
    external_id_key,
    tenure_claim_key,
    verification_key,
)
from contracts.store import load
from contracts.tenure_records import TenureClaim
from genesis.example.parties import ECO_ACCOUNT, party_key
from genesis.example.xiangshan_case import (
    BATCH_ID,
    BUFFER_KG,
    CASE_ID,
    ISSUED_KG,
    PROJECT_ID,
    SUBSCRIBED_KG,
    VERIFICATION_ID,
)
from genesis.example.xiangshan_court_grade import (
    CERTIFICATE_NUMBER,
    COMPENSATION_FEN,
    JUDGMENT_HASH,
    VERIFIER_ID,
    XIAMEN_PLATFORM_ID,
    court_grade_steps,
)
from protocol.results import TxStatus
from tests.vectors.contracts.network import TestChain


def court_grade_chain(steps: int | None = None) -> TestChain:
    """The first steps of the court-grade case (all by default), each accepted."""
    chain = TestChain.create()
    for step in court_grade_steps()[:steps]:
        result = chain.submit_step(step)
        assert result.status is TxStatus.ACCEPTED, (step.label, result)
    return chain


def status_of_the_case(chain: TestChain) -> str:
    case = load(chain.state, case_key(CASE_ID), Case.from_json)
    assert case is not None
    return case_status_in(chain.state, case)


def test_the_batch_is_issued_from_the_verifiers_attestation() -> None:
    chain = court_grade_chain()
    attested = load(
        chain.state, attested_verification_key(VERIFICATION_ID), AttestedVerification.from_json
    )
    assert attested is not None
    assert attested.attested_by == party_key(VERIFIER_ID).public_key
    assert attested.verifier == VERIFIER_ID
    assert attested.issued_kg == ISSUED_KG + BUFFER_KG
    # Issued from the attestation, not from an issuer-recorded verification.
    assert chain.state.get(verification_key(VERIFICATION_ID)) is None
    batch = load(chain.state, batch_key(BATCH_ID), IssuanceBatch.from_json)
    assert batch is not None and batch.verification_id == VERIFICATION_ID


def test_the_certificate_and_the_external_id_each_name_one_thing() -> None:
    chain = court_grade_chain()
    tenure = load(
        chain.state, tenure_claim_key("sea_area_use", CERTIFICATE_NUMBER), TenureClaim.from_json
    )
    assert tenure is not None and tenure.project_id == PROJECT_ID
    claim = load(
        chain.state, external_id_key("xiamen_ptc", XIAMEN_PLATFORM_ID), ExternalIdClaim.from_json
    )
    assert claim is not None and claim.batch_id == BATCH_ID


def test_the_judgment_then_the_retirement_satisfy_the_case() -> None:
    steps = [step.tx_type for step in court_grade_steps()]
    judged = court_grade_chain(steps.index("case.judgment") + 1)
    assert status_of_the_case(judged) == CaseStatus.JUDGMENT
    judgment = load(judged.state, case_judgment_key(CASE_ID), CaseJudgment.from_json)
    assert judgment is not None and judgment.compensation_fen == COMPENSATION_FEN
    assert judgment.judgment_hash == JUDGMENT_HASH
    assert judgment.judged_by == party_key("xiangshan-court").public_key

    before = court_grade_chain(steps.index("credits.retire_judicial"))
    assert status_of_the_case(before) == CaseStatus.JUDGMENT
    chain = court_grade_chain()
    assert status_of_the_case(chain) == CaseStatus.SATISFIED
    case = load(chain.state, case_key(CASE_ID), Case.from_json)
    assert case is not None and case.retired_kg == case.required_kg == SUBSCRIBED_KG


def test_the_subscription_records_the_price_the_judgment_names() -> None:
    """The obligors' subscription is priced (ADR 0031): its recorded total is the judgment's
    compensation, and the Ecological Account holds exactly what an unpriced transfer gives."""
    chain = court_grade_chain()
    (key,) = [key for key, _ in chain.state.items() if key.startswith("consideration/")]
    record = load(chain.state, key, Consideration.from_json)
    assert record is not None
    assert (record.quantity_kg, record.unit_price_fen_per_t) == (SUBSCRIBED_KG, 10_000)
    assert record.total_fen == COMPENSATION_FEN == 4_225_000
    assert record.to_account == ECO_ACCOUNT and record.broker == "ningbo-ptc"
