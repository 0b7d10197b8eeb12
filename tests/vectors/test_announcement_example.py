"""The bytes of docs/STATE.md's node.announce example are what the contracts write (ADR 0023);
test_single_examples.py checks that the example and its vector are current."""

from contracts.bodies_governance import NodeAnnounceBody
from contracts.records import NodeAddress
from protocol.encoding import decode
from tests.vectors import announcement_example as example


def test_the_documented_bytes_parse_as_the_contracts_read_them() -> None:
    values = dict(example.build_section().lines)
    signed = example.example_tx()
    assert signed.canonical_bytes().decode() == values["JCS(signed tx)"]
    body = NodeAnnounceBody.from_json(signed.tx.body)
    assert body.public_key == signed.tx.sender and body.address == example.ADDRESS
    record = NodeAddress.from_json(decode(values["value = JCS(record)"].encode()))
    assert record.public_key == body.public_key and record.height == example.HEIGHT
    assert values["state key"] == f"node_address/{body.public_key.hex()}"
