"""node/startup_check.py: a node re-verifies its stored head before it starts."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from node.ledger import Ledger
from node.startup_check import (
    EXIT_STARTUP_CHECK,
    SKIP_ENV,
    StartupCheckError,
    check_head,
    run_startup_check,
)
from protocol.encoding import encode
from tests.audit.forge import forge_next_block, sorted_keys
from tests.unit.node.chain_kit import VALIDATOR_KEYS, account_open, build_and_commit, open_ledger

KEYS = sorted_keys(list(VALIDATOR_KEYS))
MINTED = {"account/minted": encode({"account_id": "minted"})}


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    ledger = open_ledger(tmp_path / "data")
    yield ledger
    ledger.store.close()


def test_genesis_and_an_honest_head_pass(ledger: Ledger) -> None:
    check_head(ledger)
    build_and_commit(ledger, (account_open(1),))
    build_and_commit(ledger)
    check_head(ledger)
    run_startup_check(ledger, {})


def test_a_forged_head_with_a_valid_certificate_passes(ledger: Ledger) -> None:
    # The start-up check sees only the store: a validly certified fork is for audits.
    build_and_commit(ledger)
    forge_next_block(ledger, KEYS, KEYS[:2])
    check_head(ledger)


@pytest.mark.parametrize(
    ("signers", "reason"),
    [
        (KEYS[:1], "quorum is 2"),
        ([KEYS[0], KEYS[0]], "certificate of head 2"),
    ],
)
def test_a_short_or_duplicated_certificate_fails(
    ledger: Ledger, signers: list[object], reason: str
) -> None:
    build_and_commit(ledger)
    forge_next_block(ledger, KEYS, signers)  # type: ignore[arg-type]
    with pytest.raises(StartupCheckError, match=reason):
        check_head(ledger)


def test_a_state_root_that_is_not_the_stored_smt_root_fails(ledger: Ledger) -> None:
    build_and_commit(ledger)
    other_root = ledger.head().state_root
    forge_next_block(ledger, KEYS, KEYS[:2], claimed_state_root=other_root, extra_writes=MINTED)
    with pytest.raises(StartupCheckError, match="!= stored SMT root"):
        check_head(ledger)


def test_the_process_exits_unless_the_test_only_skip_is_set(ledger: Ledger) -> None:
    build_and_commit(ledger)
    forge_next_block(ledger, KEYS, KEYS[:1])
    run_startup_check(ledger, {SKIP_ENV: "1"})
    with pytest.raises(SystemExit) as exited:
        run_startup_check(ledger, {})
    assert exited.value.code == EXIT_STARTUP_CHECK
