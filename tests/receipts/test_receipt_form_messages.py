"""What `lantan verify receipt` says of a file that is not a receipt: the field that is
missing, or where the JSON ends, in words a clerk can pass on (not a Python KeyError's
bare key, not "starting at at offset")."""

from pathlib import Path

import pytest

from client.receipt.codes import ReceiptCode, ReceiptError
from client.receipt.verify import verify_receipt

GENESIS = (Path(__file__).parents[1] / "vectors" / "receipt-v1-genesis.json").read_bytes()
RECEIPT = (Path(__file__).parents[1] / "vectors" / "receipt-v1.json").read_bytes()


def malformed(receipt: bytes) -> str:
    with pytest.raises(ReceiptError) as raised:
        verify_receipt(receipt, GENESIS)
    assert raised.value.code is ReceiptCode.MALFORMED
    return raised.value.detail


def test_an_object_without_a_version_names_the_missing_field() -> None:
    assert malformed(b"{}") == "missing field 'receipt_version'"


def test_the_genesis_file_given_as_the_receipt_names_the_missing_field() -> None:
    assert malformed(GENESIS) == "missing field 'receipt_version'"


def test_a_truncated_receipt_says_where_its_json_ends() -> None:
    detail = malformed(RECEIPT[: len(RECEIPT) // 2])
    assert detail.startswith("malformed JSON: ") and ": character " in detail, detail
    assert "at at" not in detail
