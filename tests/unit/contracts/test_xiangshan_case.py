"""The Xiangshan case end to end: 422,500 kg RETIRED for the case, confirmed by the court."""

import itertools

from contracts.case_records import Case, Retirement
from contracts.credit_records import IssuanceBatch, SerialBlock, SerialStatus
from genesis.example.parties import ECO_ACCOUNT, party_key
from genesis.example.xiangshan_case import BATCH_ID, BUFFER_KG, CASE_ID, ISSUED_KG, SUBSCRIBED_KG
from protocol.encoding import decode
from protocol.results import TxStatus
from tests.vectors.contracts.network import TestChain, run_xiangshan_case


def stored(chain: TestChain, key: str) -> bytes:
    value = chain.state.get(key)
    assert value is not None, key
    return value


def serial_blocks(chain: TestChain) -> list[SerialBlock]:
    prefix = f"serials/{BATCH_ID}/"
    return [
        SerialBlock.from_json(decode(v)) for k, v in chain.state.items() if k.startswith(prefix)
    ]


def test_every_step_is_accepted() -> None:
    outcomes = run_xiangshan_case(TestChain.create())
    assert [result.status for _, result in outcomes] == [TxStatus.ACCEPTED] * len(outcomes)


def test_422_500_kg_retired_for_the_case() -> None:
    chain = TestChain.create()
    outcomes = run_xiangshan_case(chain)
    retired = [b for b in serial_blocks(chain) if b.status is SerialStatus.RETIRED]
    assert sum(b.quantity_kg for b in retired) == SUBSCRIBED_KG == 422_500
    assert {(b.case_id, b.account_id) for b in retired} == {(CASE_ID, ECO_ACCOUNT)}
    (retirement_tx,) = [r.tx_id for s, r in outcomes if s.tx_type == "credits.retire_judicial"]
    assert {b.retirement_id for b in retired} == {retirement_tx}

    record = Retirement.from_json(decode(stored(chain, f"retirement/{retirement_tx.hex()}")))
    assert (record.kind, record.case_id, record.quantity_kg) == ("judicial", CASE_ID, 422_500)
    assert record.ranges == ((1, 422_500),)
    assert record.confirmed_by == party_key("xiangshan-court").public_key
    case = Case.from_json(decode(stored(chain, f"case/{CASE_ID}")))
    assert (case.retired_kg, case.retirement_ids) == (422_500, (retirement_tx,))
    assert [o.masked_name for o in case.obligors] == ["王某某", "李某某"]


def test_batch_is_conserved_and_partitioned() -> None:
    chain = TestChain.create()
    run_xiangshan_case(chain)
    blocks = sorted(serial_blocks(chain), key=lambda b: b.first_serial)
    assert blocks[0].first_serial == 1
    for lower, upper in itertools.pairwise(blocks):
        assert lower.last_serial + 1 == upper.first_serial
    assert blocks[-1].last_serial == ISSUED_KG + BUFFER_KG
    by_status = {s: sum(b.quantity_kg for b in blocks if b.status is s) for s in SerialStatus}
    assert by_status[SerialStatus.BUFFER] == BUFFER_KG
    assert by_status[SerialStatus.ACTIVE] == ISSUED_KG - SUBSCRIBED_KG
    batch = IssuanceBatch.from_json(decode(stored(chain, f"batch/{BATCH_ID}")))
    assert batch.retired_kg == SUBSCRIBED_KG


def test_court_key_holds_the_court_role_in_state() -> None:
    chain = TestChain.create()
    run_xiangshan_case(chain)
    court_key = party_key("xiangshan-court").public_key
    record = decode(stored(chain, f"key/{court_key.hex()}"))
    assert record == {"public_key": court_key.hex(), "institution_id": "xiangshan-court"}
    institution = decode(stored(chain, "institution/xiangshan-court"))
    assert isinstance(institution, dict) and institution["roles"] == ["court"]
