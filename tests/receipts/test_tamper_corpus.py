"""The tamper corpus on in-process receipts: each case fails with its own §14.4 code in our
verifier and is rejected (with the same code) by the independent verifier."""

import json

import pytest

from client.receipt.codes import ReceiptError
from client.receipt.verify import verify_receipt
from node.proofs import state_entry
from protocol.encoding import encode
from tests.receipts import independent_verifier
from tests.receipts.chain import key_of
from tests.receipts.conftest import CaseChain
from tests.receipts.tamper import TamperCase, field_cases, splice_cases
from tests.receipts.tamper_holes import hole_cases, relabelled_index_case
from tests.receipts.tamper_log import announced_at_top_cases, log_binding_cases, name_bound_cases
from tests.receipts.tamper_reseal import reseal_cases
from tests.receipts.tamper_signatures import weak_r_cases
from tests.receipts.tamper_v4 import format_4_cases


def corpus(
    case_chain: CaseChain, other_chain: CaseChain, attested_chain: CaseChain
) -> list[TamperCase]:
    """Format-3 cases (the receipt format of the committed vectors), then format 4's."""
    chain = case_chain.chain
    receipt = chain.receipt(case_chain.judicial)
    height = receipt["tx"]["height"]
    validators = chain.ledger.validators_for_next_height()
    keys = [(v.name, chain.keys[v.name]) for v in validators.validators]
    cases = field_cases(receipt, checkpoint_quorum=validators.quorum)
    cases += splice_cases(
        receipt,
        other_retirement=chain.receipt(case_chain.voluntary),
        other_chain=other_chain.chain.receipt(other_chain.judicial),
        rejected=chain.receipt(case_chain.rejected),
        extra_entry=state_entry(chain.ledger, "params", height),
        outsider_key=key_of("xiangshan-court"),
        quorum=validators.quorum,
    )
    cases += list(reseal_cases(receipt, keys))
    genesis_set = json.loads(chain.genesis_bytes)["validators"]
    cases += hole_cases(receipt, keys, genesis_set)
    cases += log_binding_cases(receipt, keys, genesis_set)
    cases += announced_at_top_cases(receipt, keys, genesis_set)
    cases += name_bound_cases(receipt, keys, genesis_set)
    cases += weak_r_cases(receipt, keys)
    cases.append(relabelled_index_case(chain.receipt(case_chain.voluntary)))
    cases += format_4_cases(
        chain.receipt(case_chain.judicial, version=4),
        attested_chain.chain.receipt(attested_chain.judicial, version=4),
        receipt,
        keys,
    )
    return cases


def check_case(case: TamperCase, genesis: bytes) -> None:
    if case.code:
        with pytest.raises(ReceiptError) as raised:
            verify_receipt(case.receipt, genesis)
        assert raised.value.code.value == case.code, (case.name, raised.value)
    else:
        verify_receipt(case.receipt, genesis)
    code, _facts = independent_verifier.verify(case.receipt, genesis)
    assert code == (case.code or None), (case.name, code)


def test_every_tamper_case_fails_with_its_code_in_both_verifiers(
    case_chain: CaseChain, other_chain: CaseChain, attested_chain: CaseChain
) -> None:
    cases = corpus(case_chain, other_chain, attested_chain)
    assert len(cases) >= 60
    names = [case.name for case in cases]
    assert len(names) == len(set(names))
    for case in cases:
        check_case(case, case_chain.chain.genesis_bytes)


def test_the_corpus_covers_every_acceptance_case(
    case_chain: CaseChain, other_chain: CaseChain, attested_chain: CaseChain
) -> None:
    codes = {case.code for case in corpus(case_chain, other_chain, attested_chain)}
    assert {
        "WRONG_RETIREMENT",
        "CHECKPOINT_WRONG_CHAIN",
        "DUPLICATE_SIGNER",
        "NOT_A_VALIDATOR",
        "CHECKPOINT_QUORUM",
        "QUORUM_NOT_REACHED",
        "TX_NOT_ACCEPTED",
        "COURT_ROLE_MISSING",
        "BAD_STATE_PROOF",
        "BAD_TX_PROOF",
        "BAD_RESULT_PROOF",
        "BAD_HISTORY_PROOF",
        "BAD_CHECKPOINT",
        "BAD_CERTIFICATE",
        "BAD_TX_SIGNATURE",
    } <= codes


@pytest.mark.parametrize("which", ["judicial", "voluntary"])
def test_valid_receipts_verify_in_both(case_chain: CaseChain, which: str) -> None:
    chain = case_chain.chain
    receipt = encode(chain.receipt(getattr(case_chain, which)))
    facts = verify_receipt(receipt, chain.genesis_bytes)
    code, independent = independent_verifier.verify(receipt, chain.genesis_bytes)
    assert code is None
    assert independent["receipt_hash"] == facts.receipt_hash
    assert independent["receipt_digest"] == facts.receipt_digest
    assert facts.kind == which
    assert facts.quantity_kg == (422_500 if which == "judicial" else 1_000)


def test_a_receipt_against_another_genesis_is_refused(
    case_chain: CaseChain, other_chain: CaseChain
) -> None:
    receipt = encode(case_chain.chain.receipt(case_chain.judicial))
    with pytest.raises(ReceiptError) as raised:
        verify_receipt(receipt, other_chain.chain.genesis_bytes)
    assert raised.value.code.value == "WRONG_CHAIN"
    assert independent_verifier.verify(receipt, other_chain.chain.genesis_bytes)[0] == "WRONG_CHAIN"


def test_a_relabelled_index_keeps_the_receipt_digest(case_chain: CaseChain) -> None:
    receipt = case_chain.chain.receipt(case_chain.voluntary)
    relabelled = relabelled_index_case(receipt).receipt
    assert relabelled != encode(receipt)
    original = verify_receipt(encode(receipt), case_chain.chain.genesis_bytes)
    shown = verify_receipt(relabelled, case_chain.chain.genesis_bytes)
    assert shown.receipt_digest == original.receipt_digest == receipt["receipt_digest"]
    assert (
        independent_verifier.verify(relabelled, case_chain.chain.genesis_bytes)[1]["receipt_digest"]
        == original.receipt_digest
    )
