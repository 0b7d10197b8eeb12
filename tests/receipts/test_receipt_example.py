"""docs/PROTOCOL.md §14.5 and tests/vectors/receipt-v1*.json match what the code computes,
and the published receipt verifies in both verifiers."""

from client.receipt.verify import verify_receipt
from protocol.encoding import encode
from tests.receipts import independent_verifier
from tests.receipts import receipt_example as example
from tests.vectors.protocol_examples import DOC


def test_protocol_md_receipt_example_is_current() -> None:
    receipt, genesis = example.build_example()
    document = DOC.read_text()
    expected = example.current_document(document, receipt, genesis)
    assert document == expected, "run: python -m tests.receipts.receipt_example --rewrite"
    assert receipt["receipt_version"] == 3
    assert example.RECEIPT_FILE.read_bytes() == encode(example.as_format_2(receipt))
    assert example.FORMAT_3_FILE.read_bytes() == encode(receipt)
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
    assert independent["receipt_digest"] == facts.receipt_digest


def test_format_2_and_3_files_verify_with_one_digest() -> None:
    """receipt-v1.json (format 2, unchanged) and receipt-v3.json: VALID in both verifiers,
    each says its version, one digest."""
    genesis = example.GENESIS_FILE.read_bytes()
    two = verify_receipt(example.RECEIPT_FILE.read_bytes(), genesis)
    three = verify_receipt(example.FORMAT_3_FILE.read_bytes(), genesis)
    assert (two.receipt_version, three.receipt_version) == (2, 3)
    assert two.receipt_digest == three.receipt_digest
    code, independent = independent_verifier.verify(example.FORMAT_3_FILE.read_bytes(), genesis)
    assert code is None and independent["receipt_version"] == 3
    assert independent["receipt_digest"] == three.receipt_digest


def test_a_version_1_receipt_still_verifies_with_the_same_digest() -> None:
    """The example as nodes served it before version 2 (tests/vectors/receipt-v1-format1.json,
    committed unchanged): VALID, says version 1, and has the version-2 file's digest."""
    genesis = example.GENESIS_FILE.read_bytes()
    old = verify_receipt(example.FORMAT_1_FILE.read_bytes(), genesis)
    new = verify_receipt(example.RECEIPT_FILE.read_bytes(), genesis)
    assert (old.receipt_version, new.receipt_version) == (1, 2)
    assert old.receipt_digest == new.receipt_digest
    assert old.receipt_hash != new.receipt_hash
    code, independent = independent_verifier.verify(example.FORMAT_1_FILE.read_bytes(), genesis)
    assert code is None and independent["receipt_digest"] == old.receipt_digest
    assert independent["receipt_version"] == 1
