"""The worked example of batch.link, docs/STATE.md "Batch labels and registry links"
(ADR 0028).

`python -m tests.vectors.links_example --rewrite` writes it into docs/STATE.md (between
its own markers) and tests/vectors/links-v1.json; test_single_examples.py fails when
either is stale. Chain id and time are those of docs/PROTOCOL.md §13, whose bytes this
leaves alone; the issuer's key is an example key made the §13 way.
"""

import sys

from contracts.link_records import BatchLinkBody, BatchLinks, ExternalIdClaim
from contracts.state_keys import batch_links_key, external_id_key
from protocol.codec import copy_fields
from protocol.encoding import JsonObject
from protocol.tx import SignedTx
from tests.vectors.protocol_examples import (
    Section,
)
from tests.vectors.state_examples import add_state_record, signed_example_tx, state_example

EXAMPLE = state_example("links", "Batch labels and registry links")
ISSUER = "xiangshan-county"
HEIGHT = 15
BATCH_ID = "huangbiao-mariculture-2022-v1"
REGISTRY, EXTERNAL_ID = "ccer", "CCER-14-002-V01-2022-000123"
BODY: JsonObject = {
    "batch_id": BATCH_ID,
    "labels": ["ccer_eligible", "judicial_use", "mariculture"],
    "external_ids": [{"registry": REGISTRY, "id": EXTERNAL_ID}],
}


def example_tx() -> SignedTx:
    return signed_example_tx(ISSUER, "batch.link", 1, BODY)


def example_records() -> tuple[BatchLinks, ExternalIdClaim]:
    """The batch's links (its first batch.link) and the claim of its one external id."""
    signed = example_tx()
    body = BatchLinkBody.from_json(signed.tx.body)
    links = copy_fields(BatchLinks, body)
    (external,) = body.external_ids
    claim = copy_fields(
        ExternalIdClaim, external, batch_id=BATCH_ID, linked_by=signed.tx.sender, height=HEIGHT
    )
    return links, claim


def build_section() -> Section:
    signed = example_tx()
    section = Section(
        "A worked example",
        f"{ISSUER} (the issuer of the Huangbi'ao project; its key is the §13 example key of "
        f"that name) links the 2022 batch to its CCER id and labels it; the tx commits at "
        f"height {HEIGHT}, the batch's first batch.link. Chain id and time as in "
        "docs/PROTOCOL.md §13. Two records are written: the batch's links, then the claim "
        "of the external id.",
    )
    section.add("JCS(signed tx)", signed.canonical_bytes().decode())
    section.add("tx_id", signed.tx_id)
    links, claim = example_records()
    add_state_record(section, batch_links_key(BATCH_ID), links.to_json())
    add_state_record(section, external_id_key(REGISTRY, EXTERNAL_ID), claim.to_json())
    return section


if __name__ == "__main__":
    sys.exit(EXAMPLE.main(sys.argv[1:], build_section()))
