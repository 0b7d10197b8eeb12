"""client/receipt/tx_proof.py: `lantan verify tx`'s check of a node's /v1/proofs/tx answer.

The answer names the tx's height twice, in `height` and in the certified `header`; a node
that serves two different heights is refused, as a receipt with them is (PROTOCOL.md
§14.4 step 3, BAD_CHAIN), rather than shown with one and its signers' key records fetched
at the other (found by the outside C verifier's tampering proxy, stop 49).
"""

import copy
import json
from typing import Any

import pytest

from client.receipt.codes import ReceiptCode, ReceiptError
from client.receipt.tx_proof import verify_tx_proof
from tests.receipts.conftest import CaseChain


def served(case_chain: CaseChain) -> tuple[dict[str, Any], dict[str, Any], list[Any]]:
    """What a node serves for the judicial retirement: /v1/proofs/tx, /v1/validator-sets
    and the signers' key records, taken from its receipt."""
    chain = case_chain.chain
    receipt = chain.receipt(case_chain.judicial)
    tx_answer = {
        **receipt["tx"],
        "header": receipt["block"]["header"],
        "certificate": receipt["block"]["certificate"],
    }
    sets = {"genesis": json.loads(chain.genesis_bytes)["validators"], "changes": []}
    keys = [e for e in receipt["state"] if e["key"].startswith("key/")]
    return tx_answer, sets, keys


def test_a_served_tx_proof_verifies_at_its_headers_height(case_chain: CaseChain) -> None:
    tx_answer, sets, keys = served(case_chain)
    facts = verify_tx_proof(tx_answer, sets, keys, case_chain.chain.genesis_bytes)
    assert facts.accepted
    assert facts.height == tx_answer["header"]["height"] == tx_answer["height"]


@pytest.mark.parametrize("shift", [-1, 1])
def test_an_answer_whose_height_is_not_its_headers_is_refused(
    case_chain: CaseChain, shift: int
) -> None:
    tx_answer, sets, keys = served(case_chain)
    changed = copy.deepcopy(tx_answer)
    changed["height"] += shift
    with pytest.raises(ReceiptError) as raised:
        verify_tx_proof(changed, sets, keys, case_chain.chain.genesis_bytes)
    assert raised.value.code is ReceiptCode.BAD_CHAIN
