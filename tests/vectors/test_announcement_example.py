"""docs/STATE.md's node.announce example and tests/vectors/announcement-v1.json match the
code (ADR 0023), and the documented bytes are what the contracts write."""

from contracts.bodies_governance import NodeAnnounceBody
from contracts.records import NodeAddress
from protocol.encoding import decode
from tests.vectors import announcement_example as example
from tests.vectors.doc_splice import with_example


def test_state_md_example_is_current() -> None:
    document = example.DOC.read_text()
    expected = with_example(document, example.MARKERS, example.build_section().markdown())
    assert document == expected, "run: python -m tests.vectors.announcement_example --rewrite"


def test_json_vector_is_current() -> None:
    assert example.VECTORS.read_text() == example.render_json(example.build_section())


def test_the_documented_bytes_parse_as_the_contracts_read_them() -> None:
    values = dict(example.build_section().lines)
    signed = example.example_tx()
    assert signed.canonical_bytes().decode() == values["JCS(signed tx)"]
    body = NodeAnnounceBody.from_json(signed.tx.body)
    assert body.public_key == signed.tx.sender and body.address == example.ADDRESS
    record = NodeAddress.from_json(decode(values["value = JCS(record)"].encode()))
    assert record.public_key == body.public_key and record.height == example.HEIGHT
    assert values["state key"] == f"node_address/{body.public_key.hex()}"
