"""The bytes of docs/STATE.md's consideration example are what the contracts write (ADR
0031); test_single_examples.py checks that the example and its vector are current."""

import json

from client.tx.help import example_body
from contracts.consideration_records import Consideration
from contracts.state_keys import consideration_key
from contracts.tx_types import TxType
from genesis.example.parties import party_key
from protocol.encoding import JsonObject, decode
from protocol.hashing import sha256
from tests.unit.contracts.conftest import run_steps
from tests.vectors import consideration_example as example
from tests.vectors.contracts.network import TestChain
from tests.vectors.protocol_examples import example_key

SENT = ("height", "tx_id")


def documented_record() -> JsonObject:
    lines = example.build_section().lines
    (record,) = [decode(value.encode()) for label, value in lines if label == "value = JCS(record)"]
    assert isinstance(record, dict)
    return record


def test_the_documented_bytes_parse_as_the_contracts_read_them() -> None:
    values = dict(example.build_section().lines)
    signed = example.example_tx()
    assert signed.canonical_bytes().decode() == values["JCS(signed credits.transfer_priced tx)"]
    assert {s.public_key for s in signed.signatures} == {
        example_key(example.HOLDER).public_key,
        example_key(example.BROKER).public_key,
    }
    assert values["state key"] == consideration_key(signed.tx_id)
    record = Consideration.from_json(documented_record())
    assert record.to_json() == {
        **example.BODY,
        "tx_id": signed.tx_id.hex(),
        "total_fen": 4_478_500,
        "height": example.HEIGHT,
    }
    assert record.agreement_hash == sha256(example.AGREEMENT_DOCUMENT)


def test_the_example_tx_writes_exactly_the_documented_record() -> None:
    """Executed on the Xiangshan chain once the township holds the batch, the tx writes this
    record with these bytes (height and tx id aside, which the chain sets)."""
    chain = run_steps(TestChain.create(), 5)
    holder, broker = party_key(example.HOLDER), party_key(example.BROKER)
    result = chain.submit("credits.transfer_priced", holder, example.BODY, (broker,))
    assert result.reason is None
    written = decode(chain.state.get(consideration_key(result.tx_id)) or b"null")
    assert isinstance(written, dict)
    expected = documented_record()
    assert {k: v for k, v in written.items() if k not in SENT} == {
        k: v for k, v in expected.items() if k not in SENT
    }
    assert written["height"] == chain.height


def test_the_cli_example_body_is_the_worked_examples() -> None:
    packaged = example_body(TxType.CREDITS_TRANSFER_PRICED)
    assert packaged is not None and json.loads(packaged) == example.BODY
