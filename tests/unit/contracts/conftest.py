"""Fixtures for the contract unit tests: the test network with and without credits issued."""

import pytest

from genesis.example.parties import party_key
from genesis.example.xiangshan_case import BATCH_ID, TOWNSHIP_ACCOUNT, xiangshan_case_steps
from tests.vectors.contracts.network import TestChain


def run_steps(chain: TestChain, count: int) -> TestChain:
    """Commit the first count steps of the Xiangshan case, each must be accepted."""
    for step in xiangshan_case_steps()[:count]:
        result = chain.submit_step(step)
        assert result.reason is None, (step.label, result)
    return chain


@pytest.fixture
def chain() -> TestChain:
    """Genesis only."""
    return TestChain.create()


@pytest.fixture
def issued() -> TestChain:
    """The township holds 450,000 kg ACTIVE of the batch; the case is registered."""
    return run_steps(TestChain.create(), 5)


def township_moves(chain: TestChain, to_account: str, quantity_kg: int) -> list[str | None]:
    """The results of trying to move quantity_kg of the Township's batch by every rule that
    takes ACTIVE serials: transfer, retirement, freezing (the court), cancellation (the
    county with a validator): each must refuse held (pledged, escrowed) kilograms."""
    township, court = party_key(TOWNSHIP_ACCOUNT), party_key("xiangshan-court")
    county, ningbo = party_key("xiangshan-county"), party_key("ningbo-ptc")
    hold = {"account_id": TOWNSHIP_ACCOUNT, "batch_id": BATCH_ID, "quantity_kg": quantity_kg}
    transfer: dict[str, object] = {"from_account": TOWNSHIP_ACCOUNT, "to_account": to_account}
    transfer |= {"batch_id": BATCH_ID, "quantity_kg": quantity_kg, "broker": None}
    retire = hold | {"beneficiary": "x", "purpose": "x", "reason": "x"}
    return [
        chain.submit("credits.transfer", township, transfer).reason,
        chain.submit("credits.retire", township, retire).reason,
        chain.submit("credits.freeze", court, hold | {"reason": "x"}).reason,
        chain.submit("credits.cancel", county, hold | {"reason": "x"}, (ningbo,)).reason,
    ]
