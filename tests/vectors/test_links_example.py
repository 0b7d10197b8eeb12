"""The bytes of docs/STATE.md's batch.link example are what the contracts write (ADR 0028):
the documented tx and records parse as the contracts read them, and the records hold the
tx's fields; test_single_examples.py checks that the example and its vector are
current."""

from contracts.link_records import BatchLinks, ExternalIdClaim
from protocol.encoding import decode
from tests.vectors import links_example as example


def test_the_documented_bytes_parse_as_the_contracts_read_them() -> None:
    lines = example.build_section().lines
    signed = example.example_tx()
    assert dict(lines)["JCS(signed tx)"] == signed.canonical_bytes().decode()
    keys = [value for label, value in lines if label == "state key"]
    values = [value for label, value in lines if label == "value = JCS(record)"]
    assert keys == [
        f"batch_links/{example.BATCH_ID}",
        f"external_id/{example.REGISTRY}/{example.EXTERNAL_ID}",
    ]
    links = BatchLinks.from_json(decode(values[0].encode()))
    assert links.to_json() == example.BODY
    claim = ExternalIdClaim.from_json(decode(values[1].encode()))
    assert claim.to_json() == {
        "registry": example.REGISTRY,
        "id": example.EXTERNAL_ID,
        "batch_id": example.BATCH_ID,
        "linked_by": signed.tx.sender.hex(),
        "height": example.HEIGHT,
    }
