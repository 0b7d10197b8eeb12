"""The worked example of node.announce, docs/STATE.md "Node addresses" (ADR 0023).

`python -m tests.vectors.announcement_example --rewrite` writes it into docs/STATE.md
(between its own markers) and tests/vectors/announcement-v1.json;
test_single_examples.py fails when either is stale. Keys, chain_id and time are
those of docs/PROTOCOL.md §13, whose bytes this leaves alone.
"""

import sys

from contracts.records import NodeAddress
from contracts.state_keys import node_address_key
from protocol.encoding import JsonObject
from protocol.tx import SignedTx, sign_tx
from tests.vectors.protocol_examples import (
    Section,
    chain_id_section,
    example_key,
    example_unsigned_tx,
)
from tests.vectors.state_examples import add_state_record, state_example

EXAMPLE = state_example("announcement", "Node addresses")
ADDRESS = "https://ningbo-ptc.example.cn:7102"
HEIGHT = 12


def example_tx() -> SignedTx:
    _, chain_id = chain_id_section()
    key = example_key("ningbo-ptc")
    body: JsonObject = {"public_key": key.public_key.hex(), "address": ADDRESS}
    return sign_tx(example_unsigned_tx(chain_id, "node.announce", key, 3, body), key)


def build_section() -> Section:
    signed = example_tx()
    key = signed.tx.sender
    section = Section(
        "A worked example",
        f"ningbo-ptc (the §13 example key, a validator) announces its node's address; "
        f"the tx commits at height {HEIGHT}. Chain id and time as in docs/PROTOCOL.md §13.",
    )
    section.add("JCS(signed tx)", signed.canonical_bytes().decode())
    section.add("tx_id", signed.tx_id)
    record = NodeAddress(public_key=key, address=ADDRESS, height=HEIGHT)
    add_state_record(section, node_address_key(key), record.to_json())
    return section


if __name__ == "__main__":
    sys.exit(EXAMPLE.main(sys.argv[1:], build_section()))
