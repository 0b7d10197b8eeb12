"""The bytes of docs/STATE.md's auction example are what the contracts write (ADR 0034);
test_single_examples.py checks that the example and its vector are current."""

from contracts.auction_records import Bid, Lot, auction_outcome, bid_commitment
from contracts.state_keys import auction_key, consideration_key, escrowed_block_key
from genesis.example.auction_case import (
    AUCTION_SETUP,
    BID_STEPS,
    BIDDERS,
    CASE_STEPS_BEFORE,
    LOT_ID,
    TERMS,
    WINNER,
    open_step,
    run_auction_case,
)
from genesis.example.xiangshan_case import BATCH_ID
from protocol.encoding import JsonObject, decode
from protocol.hashing import sha256
from tests.unit.contracts.conftest import run_steps
from tests.vectors import auction_example as example
from tests.vectors.contracts.network import TestChain
from tests.vectors.state_examples import documented_records, without

SENT = ("opened_by", "tx_id", "reveal_tx_id", "settle_tx_id")
"""What the sending keys decide (example keys differ from the chain's): the opener's key and
the tx ids. Heights and everything else are the chain's own."""


def documented() -> list[tuple[str, JsonObject]]:
    lines = example.build_section().lines
    keys = [value for label, value in lines if label == "state key"]
    return list(zip(keys, documented_records(example.build_section()), strict=True))


def test_the_documented_bytes_parse_as_the_contracts_read_them() -> None:
    values = dict(example.build_section().lines)
    opening, bids, reveals, settle = example.example_txs()
    assert opening.canonical_bytes().decode() == values["JCS(signed auction.open tx)"]
    assert len(opening.signatures) == 2
    assert len(bids) == 3 and len(reveals) == 2
    assert settle.canonical_bytes().decode() == values["JCS(signed auction.settle tx)"]
    commitment = bid_commitment(LOT_ID, WINNER.account_id, WINNER.price_fen_per_t, WINNER.salt)
    assert values["commitment = SHA-256(tag || JCS(committed bid))"] == commitment.hex()
    assert bytes.fromhex(values["commitment tag"]) == b"lantan/v1/auction-bid\x00"
    preimage = bytes.fromhex(values["commitment tag"]) + values["JCS(committed bid)"].encode()
    assert sha256(preimage) == commitment
    records = dict(documented())
    settled = Lot.from_json(records[auction_key(LOT_ID)])
    assert settled.terms_hash == sha256(TERMS)
    bid = Bid.from_json(records[f"auction_bid/{LOT_ID}/{WINNER.account_id}"])
    assert bid.commitment == commitment and bid.revealed_price_fen_per_t == 10_600
    assert (settled.winner_account, settled.price_fen_per_t, settled.total_fen) == (
        WINNER.account_id,
        10_600,
        2_480_506,
    )
    assert settled.unrevealed == (BIDDERS[2].account_id,)


def test_the_example_txs_write_exactly_the_documented_records() -> None:
    chain = run_steps(TestChain.create(), CASE_STEPS_BEFORE)
    results = run_auction_case(chain)
    assert [r.reason for _, r in results] == [None] * len(results)
    settle_tx = chain.log[-1][0]
    assert chain.height == example.SETTLE_HEIGHT
    records = documented()
    # The state after settlement holds the last lot, bid, consideration and block records.
    final = dict(records)
    escrow_mark = escrowed_block_key(BATCH_ID, 1)
    del final[escrow_mark]  # deleted at settlement
    assert chain.state.get(escrow_mark) is None
    final[consideration_key(settle_tx.tx_id)] = final.pop(
        consideration_key(example.example_txs()[3].tx_id)
    )
    for key, expected in final.items():
        written = decode(chain.state.get(key) or b"null")
        assert isinstance(written, dict), key
        assert without(written, SENT) == without(expected, SENT), key
    lot = Lot.from_json(final[auction_key(LOT_ID)])
    bids = [
        Bid.from_json(decode(chain.state.get(f"auction_bid/{LOT_ID}/{a}") or b"null"))
        for a in lot.bidders
    ]
    assert auction_outcome(lot, bids).winner_account == WINNER.account_id


def test_the_intermediate_records_are_those_the_chain_writes() -> None:
    """The lot as opened, the escrow mark and block, the sealed bid: checked at their heights."""
    chain = run_steps(TestChain.create(), CASE_STEPS_BEFORE)
    records = documented()
    opened = dict(records[:3])
    sealed_key, sealed = records[3]
    for step in AUCTION_SETUP:
        assert chain.submit_step(step).reason is None
    assert chain.submit_step(open_step(chain.height + 1)).reason is None
    assert chain.height == example.OPEN_HEIGHT
    for key, expected in opened.items():
        written = decode(chain.state.get(key) or b"null")
        assert isinstance(written, dict), key
        assert without(written, SENT) == without(expected, SENT), key
    assert chain.submit_step(BID_STEPS[0]).reason is None
    written = decode(chain.state.get(sealed_key) or b"null")
    assert isinstance(written, dict)
    assert without(written, SENT) == without(sealed, SENT)
