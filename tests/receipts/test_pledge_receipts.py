"""Pledges and receipts (ADR 0032): a retirement receipt of serials that were pledged and
then released verifies like any other, in the client's and the independent verifier (the
`lender` role in a receipt's institution record: test_witness_role_receipts.py)."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from contracts.credit_records import SerialStatus
from genesis.example.pledge_case import (
    CASE_STEPS_BEFORE,
    LENDER,
    PLEDGE_RELEASE,
    PLEDGE_SETUP,
    PLEDGED_KG,
)
from genesis.example.xiangshan_case import BATCH_ID, TOWNSHIP_ACCOUNT, xiangshan_case_steps
from protocol.encoding import encode
from protocol.hashing import Hash32
from protocol.results import TxStatus
from tests.receipts import independent_verifier
from tests.receipts.chain import ReceiptChain, key_of
from tests.receipts.tamper import python_code


def pledged_released_retired(chain: ReceiptChain) -> Hash32:
    """Issue to the Township, admit the bank, pledge 100,000 kg, release them, then retire
    exactly those serials (the lowest): returns the retirement's tx id."""
    chain.run_case(xiangshan_case_steps()[:CASE_STEPS_BEFORE])
    chain.keys[LENDER] = key_of(LENDER)
    for step in (*PLEDGE_SETUP, PLEDGE_RELEASE):
        body = dict(step.body)
        if step.tx_type in ("institution.register", "account.open"):
            public_key = chain.keys[LENDER].public_key.hex()
            body |= {"public_keys": [public_key]} if "public_keys" in body else {}
            body |= {"holder_key": public_key} if "holder_key" in body else {}
        prepared = chain.commit((chain.tx(step.sender, step.tx_type, body, step.cosigners),))
        (result,) = prepared.results
        assert result.status is TxStatus.ACCEPTED, (step.label, result)
    retire = chain.tx(
        TOWNSHIP_ACCOUNT,
        "credits.retire",
        {
            "account_id": TOWNSHIP_ACCOUNT,
            "batch_id": BATCH_ID,
            "quantity_kg": PLEDGED_KG,
            "beneficiary": "象山县黄避岙乡 Huangbi'ao Township",
            "purpose": "voluntary_offset",
            "reason": "pledge released, loan repaid",
        },
    )
    prepared = chain.commit((retire,))
    assert prepared.results[0].status is TxStatus.ACCEPTED
    chain.commit()
    return retire.tx_id


@pytest.fixture(scope="module")
def released(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ReceiptChain, Hash32]]:
    chain = ReceiptChain(Path(tmp_path_factory.mktemp("pledge-receipt")), chain_name="pledges")
    retirement = pledged_released_retired(chain)
    yield chain, retirement
    chain.close()


@pytest.mark.parametrize("version", [3, 4])
def test_a_receipt_of_serials_pledged_then_released_verifies(
    released: tuple[ReceiptChain, Hash32], version: int
) -> None:
    chain, retirement = released
    receipt = chain.receipt(retirement, version=version)
    blocks = [e["value"] for e in receipt["state"] if e["key"].startswith("serials/")]
    assert [(b["first_serial"], b["last_serial"]) for b in blocks] == [(1, PLEDGED_KG)]
    assert all(b["status"] == SerialStatus.RETIRED.value for b in blocks)
    document, genesis = encode(receipt), chain.genesis_bytes
    assert python_code(document, genesis) == ""
    assert independent_verifier.verify(document, genesis)[0] is None
