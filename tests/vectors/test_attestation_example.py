"""The bytes of docs/STATE.md's verification.attest example are what the contracts write
(ADR 0026); test_single_examples.py checks that the example and its vector are current."""

from contracts.credit_records import AttestedVerification
from protocol.encoding import decode
from tests.vectors import attestation_example as example


def test_the_documented_bytes_parse_as_the_contracts_read_them() -> None:
    values = dict(example.build_section().lines)
    signed = example.example_tx()
    assert signed.canonical_bytes().decode() == values["JCS(signed tx)"]
    record = AttestedVerification.from_json(decode(values["value = JCS(record)"].encode()))
    assert record.attested_by == signed.tx.sender and record.height == example.HEIGHT
    assert record.verifier == example.VERIFIER and record.issued_kg == 0
    assert record.to_json() == {
        **example.BODY,
        "attested_by": signed.tx.sender.hex(),
        "height": example.HEIGHT,
        "issued_kg": 0,
    }
    assert values["state key"] == f"attested_verification/{example.BODY['verification_id']}"
