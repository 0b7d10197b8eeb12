"""The bytes of docs/STATE.md's pledge example are what the contracts write (ADR 0032);
test_single_examples.py checks that the example and its vector are current."""

from contracts.pledge_records import Pledge
from contracts.state_keys import pledge_key, pledged_block_key, serial_block_key
from genesis.example.parties import party_key
from genesis.example.pledge_case import CASE_STEPS_BEFORE, LENDER, PLEDGE_SETUP
from genesis.example.xiangshan_case import BATCH_ID, TOWNSHIP_ACCOUNT
from protocol.encoding import JsonObject, decode
from protocol.hashing import sha256
from tests.unit.contracts.conftest import run_steps
from tests.vectors import pledge_example as example
from tests.vectors.contracts.network import TestChain

SENT = ("height", "pledged_by", "closed_height")
"""What the chain sets: the heights and the sending key (example keys differ from the
chain's)."""


def documented() -> list[tuple[str, JsonObject]]:
    lines = example.build_section().lines
    keys = [value for label, value in lines if label == "state key"]
    values = [decode(value.encode()) for label, value in lines if label == "value = JCS(record)"]
    assert all(isinstance(value, dict) for value in values)
    return list(zip(keys, values, strict=True))  # type: ignore[arg-type]


def without_sent(record: JsonObject) -> JsonObject:
    return {k: v for k, v in record.items() if k not in SENT}


def test_the_documented_bytes_parse_as_the_contracts_read_them() -> None:
    values = dict(example.build_section().lines)
    pledging, releasing = example.example_txs()
    assert pledging.canonical_bytes().decode() == values["JCS(signed credits.pledge tx)"]
    assert len(pledging.signatures) == 2
    assert releasing.canonical_bytes().decode() == values["JCS(signed credits.pledge_release tx)"]
    (_, pledge_json), *_, (_, released_json) = documented()
    pledge = Pledge.from_json(pledge_json)
    assert pledge.agreement_hash == sha256(example.AGREEMENT)
    assert pledge.loan_reference_hash == sha256(example.LOAN_CONTRACT)
    assert (pledge.status, pledge.height) == ("active", example.PLEDGE_HEIGHT)
    released = Pledge.from_json(released_json)
    assert (released.status, released.closed_height) == ("released", example.RELEASE_HEIGHT)


def test_the_example_txs_write_exactly_the_documented_records() -> None:
    chain = run_steps(TestChain.create(), CASE_STEPS_BEFORE)
    for step in PLEDGE_SETUP[:-1]:
        assert chain.submit_step(step).reason is None
    township, bank = party_key(TOWNSHIP_ACCOUNT), party_key(LENDER)
    assert chain.submit("credits.pledge", township, example.PLEDGE_BODY, (bank,)).reason is None
    records = documented()
    for key, expected in records[:3]:
        written = decode(chain.state.get(key) or b"null")
        assert isinstance(written, dict), key
        assert without_sent(written) == without_sent(expected), key
    assert chain.submit("credits.pledge_release", bank, example.RELEASE_BODY).reason is None
    key, expected = records[3]
    written = decode(chain.state.get(key) or b"null")
    assert isinstance(written, dict)
    assert without_sent(written) == without_sent(expected)
    assert chain.state.get(pledged_block_key(BATCH_ID, 1)) is None
    block = decode(chain.state.get(serial_block_key(BATCH_ID, 1)) or b"null")
    assert isinstance(block, dict) and block["status"] == "active"
    assert key == pledge_key(example.PLEDGE_BODY["pledge_id"])  # type: ignore[arg-type]
