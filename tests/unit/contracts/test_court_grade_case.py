"""The court-grade Xiangshan case (genesis/example/xiangshan_court_grade.py) in one process:
every step accepted, and the records a court relies on are the ones it wrote."""

from contracts.case_records import Case
from contracts.credit_records import AttestedVerification, IssuanceBatch
from contracts.link_records import ExternalIdClaim
from contracts.state_keys import (
    attested_verification_key,
    batch_key,
    case_key,
    external_id_key,
    tenure_claim_key,
    verification_key,
)
from contracts.store import load
from contracts.tenure_records import TenureClaim
from genesis.example.parties import party_key
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
    VERIFIER_ID,
    XIAMEN_PLATFORM_ID,
    court_grade_steps,
)
from protocol.results import TxStatus
from tests.vectors.contracts.network import TestChain


def court_grade_chain() -> TestChain:
    chain = TestChain.create()
    for step in court_grade_steps():
        result = chain.submit_step(step)
        assert result.status is TxStatus.ACCEPTED, (step.label, result)
    return chain


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


def test_the_case_has_its_judicial_retirement() -> None:
    chain = court_grade_chain()
    case = load(chain.state, case_key(CASE_ID), Case.from_json)
    assert case is not None
    assert case.retired_kg == case.required_kg == SUBSCRIBED_KG
