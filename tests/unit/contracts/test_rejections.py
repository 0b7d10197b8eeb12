"""Bad input class (b): committed rejections. Each advances the sender's nonce and changes
nothing else, and has its own reason code."""

from typing import Any

import pytest

from contracts import committed_nonce
from genesis.example.parties import ECO_ACCOUNT, party_key
from genesis.example.xiangshan_case import BATCH_ID, CASE_ID, TOWNSHIP_ACCOUNT
from protocol.results import TxStatus
from protocol.signing import SigningKey
from tests.vectors.contracts.network import TestChain

TOWNSHIP = party_key(TOWNSHIP_ACCOUNT)
COUNTY = party_key("xiangshan-county")
COURT = party_key("xiangshan-court")


def transfer(quantity_kg: int, to: str = ECO_ACCOUNT) -> dict[str, Any]:
    return {
        "from_account": TOWNSHIP_ACCOUNT,
        "to_account": to,
        "batch_id": BATCH_ID,
        "quantity_kg": quantity_kg,
        "broker": None,
    }


def judicial(
    quantity_kg: int, case_id: str = CASE_ID, account: str = ECO_ACCOUNT
) -> dict[str, Any]:
    return {
        "case_id": case_id,
        "account_id": account,
        "batch_id": BATCH_ID,
        "quantity_kg": quantity_kg,
        "beneficiary": "象山县蓝碳生态碳账户",
    }


def retire(quantity_kg: int, account: str = TOWNSHIP_ACCOUNT) -> dict[str, Any]:
    return {
        "account_id": account,
        "batch_id": BATCH_ID,
        "quantity_kg": quantity_kg,
        "beneficiary": "某企业",
        "purpose": "voluntary offset",
        "reason": "2023 emissions",
    }


def hold(quantity_kg: int) -> dict[str, Any]:
    return {
        "account_id": TOWNSHIP_ACCOUNT,
        "batch_id": BATCH_ID,
        "quantity_kg": quantity_kg,
        "reason": "preservation",
    }


def assert_rejected(  # noqa: PLR0917 - reads like the sentence it checks
    chain: TestChain,
    tx_type: str,
    sender: SigningKey,
    body: dict[str, Any],
    reason: str,
    cosigners: tuple[SigningKey, ...] = (),
) -> None:
    before = dict(chain.state.items())
    nonce = committed_nonce(chain.state, sender.public_key)
    result = chain.submit(tx_type, sender, body, cosigners)
    assert (result.status, result.reason) == (TxStatus.REJECTED, reason)
    after = dict(chain.state.items())
    nonce_key = f"nonce/{sender.public_key.hex()}"
    changed = {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
    assert changed == {nonce_key}
    assert committed_nonce(chain.state, sender.public_key) == nonce + 1


def test_signer_without_the_role(issued: TestChain) -> None:
    body = {"batch_id": "b2", "verification_id": "huangbiao-mariculture-2022", "vintage": 2022}
    body |= {"quantity_kg": 10, "buffer_kg": 10, "to_account": TOWNSHIP_ACCOUNT}
    assert_rejected(issued, "credits.issue", party_key("ningbo-ptc"), body, "signer_lacks_role")


def test_transfer_beyond_the_holding(issued: TestChain) -> None:
    assert_rejected(issued, "credits.transfer", TOWNSHIP, transfer(450_001), "insufficient_balance")


def test_transfer_by_someone_other_than_the_holder(issued: TestChain) -> None:
    assert_rejected(issued, "credits.transfer", COUNTY, transfer(1), "not_account_holder")


def test_transfer_of_retired_units(issued: TestChain) -> None:
    assert issued.submit("credits.retire", TOWNSHIP, retire(450_000)).reason is None
    assert_rejected(issued, "credits.transfer", TOWNSHIP, transfer(1), "units_retired")


def test_transfer_of_frozen_units(issued: TestChain) -> None:
    assert issued.submit("credits.freeze", COURT, hold(450_000)).reason is None
    assert_rejected(issued, "credits.transfer", TOWNSHIP, transfer(1), "units_frozen")


def test_double_retirement(issued: TestChain) -> None:
    assert issued.submit("credits.retire", TOWNSHIP, retire(450_000)).reason is None
    assert_rejected(issued, "credits.retire", TOWNSHIP, retire(450_000), "already_retired")


def test_brokered_transfer_without_the_brokers_signature(issued: TestChain) -> None:
    body = transfer(5) | {"broker": "ningbo-ptc"}
    xiamen = (party_key("xiamen-ptc"),)
    assert_rejected(issued, "credits.transfer", TOWNSHIP, body, "broker_signature_missing", xiamen)


@pytest.fixture
def funded_eco(issued: TestChain) -> TestChain:
    result = issued.submit(
        "credits.transfer",
        TOWNSHIP,
        transfer(422_500) | {"broker": "ningbo-ptc"},
        (party_key("ningbo-ptc"),),
    )
    assert result.reason is None
    return issued


def test_judicial_retirement_without_a_registered_case(funded_eco: TestChain) -> None:
    body = judicial(100, case_id="no-such-case")
    assert_rejected(funded_eco, "credits.retire_judicial", COUNTY, body, "unknown_case", (COURT,))


def test_judicial_retirement_without_the_courts_signature(funded_eco: TestChain) -> None:
    body = judicial(100)
    assert_rejected(funded_eco, "credits.retire_judicial", COUNTY, body, "court_signature_missing")


def test_court_signature_from_a_key_without_the_court_role(funded_eco: TestChain) -> None:
    """The procuratorate may sue, but only the court confirms a judicial retirement."""
    procuratorate = (party_key("xiangshan-procuratorate"),)
    body = judicial(100)
    assert_rejected(
        funded_eco, "credits.retire_judicial", COUNTY, body, "cosigner_not_court", procuratorate
    )


def test_judicial_retirement_beyond_the_case_requirement(funded_eco: TestChain) -> None:
    body = judicial(422_501)
    assert_rejected(
        funded_eco, "credits.retire_judicial", COUNTY, body, "exceeds_case_requirement", (COURT,)
    )


def test_judicial_retirement_by_a_stranger_to_the_account(funded_eco: TestChain) -> None:
    body = judicial(100)
    xiamen = party_key("xiamen-ptc")  # a trading centre, but not the custodian
    assert_rejected(
        funded_eco, "credits.retire_judicial", xiamen, body, "not_account_holder", (COURT,)
    )


def test_custodian_may_send_a_judicial_retirement(funded_eco: TestChain) -> None:
    result = funded_eco.submit(
        "credits.retire_judicial", party_key("ningbo-ptc"), judicial(100), (COURT,)
    )
    assert result.reason is None


def test_unfreeze_by_another_institution(issued: TestChain) -> None:
    assert issued.submit("credits.freeze", COURT, hold(10)).reason is None
    assert_rejected(issued, "credits.unfreeze", COUNTY, hold(10), "insufficient_frozen")
    assert issued.submit("credits.unfreeze", COURT, hold(10)).reason is None


def test_cancel_needs_the_validator_quorum(issued: TestChain) -> None:
    assert_rejected(issued, "credits.cancel", COUNTY, hold(10), "validator_quorum_missing")
    ningbo = (party_key("ningbo-ptc"),)
    assert issued.submit("credits.cancel", COUNTY, hold(10), ningbo).reason is None


def test_cancel_never_takes_retired_units(issued: TestChain) -> None:
    assert issued.submit("credits.retire", TOWNSHIP, retire(450_000)).reason is None
    ningbo = (party_key("ningbo-ptc"),)
    assert_rejected(issued, "credits.cancel", COUNTY, hold(10), "units_retired", ningbo)


def test_issue_beyond_the_verified_amount(chain: TestChain) -> None:
    from tests.unit.contracts.conftest import run_steps

    run_steps(chain, 3)
    body = {"batch_id": "b2", "verification_id": "huangbiao-mariculture-2022", "vintage": 2022}
    body |= {"quantity_kg": 450_001, "buffer_kg": 50_000, "to_account": TOWNSHIP_ACCOUNT}
    assert_rejected(chain, "credits.issue", COUNTY, body, "exceeds_verified")
    body |= {"quantity_kg": 450_000, "buffer_kg": 49_999}
    assert_rejected(chain, "credits.issue", COUNTY, body, "buffer_too_small")


def test_the_cosigned_types_are_exactly_the_handlers_that_read_other_signers() -> None:
    # Node intake previews only COSIGNED_TX_TYPES for stripped co-signatures; a handler
    # that starts requiring a co-signer must join the set, or stripping returns.
    import inspect

    from contracts import execution

    helpers = (
        "require_validator_quorum",
        "require_court_confirmation",
        "require_broker_signature",
        "signers",
        "require_cosigner",  # a lender, an enforcer, an auction's operator
        "_require_lender_signature",
        "apply_credits_transfer(",  # credits.transfer's rule, broker co-signature included
    )
    for tx_type, handler in execution.HANDLERS.items():
        source = inspect.getsource(handler)
        reads_cosigners = any(name in source for name in helpers)
        assert reads_cosigners == (tx_type in execution.COSIGNED_TX_TYPES), tx_type
