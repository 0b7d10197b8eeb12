"""What an auditor with standard transparency-log tooling found misnamed (stop 57, F5, F6,
F9): a receipt's tlog-proof or checkpoint changed one way gets a detail naming that cause,
from client/receipt and from the checker page's verify.js alike (the codes never change).
"""

import json
from typing import Any

import pytest

from client.cli.verify import report_receipt
from client.receipt.codes import ReceiptError
from client.receipt.verify import verify_receipt
from protocol.encoding import encode
from tests.receipts.conftest import CaseChain
from tests.receipts.test_witness_checker_js import NODE, run_js


def _cases(case: CaseChain) -> dict[str, tuple[bytes, str]]:
    """name -> (receipt, "CODE: detail" both verifiers give)."""
    chain = case.chain
    receipt: dict[str, Any] = chain.receipt(case.judicial)
    height, proof = receipt["tx"]["height"], receipt["history_proof"]
    head, _, note = proof.partition("\n\n")
    header, index_line, hashes = head.split("\n", 2)
    text, _, signatures = note.partition("\n\n")
    origin = text.split("\n", 1)[0]

    def history(value: str) -> bytes:
        return encode({**receipt, "history_proof": value})

    small = chain.notes[height]  # genuine, signed, of size `height`: it holds 0..height-1
    altered_origin = origin[:-1] + ("0" if origin[-1] != "0" else "1")
    return {
        "extra": (
            history(f"{header}\nextra aGVsbG8=\n{index_line}\n{hashes}\n\n{note}"),
            "BAD_CHECKPOINT: tlog-proof extra data is not allowed in a Lantan receipt",
        ),
        "too small": (
            history(f"{head}\n\n{small}"),
            f"BAD_HISTORY_PROOF: the checkpoint (size {height}) does not hold height {height}",
        ),
        "wrong index": (
            history(f"{header}\nindex {height - 1}\n{hashes}\n\n{note}"),
            f"BAD_HISTORY_PROOF: tlog-proof index {height - 1} is not the header's height {height}",
        ),
        "extension line": (
            history(f"{head}\n\n{text}\next\n\n{signatures}"),
            "BAD_CHECKPOINT: the checkpoint text has 4 lines; a Lantan checkpoint body has "
            "exactly 3",
        ),
        "altered origin": (
            history(proof.replace(origin, altered_origin, 1)),
            f"CHECKPOINT_WRONG_CHAIN: checkpoint origin {altered_origin} is not this "
            "network's, and its validator signatures do not verify either: the checkpoint "
            "was altered, or it is another network's",
        ),
    }


def _python(receipt: bytes, genesis: bytes) -> str:
    try:
        verify_receipt(receipt, genesis)
    except ReceiptError as error:
        return f"{error.code.value}: {error.detail}"
    return ""


def test_the_python_verifier_names_the_cause(case_chain: CaseChain) -> None:
    genesis = case_chain.chain.genesis_bytes
    cases = _cases(case_chain)
    assert {name: _python(r, genesis) for name, (r, _) in cases.items()} == {
        name: want for name, (_, want) in cases.items()
    }


def test_an_altered_origin_is_not_only_another_network(
    case_chain: CaseChain, capsys: pytest.CaptureFixture[str]
) -> None:
    """F9b: the origin is checked first (§14.4), so the code stays; the hint says altered
    too when the validators' signatures fail as well."""
    receipt, _ = _cases(case_chain)["altered origin"]
    report_receipt(receipt, case_chain.chain.genesis_bytes, as_json=True)
    assert "checkpoint was altered" in json.loads(capsys.readouterr().out)["hint"]


@pytest.mark.skipif(NODE is None, reason="Node.js is not installed (apt-get install nodejs)")
def test_the_checker_page_names_the_same_cause(case_chain: CaseChain) -> None:
    cases = _cases(case_chain)
    got = run_js(
        case_chain.chain.genesis_bytes,
        {name: r for name, (r, _) in cases.items()},
        details=True,
    )
    want = {name: w for name, (_, w) in cases.items()}
    # The checker quotes the origin as JSON (its other details do too).
    origin = want["altered origin"].split(" ")[3]
    want["altered origin"] = want["altered origin"].replace(origin, json.dumps(origin), 1)
    assert got == want
