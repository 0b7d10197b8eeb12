"""A signer state naming a height this key signed above the chain: the validator will not
vote until the chain gets there, and /readyz says so (node/runtime.py signed_above_chain).
Stop 56's chaos pass changed one digit of the file's height (3438 -> 9438): the validator
was silent for thousands of heights while every status said ready and voting."""

import asyncio
import logging
from pathlib import Path

import pytest

from consensus.signer_state import SignedStep, SignerState
from node.runtime import NodeRuntime
from tests.unit.node.chain_kit import VALIDATOR_KEYS
from tests.unit.node.runtime_kit import FakeClock, make_runtime


def started_with(tmp_path: Path, signed_height: int) -> tuple[str | None, int]:
    """What signed_above_chain says after a start at height 0 whose signer state says it
    signed a precommit at signed_height, and the ledger's height."""

    async def main() -> tuple[str | None, int]:
        runtime: NodeRuntime = make_runtime(tmp_path / "v", VALIDATOR_KEYS[0], FakeClock())
        state = SignerState(
            height=signed_height, round=0, step=SignedStep.PRECOMMIT, block_hash=None
        )
        runtime.signer_file.write(state)
        try:
            await runtime.start()
            return runtime.signed_above_chain(), runtime.ledger.height
        finally:
            await runtime.stop()
            runtime.ledger.store.close()

    return asyncio.run(main())


def test_a_signed_height_above_the_chain_is_a_readiness_problem(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.CRITICAL, logger="lantan.runtime")
    problem, height = started_with(tmp_path, 9_438)
    assert problem is not None
    assert problem.startswith(
        f"signer state: this key signed at height 9438, the chain is at {height}: it votes "
        "again only above 9438."
    )
    assert [r.getMessage() for r in caplog.records] == [problem]


def test_the_next_height_is_no_problem(tmp_path: Path) -> None:
    # A validator that signed at the height being decided when it stopped: the usual case.
    assert started_with(tmp_path, 1) == (None, 0)
