"""docs/PROTOCOL.md §14.5 and tests/vectors/receipt-v1*.json match what the code computes,
and the published receipt verifies in both verifiers."""

from client.receipt_verify import verify_receipt
from protocol.encoding import encode
from tests.receipts import independent_verifier
from tests.receipts import receipt_example as example


def test_protocol_md_receipt_example_is_current() -> None:
    receipt, genesis = example.build_example()
    document = example.DOC.read_text()
    expected = example.document_with_example(document, example.render(receipt, genesis))
    assert document == expected, "run: python -m tests.receipts.receipt_example --rewrite"
    assert example.RECEIPT_FILE.read_bytes() == encode(receipt)
    assert example.GENESIS_FILE.read_bytes() == genesis


def test_the_published_receipt_verifies() -> None:
    receipt = example.RECEIPT_FILE.read_bytes()
    genesis = example.GENESIS_FILE.read_bytes()
    facts = verify_receipt(receipt, genesis)
    assert facts.quantity_kg == 422_500
    assert facts.court_name_zh == "象山县人民法院"
    code, independent = independent_verifier.verify(receipt, genesis)
    assert code is None
    assert independent["receipt_hash"] == facts.receipt_hash
