"""reversal.report and insurance.claim (ADR 0033): an accredited, independent verifier
reports a loss against a batch; it cancels the batch's BUFFER serials lowest first, records
what the buffer cannot cover, never touches a holder's or a retired serial, and never
exceeds the batch's issued and buffer kg; a claim links it to a policy covering it."""

import pytest

from contracts.credit_records import IssuanceBatch, SerialBlock, SerialStatus
from contracts.reversal_records import BatchReversals, InsuranceClaim, Reversal
from contracts.state_keys import (
    batch_key,
    batch_reversal_key,
    holding_key,
    insurance_claim_key,
    reversal_key,
    serial_block_key,
)
from contracts.store import load
from genesis.example.parties import party_key
from genesis.example.xiangshan_case import BATCH_ID, BUFFER_KG, ISSUED_KG, PROJECT_ID
from genesis.example.xiangshan_court_grade import VERIFIER_ID
from tests.unit.contracts.reversal_kit import claim_body as claim
from tests.unit.contracts.reversal_kit import report_body as report
from tests.unit.contracts.test_court_grade_case import court_grade_chain
from tests.vectors.contracts.network import TestChain

VERIFIER, COUNTY = party_key(VERIFIER_ID), party_key("xiangshan-county")
NINGBO, COURT = party_key("ningbo-ptc"), party_key("xiangshan-court")
ECO_HOLDING = holding_key("xiangshan-eco-account", BATCH_ID)


@pytest.fixture
def chain() -> TestChain:
    """The court-grade case done: 422,500 kg retired, 27,500 kg with the township, the
    50,000 kg buffer untouched, the Ecological Account insured for 2023."""
    return court_grade_chain()


def block(chain: TestChain, first: int) -> SerialBlock:
    found = load(chain.state, serial_block_key(BATCH_ID, first), SerialBlock.from_json)
    assert found is not None, first
    return found


def reversal(chain: TestChain, reversal_id: str = "huangbiao-storm-2023") -> Reversal:
    found = load(chain.state, reversal_key(reversal_id), Reversal.from_json)
    assert found is not None
    return found


def totals(chain: TestChain) -> BatchReversals:
    found = load(chain.state, batch_reversal_key(BATCH_ID), BatchReversals.from_json)
    assert found is not None
    return found


def held_and_retired(chain: TestChain) -> dict[str, bytes | None]:
    """Every record a reversal must leave alone: the batch, the holders' holdings and the
    blocks of issued serials (1..450,000)."""
    keys = [batch_key(BATCH_ID), ECO_HOLDING, holding_key("huangbiao-township", BATCH_ID)]
    keys += [serial_block_key(BATCH_ID, first) for first in (1, 422_501)]
    return {key: chain.state.get(key) for key in keys}


def test_a_loss_draws_the_lowest_buffer_serials(chain: TestChain) -> None:
    untouched = held_and_retired(chain)
    assert chain.submit("reversal.report", VERIFIER, report()).reason is None
    first = ISSUED_KG + 1
    record = reversal(chain)
    assert record.to_json() == report() | {
        "reported_by": VERIFIER.public_key.hex(),
        "height": chain.height,
        "buffer_drawn_kg": 30_000,
        "drawn_first_serial": first,
        "drawn_last_serial": first + 29_999,
        "uncovered_kg": 0,
    }
    cancelled, left = block(chain, first), block(chain, first + 30_000)
    assert (cancelled.status, cancelled.last_serial) == (SerialStatus.CANCELLED, first + 29_999)
    assert cancelled.account_id is None
    assert (left.status, left.last_serial) == (SerialStatus.BUFFER, ISSUED_KG + BUFFER_KG)
    assert totals(chain).to_json() == {
        "batch_id": BATCH_ID,
        "lost_kg": 30_000,
        "buffer_drawn_kg": 30_000,
        "uncovered_kg": 0,
        "reversal_ids": ["huangbiao-storm-2023"],
    }
    assert held_and_retired(chain) == untouched


def test_what_the_buffer_cannot_cover_is_recorded_not_cancelled(chain: TestChain) -> None:
    untouched = held_and_retired(chain)
    assert chain.submit("reversal.report", VERIFIER, report()).reason is None
    second = report("huangbiao-storm-2023b", lost_kg=30_000, cause="disease")
    assert chain.submit("reversal.report", VERIFIER, second).reason is None
    record = reversal(chain, "huangbiao-storm-2023b")
    assert (record.buffer_drawn_kg, record.uncovered_kg) == (20_000, 10_000)
    assert (record.drawn_first_serial, record.drawn_last_serial) == (480_001, 500_000)
    assert block(chain, 480_001).status is SerialStatus.CANCELLED
    third = report("huangbiao-storm-2024", lost_kg=5_000, cause="land_use_change")
    assert chain.submit("reversal.report", VERIFIER, third).reason is None
    record = reversal(chain, "huangbiao-storm-2024")
    assert (record.buffer_drawn_kg, record.uncovered_kg) == (0, 5_000)
    assert (record.drawn_first_serial, record.drawn_last_serial) == (None, None)
    assert (totals(chain).lost_kg, totals(chain).buffer_drawn_kg) == (65_000, 50_000)
    assert totals(chain).uncovered_kg == 15_000
    assert held_and_retired(chain) == untouched
    batch = load(chain.state, batch_key(BATCH_ID), IssuanceBatch.from_json)
    assert batch is not None and (batch.retired_kg, batch.cancelled_kg) == (422_500, 0)


def test_losses_never_exceed_the_batchs_issued_and_buffer_kg(chain: TestChain) -> None:
    whole = ISSUED_KG + BUFFER_KG
    too_much = report(lost_kg=whole + 1)
    assert chain.submit("reversal.report", VERIFIER, too_much).reason == "reversal_exceeds_batch"
    assert chain.submit("reversal.report", VERIFIER, report(lost_kg=whole - 1)).reason is None
    one_more = report("huangbiao-storm-2024", lost_kg=2)
    assert chain.submit("reversal.report", VERIFIER, one_more).reason == "reversal_exceeds_batch"
    last = report("huangbiao-storm-2024", lost_kg=1)
    assert chain.submit("reversal.report", VERIFIER, last).reason is None
    assert totals(chain).lost_kg == whole
    assert totals(chain).uncovered_kg == ISSUED_KG


def test_only_an_accredited_independent_verifier_reports(chain: TestChain) -> None:
    assert chain.submit("reversal.report", COUNTY, report()).reason == "verifier_not_accredited"
    grant = {"institution_id": "xiangshan-county", "role": "verifier"}
    assert chain.submit("role.grant", COUNTY, grant, (NINGBO,)).reason is None
    own = report(verifier="xiangshan-county")
    assert chain.submit("reversal.report", COUNTY, own).reason == "verifier_not_independent"
    other = report(verifier="xiangshan-county")
    assert chain.submit("reversal.report", VERIFIER, other).reason == "verifier_not_sender"
    revoke = {"institution_id": VERIFIER_ID, "role": "verifier"}
    assert chain.submit("role.revoke", COUNTY, revoke, (NINGBO,)).reason is None
    assert chain.submit("reversal.report", VERIFIER, report()).reason == "verifier_not_accredited"
    assert chain.state.get(reversal_key("huangbiao-storm-2023")) is None


def test_the_project_and_its_batch_must_exist_and_match(chain: TestChain) -> None:
    unknown = report(project_id="no-such-project")
    assert chain.submit("reversal.report", VERIFIER, unknown).reason == "unknown_project"
    no_batch = report(batch_id="no-such-batch")
    assert chain.submit("reversal.report", VERIFIER, no_batch).reason == "unknown_batch"
    project = {
        "project_id": "xiangshan-salt-marsh",
        "name_zh": "象山盐沼",
        "name_en": "Xiangshan salt marsh",
        "ecosystem": "salt_marsh",
        "location": "象山",
        "accounting_standard": "HY/T 0349-2022",
        "owner": "象山县",
        "document_hashes": ["55" * 32],
    }
    assert chain.submit("project.register", COUNTY, project).reason is None
    wrong = report(project_id="xiangshan-salt-marsh")
    assert chain.submit("reversal.report", VERIFIER, wrong).reason == "batch_not_of_project"
    assert chain.submit("reversal.report", VERIFIER, report()).reason is None
    assert chain.submit("reversal.report", VERIFIER, report()).reason == "already_exists"
    assert totals(chain).lost_kg == 30_000


def test_a_claim_links_the_loss_to_a_covering_policy(chain: TestChain) -> None:
    assert chain.submit("insurance.claim", NINGBO, claim()).reason == "unknown_reversal"
    assert chain.submit("reversal.report", VERIFIER, report()).reason is None
    assert chain.submit("insurance.claim", NINGBO, claim()).reason is None
    record = load(chain.state, insurance_claim_key("eco-account-claim-1"), InsuranceClaim.from_json)
    assert record is not None
    assert record.to_json() == claim() | {
        "project_id": PROJECT_ID,
        "status": "filed",
        "claimed_by": NINGBO.public_key.hex(),
        "height": chain.height,
    }
    assert chain.submit("insurance.claim", NINGBO, claim()).reason == "already_exists"


def test_claim_refusals(chain: TestChain) -> None:
    assert chain.submit("reversal.report", VERIFIER, report()).reason is None
    cases = {
        "signer_lacks_role": (COURT, claim()),
        "unknown_policy": (NINGBO, claim(policy_id="no-such-policy")),
        "claim_exceeds_sum_insured": (NINGBO, claim(claimed_fen=100_000_001)),
    }
    for reason, (sender, body) in cases.items():
        assert chain.submit("insurance.claim", sender, body).reason == reason
    late = report("huangbiao-storm-2024", event_date="2024-01-02")
    assert chain.submit("reversal.report", VERIFIER, late).reason is None
    outside = claim(reversal_id="huangbiao-storm-2024")
    assert chain.submit("insurance.claim", NINGBO, outside).reason == "policy_not_covering"
    assert chain.state.get(insurance_claim_key("eco-account-claim-1")) is None


def test_a_project_policy_covers_its_own_project_only(chain: TestChain) -> None:
    assert chain.submit("reversal.report", VERIFIER, report()).reason is None
    policy = {
        "policy_id": "huangbiao-sink-2023",
        "insurer": "保险公司（示例）",
        "policyholder": "象山县黄避岙乡人民政府",
        "coverage": "project_excess_emission_loss",
        "subject_kind": "project",
        "subject_id": PROJECT_ID,
        "sum_insured_fen": 5_000_000,
        "period_start": "2023-01-01",
        "period_end": "2023-12-31",
        "clause_hash": "66" * 32,
    }
    assert chain.submit("insurance.attest", NINGBO, policy).reason is None
    other = policy | {"policy_id": "other-account-2023", "subject_kind": "account"}
    other |= {"subject_id": "huangbiao-township"}
    assert chain.submit("insurance.attest", NINGBO, other).reason is None
    by_project = claim("sink-claim-1", policy_id="huangbiao-sink-2023")
    assert chain.submit("insurance.claim", COUNTY, by_project).reason is None
    # The township still holds credits of the batch: its account policy covers it too.
    by_holder = claim("township-claim-1", policy_id="other-account-2023")
    assert chain.submit("insurance.claim", NINGBO, by_holder).reason is None
    open_account = {
        "account_id": "some-buyer",
        "holder_key": party_key("some-buyer").public_key.hex(),
        "display_name": "买方（示例）",
        "kind": "enterprise",
    }
    assert chain.submit("account.open", NINGBO, open_account).reason is None
    stranger = policy | {"policy_id": "buyer-2023", "subject_kind": "account"}
    stranger |= {"subject_id": "some-buyer"}
    assert chain.submit("insurance.attest", NINGBO, stranger).reason is None
    not_covering = claim("buyer-claim-1", policy_id="buyer-2023")
    assert chain.submit("insurance.claim", NINGBO, not_covering).reason == "policy_not_covering"
