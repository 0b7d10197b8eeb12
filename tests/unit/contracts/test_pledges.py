"""credits.pledge, credits.pledge_release, credits.pledge_enforce (ADR 0032): pledged serials
move only by their lender's release or by enforcement; every other rule refuses them with
units_pledged; each refusal has its own reason."""

from typing import Any

import pytest

from contracts.credit_records import Holding, SerialBlock, SerialStatus
from contracts.pledge_records import Pledge, PledgedBlock, PledgeStatus
from contracts.state_keys import holding_key, pledge_key, pledged_block_key, serial_block_key
from contracts.store import load
from genesis.example.parties import party_key
from genesis.example.pledge_case import (
    CASE_STEPS_BEFORE,
    LENDER,
    LENDER_ACCOUNT,
    PLEDGE_ENFORCE,
    PLEDGE_ID,
    PLEDGE_RELEASE,
    PLEDGE_SETUP,
    PLEDGED_KG,
)
from genesis.example.xiangshan_case import BATCH_ID, ISSUED_KG, TOWNSHIP_ACCOUNT, CaseStep
from tests.unit.contracts.conftest import run_steps, township_moves
from tests.vectors.contracts.network import TestChain

TOWNSHIP, BANK = party_key(TOWNSHIP_ACCOUNT), party_key(LENDER)
COUNTY, NINGBO, COURT = (
    party_key("xiangshan-county"),
    party_key("ningbo-ptc"),
    party_key("xiangshan-court"),
)
AUDITOR = party_key("zhejiang-auditor")
PLEDGE = PLEDGE_SETUP[-1]


def submit(
    chain: TestChain, step: CaseStep, cosigners: tuple[str, ...] | None = None, **body: Any
) -> str | None:
    names = step.cosigners if cosigners is None else cosigners
    keys = tuple(party_key(name) for name in names)
    return chain.submit(step.tx_type, party_key(step.sender), dict(step.body) | body, keys).reason


@pytest.fixture
def ready() -> TestChain:
    """The batch issued to the Township; the bank admitted as lender with its account."""
    chain = run_steps(TestChain.create(), CASE_STEPS_BEFORE)
    for step in PLEDGE_SETUP[:-1]:
        assert chain.submit_step(step).reason is None, step.label
    return chain


@pytest.fixture
def pledged(ready: TestChain) -> TestChain:
    assert ready.submit_step(PLEDGE).reason is None
    return ready


def holding(chain: TestChain, account: str = TOWNSHIP_ACCOUNT) -> Holding:
    record = load(chain.state, holding_key(account, BATCH_ID), Holding.from_json)
    assert record is not None
    return record


def block(chain: TestChain, first: int = 1) -> SerialBlock:
    record = load(chain.state, serial_block_key(BATCH_ID, first), SerialBlock.from_json)
    assert record is not None
    return record


def pledge(chain: TestChain) -> Pledge:
    record = load(chain.state, pledge_key(PLEDGE_ID), Pledge.from_json)
    assert record is not None
    return record


def test_a_pledge_marks_the_lowest_serials(pledged: TestChain) -> None:
    assert block(pledged).status is SerialStatus.PLEDGED
    assert block(pledged).last_serial == PLEDGED_KG
    assert block(pledged, PLEDGED_KG + 1).status is SerialStatus.ACTIVE
    assert holding(pledged).active_kg == ISSUED_KG - PLEDGED_KG
    assert holding(pledged).block_firsts == (1, PLEDGED_KG + 1)
    record = pledge(pledged)
    assert record.ranges == ((1, PLEDGED_KG),)
    assert (record.status, record.height, record.pledged_by) == (
        PledgeStatus.ACTIVE,
        pledged.height,
        TOWNSHIP.public_key,
    )
    mark = load(pledged.state, pledged_block_key(BATCH_ID, 1), PledgedBlock.from_json)
    assert mark == PledgedBlock(pledge_id=PLEDGE_ID, last_serial=PLEDGED_KG)
    assert pledged.state.get(pledged_block_key(BATCH_ID, PLEDGED_KG + 1)) is None


def test_pledged_kilograms_move_by_no_other_rule(pledged: TestChain) -> None:
    before = dict(pledged.state.items())
    everything = ISSUED_KG
    assert township_moves(pledged, LENDER_ACCOUNT, everything) == ["units_pledged"] * 4
    again = submit(pledged, PLEDGE, pledge_id="second", quantity_kg=everything)
    assert again == "units_pledged"
    changed = {k for k, v in pledged.state.items() if before.get(k) != v}
    assert all(key.startswith("nonce/") for key in changed), changed
    # What is not pledged still moves.
    assert township_moves(pledged, LENDER_ACCOUNT, ISSUED_KG - PLEDGED_KG)[0] is None
    assert township_moves(pledged, LENDER_ACCOUNT, 1)[0] == "units_pledged"


def test_release_restores_the_serials_exactly(ready: TestChain) -> None:
    before_block = ready.state.get(serial_block_key(BATCH_ID, 1))
    assert ready.submit_step(PLEDGE).reason is None
    assert ready.submit_step(PLEDGE_RELEASE).reason is None
    after = block(ready)
    assert before_block is not None
    assert after.status is SerialStatus.ACTIVE and after.account_id == TOWNSHIP_ACCOUNT
    assert (after.first_serial, after.last_serial) == (1, PLEDGED_KG)
    assert holding(ready).active_kg == ISSUED_KG
    assert ready.state.get(pledged_block_key(BATCH_ID, 1)) is None
    record = pledge(ready)
    assert (record.status, record.closed_height) == (PledgeStatus.RELEASED, ready.height)
    assert submit(ready, PLEDGE_RELEASE) == "pledge_not_active"
    assert submit(ready, PLEDGE_ENFORCE) == "pledge_not_active"
    retire = {
        "account_id": TOWNSHIP_ACCOUNT,
        "batch_id": BATCH_ID,
        "quantity_kg": ISSUED_KG,
        "beneficiary": "x",
        "purpose": "x",
        "reason": "x",
    }
    assert ready.submit("credits.retire", TOWNSHIP, retire).reason is None


def test_enforcement_moves_the_serials_to_the_lender(pledged: TestChain) -> None:
    assert pledged.submit_step(PLEDGE_ENFORCE).reason is None
    moved = block(pledged)
    assert (moved.status, moved.account_id) == (SerialStatus.ACTIVE, LENDER_ACCOUNT)
    assert holding(pledged, LENDER_ACCOUNT).active_kg == PLEDGED_KG
    assert holding(pledged).active_kg == ISSUED_KG - PLEDGED_KG
    assert holding(pledged).block_firsts == (PLEDGED_KG + 1,)
    record = pledge(pledged)
    assert (record.status, record.enforced_to, record.enforced_with) == (
        PledgeStatus.ENFORCED,
        LENDER_ACCOUNT,
        "ningbo-ptc",
    )
    assert pledged.state.get(pledged_block_key(BATCH_ID, 1)) is None
    assert submit(pledged, PLEDGE_RELEASE) == "pledge_not_active"


def test_pledge_refusals(ready: TestChain) -> None:
    assert submit(ready, PLEDGE, cosigners=()) == "lender_signature_missing"
    assert submit(ready, PLEDGE, cosigners=("ningbo-ptc",)) == "lender_signature_missing"
    assert submit(ready, PLEDGE, lender="ningbo-ptc", cosigners=("ningbo-ptc",)) == ("not_a_lender")
    assert submit(ready, PLEDGE, lender="no-such-bank") == "not_a_lender"
    body = dict(PLEDGE.body)
    assert ready.submit(PLEDGE.tx_type, BANK, body, (TOWNSHIP,)).reason == "not_account_holder"
    assert submit(ready, PLEDGE, batch_id="no-such-batch") == "unknown_batch"
    assert submit(ready, PLEDGE, quantity_kg=ISSUED_KG + 1) == "insufficient_balance"
    assert ready.state.get(pledge_key(PLEDGE_ID)) is None
    assert ready.submit_step(PLEDGE).reason is None
    assert submit(ready, PLEDGE, quantity_kg=1) == "pledge_exists"


def test_release_and_enforcement_refusals(pledged: TestChain) -> None:
    assert submit(pledged, PLEDGE_RELEASE, pledge_id="nothing") == "unknown_pledge"
    release = dict(PLEDGE_RELEASE.body)
    assert pledged.submit(PLEDGE_RELEASE.tx_type, NINGBO, release).reason == "not_pledge_lender"
    assert pledged.submit(PLEDGE_RELEASE.tx_type, TOWNSHIP, release).reason == ("not_pledge_lender")
    assert submit(pledged, PLEDGE_ENFORCE, cosigners=()) == "enforcer_signature_missing"
    assert submit(pledged, PLEDGE_ENFORCE, cosigners=("xiamen-ptc",)) == (
        "enforcer_signature_missing"
    )
    assert submit(pledged, PLEDGE_ENFORCE, enforcer="zhejiang-auditor") == "not_an_enforcer"
    assert submit(pledged, PLEDGE_ENFORCE, to_account=TOWNSHIP_ACCOUNT) == "not_lender_account"
    assert submit(pledged, PLEDGE_ENFORCE, to_account="nobody") == "unknown_account"
    revoke = {"institution_id": LENDER, "role": "lender"}
    assert pledged.submit("role.revoke", COUNTY, revoke, (NINGBO,)).reason is None
    assert submit(pledged, PLEDGE_ENFORCE) == "not_a_lender"
    assert pledged.submit("role.grant", COUNTY, revoke, (NINGBO,)).reason is None
    court = {"enforcer": "xiangshan-court"}
    assert submit(pledged, PLEDGE_ENFORCE, cosigners=("xiangshan-court",), **court) is None
    assert pledge(pledged).enforced_with == "xiangshan-court"
