"""The checker page's verifier (node/web/static/verify.js) tells a receipt's printable copy
(the PDF) from a damaged receipt, as `lantan verify receipt` does: a clerk who drops the PDF
is told to choose the JSON receipt, not shown a verdict on a file that is no receipt."""

import base64

from protocol.encoding import encode
from tests.receipts.conftest import CaseChain
from tests.receipts.test_witness_checker_js import pytestmark, run_js  # noqa: F401

PRINTED = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"


def test_a_pdf_is_named_a_printable_copy_and_bad_bytes_stay_malformed(
    case_chain: CaseChain,
) -> None:
    chain = case_chain.chain
    receipt = encode(chain.receipt(case_chain.judicial, version=4))
    files = {
        "receipt": receipt,
        "pdf": PRINTED,
        "not utf-8": b"\xff\xfe" + receipt,
        "starts like a pdf": b"%PDF",  # shorter than the magic: an ordinary bad file
    }
    answer = run_js(
        chain.genesis_bytes,
        {},
        files={name: base64.b64encode(data).decode() for name, data in files.items()},
    )
    assert answer == {
        "receipt": "",
        "pdf": "MALFORMED printable",
        "not utf-8": "MALFORMED",
        "starts like a pdf": "MALFORMED",
    }
