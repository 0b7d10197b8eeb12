"""The worked example of credits.pledge and credits.pledge_release, docs/STATE.md "Pledges"
(ADR 0032).

`python -m tests.vectors.pledge_example --rewrite` writes it into docs/STATE.md (between its
own markers) and tests/vectors/pledge-v1.json; test_single_examples.py fails when either is
stale. Chain id and time are those of docs/PROTOCOL.md §13, whose bytes this leaves alone;
the Township's and the bank's keys are example keys made the §13 way. The agreement and the
loan contract are illustrative.
"""

import sys
from dataclasses import replace

from contracts.credit_records import SerialBlock, SerialStatus
from contracts.pledge_records import Pledge, PledgeBody, PledgedBlock, PledgeStatus
from contracts.state_keys import pledge_key, pledged_block_key, serial_block_key
from genesis.example.pledge_case import LENDER, PLEDGE_ID, PLEDGED_KG
from genesis.example.xiangshan_case import BATCH_ID, TOWNSHIP_ACCOUNT
from protocol.codec import copy_fields
from protocol.encoding import JsonObject
from protocol.hashing import sha256
from protocol.tx import SignedTx, sign_tx
from tests.vectors.protocol_examples import Section, example_key
from tests.vectors.state_examples import (
    add_signed_tx,
    add_state_record,
    signed_example_tx,
    state_example,
)

EXAMPLE = state_example("pledge", "Pledges")
PLEDGE_HEIGHT, RELEASE_HEIGHT = 21, 30
AGREEMENT = "象山县黄避岙乡蓝碳质押合同 2024-001（示例 illustrative）".encode()
LOAN_CONTRACT = "浙江象山农村商业银行 流动资金借款合同 2024-001（示例 illustrative）".encode()
"""The documents as signed (off chain); the chain keeps their SHA-256 only."""
PLEDGE_BODY: JsonObject = {
    "pledge_id": PLEDGE_ID,
    "account_id": TOWNSHIP_ACCOUNT,
    "batch_id": BATCH_ID,
    "quantity_kg": PLEDGED_KG,
    "lender": LENDER,
    "agreement_hash": sha256(AGREEMENT).hex(),
    "loan_reference_hash": sha256(LOAN_CONTRACT).hex(),
}
RELEASE_BODY: JsonObject = {"pledge_id": PLEDGE_ID}


def example_txs() -> tuple[SignedTx, SignedTx]:
    """The Township's credits.pledge co-signed by the bank (nonce 1 of the Township), and
    the bank's credits.pledge_release (nonce 1 of the bank)."""
    pledge = signed_example_tx(TOWNSHIP_ACCOUNT, "credits.pledge", 1, PLEDGE_BODY)
    pledge = sign_tx(pledge, example_key(LENDER))
    return pledge, signed_example_tx(LENDER, "credits.pledge_release", 1, RELEASE_BODY)


def example_records() -> tuple[Pledge, PledgedBlock, SerialBlock, Pledge]:
    """The pledge, the index entry and the block it pledged; then the released pledge."""
    pledging, _ = example_txs()
    pledge = copy_fields(
        Pledge,
        PledgeBody.from_json(pledging.tx.body),
        ranges=((1, PLEDGED_KG),),
        pledged_by=pledging.tx.sender,
        height=PLEDGE_HEIGHT,
        status=PledgeStatus.ACTIVE,
        closed_height=None,
        enforced_to=None,
        enforced_with=None,
    )
    block = SerialBlock.from_json(
        {"batch_id": BATCH_ID, "first_serial": 1, "last_serial": PLEDGED_KG}
        | {"status": SerialStatus.PLEDGED.value, "account_id": TOWNSHIP_ACCOUNT}
        | dict.fromkeys(("frozen_by", "retirement_id", "case_id"))
    )
    mark = PledgedBlock(pledge_id=PLEDGE_ID, last_serial=PLEDGED_KG)
    released = replace(pledge, status=PledgeStatus.RELEASED, closed_height=RELEASE_HEIGHT)
    return pledge, mark, block, released


def build_section() -> Section:
    pledging, releasing = example_txs()
    pledge, mark, block, released = example_records()
    section = Section(
        "A worked example",
        f"{TOWNSHIP_ACCOUNT} pledges the lowest {PLEDGED_KG:,} kg of batch {BATCH_ID} to "
        f"{LENDER} (Zhejiang Xiangshan Rural Commercial Bank, role `lender`) at height "
        f"{PLEDGE_HEIGHT}; the bank's key co-signs. Serials 1..{PLEDGED_KG} turn `pledged` "
        f"and `pledged/{BATCH_ID}/…01` names the pledge. At height {RELEASE_HEIGHT} the loan "
        "is repaid and the bank releases the pledge: the block is `active` again, exactly as "
        "before, the index key is gone (its non-inclusion proof now shows the block is not "
        "pledged) and the pledge reads `released`. Keys are the §13 example keys of those "
        "names; the document hashes are SHA-256 of the files as signed "
        "(`tests/vectors/pledge_example.py`). Chain id and time as in docs/PROTOCOL.md §13.",
    )
    add_signed_tx(section, pledging, "credits.pledge")
    add_state_record(section, pledge_key(PLEDGE_ID), pledge.to_json())
    add_state_record(section, pledged_block_key(BATCH_ID, 1), mark.to_json())
    add_state_record(section, serial_block_key(BATCH_ID, 1), block.to_json())
    add_signed_tx(section, releasing, "credits.pledge_release")
    add_state_record(section, pledge_key(PLEDGE_ID), released.to_json())
    return section


if __name__ == "__main__":
    sys.exit(EXAMPLE.main(sys.argv[1:], build_section()))
