"""Fixtures for the contract unit tests: the test network with and without credits issued."""

import pytest

from genesis.example.xiangshan_case import xiangshan_case_steps
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
