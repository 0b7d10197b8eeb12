"""auction.open, auction.bid, auction.reveal, auction.settle (ADR 0034): escrowed serials
move only at settlement; the highest valid revealed bid wins, ties to the earlier bid;
every refusal has its own reason."""

from dataclasses import replace
from typing import Any

import pytest

from contracts import auction_records
from contracts.auction_records import (
    Bid,
    EscrowedBlock,
    InvalidBid,
    Lot,
    LotStatus,
    auction_outcome,
    bid_commitment,
)
from contracts.consideration_records import Consideration
from contracts.credit_records import SerialStatus
from contracts.state_keys import (
    auction_bid_key,
    auction_key,
    consideration_key,
    escrowed_block_key,
)
from contracts.store import load
from genesis.example.auction_case import (
    AUCTION_SETUP,
    BID_STEPS,
    BIDDERS,
    CASE_STEPS_BEFORE,
    LOT_ID,
    LOT_KG,
    RESERVE_FEN_PER_T,
    REVEAL_STEPS,
    SETTLE_STEP,
    WINNER,
    open_step,
    run_auction_case,
)
from genesis.example.parties import party_key
from genesis.example.pledge_case import PLEDGE_SETUP
from genesis.example.xiangshan_case import BATCH_ID, ISSUED_KG, TOWNSHIP_ACCOUNT, CaseStep
from protocol.encoding import JsonObject
from tests.unit.contracts.conftest import block, holding, run_steps, township_moves
from tests.vectors.contracts.network import TestChain

TOWNSHIP = party_key(TOWNSHIP_ACCOUNT)
COUNTY, NINGBO, XIAMEN_PTC, COURT = (
    party_key("xiangshan-county"),
    party_key("ningbo-ptc"),
    party_key("xiamen-ptc"),
    party_key("xiangshan-court"),
)
NINGBO_BUYER, XIAMEN_BUYER, ZHOUSHAN_BUYER = (b.account_id for b in BIDDERS)
SALT = bytes(range(32))


def submit(
    chain: TestChain, step: CaseStep, cosigners: tuple[str, ...] | None = None, **body: Any
) -> str | None:
    names = step.cosigners if cosigners is None else cosigners
    keys = tuple(party_key(name) for name in names)
    return chain.submit(step.tx_type, party_key(step.sender), dict(step.body) | body, keys).reason


def wait_until(chain: TestChain, height: int) -> None:
    while chain.height < height:
        chain.apply(())


def lot(chain: TestChain) -> Lot:
    record = load(chain.state, auction_key(LOT_ID), Lot.from_json)
    assert record is not None
    return record


def bid(chain: TestChain, account: str) -> Bid:
    record = load(chain.state, auction_bid_key(LOT_ID, account), Bid.from_json)
    assert record is not None
    return record


def bid_step(account: str, price: int, salt: bytes = SALT) -> CaseStep:
    commitment = bid_commitment(LOT_ID, account, price, salt).hex()
    body: JsonObject = {"lot_id": LOT_ID, "bidder_account": account, "commitment": commitment}
    return CaseStep(label="bid", tx_type="auction.bid", sender=account, body=body)


def reveal_step(account: str, price: int, salt: bytes = SALT) -> CaseStep:
    body: JsonObject = {"lot_id": LOT_ID, "bidder_account": account, "price_fen_per_t": price}
    body |= {"salt": salt.hex()}
    return CaseStep(label="reveal", tx_type="auction.reveal", sender=account, body=body)


@pytest.fixture
def ready() -> TestChain:
    """The batch issued to the Township; the three bidders' accounts open."""
    chain = run_steps(TestChain.create(), CASE_STEPS_BEFORE)
    for step in AUCTION_SETUP:
        assert chain.submit_step(step).reason is None, step.label
    return chain


@pytest.fixture
def opened(ready: TestChain) -> TestChain:
    """The lot open, with windows of 30 heights (room for the refusals)."""
    assert ready.submit_step(open_step(ready.height + 1, 30, 30)).reason is None
    return ready


def test_the_example_awards_the_highest_revealed_bid() -> None:
    ready = run_steps(TestChain.create(), CASE_STEPS_BEFORE)
    results = run_auction_case(ready)
    assert [result.reason for _, result in results] == [None] * len(results)
    record = lot(ready)
    assert (record.status, record.winner_account) == (LotStatus.SETTLED, WINNER.account_id)
    assert (record.price_fen_per_t, record.total_fen) == (10_600, 2_480_506)
    assert record.unrevealed == (ZHOUSHAN_BUYER,)
    assert record.invalid == ()
    assert record.bidders == (NINGBO_BUYER, XIAMEN_BUYER, ZHOUSHAN_BUYER)
    moved = block(ready)
    assert (moved.status, moved.account_id, moved.last_serial) == (
        SerialStatus.ACTIVE,
        NINGBO_BUYER,
        LOT_KG,
    )
    assert holding(ready, NINGBO_BUYER).active_kg == LOT_KG
    assert holding(ready).active_kg == ISSUED_KG - LOT_KG
    assert holding(ready).block_firsts == (LOT_KG + 1,)
    assert ready.state.get(escrowed_block_key(BATCH_ID, 1)) is None
    settle_tx = ready.log[-1][0]
    assert record.settle_tx_id == settle_tx.tx_id
    paid = load(ready.state, consideration_key(settle_tx.tx_id), Consideration.from_json)
    assert paid is not None
    assert (paid.from_account, paid.to_account, paid.quantity_kg) == (
        TOWNSHIP_ACCOUNT,
        NINGBO_BUYER,
        LOT_KG,
    )
    assert (paid.unit_price_fen_per_t, paid.total_fen, paid.agreement_hash) == (
        10_600,
        2_480_506,
        record.terms_hash,
    )
    assert paid.broker == "ningbo-ptc"
    assert submit(ready, SETTLE_STEP) == "lot_not_open"


def test_open_escrows_the_lowest_serials(opened: TestChain) -> None:
    assert block(opened).status is SerialStatus.ESCROWED
    assert block(opened).account_id == TOWNSHIP_ACCOUNT
    assert block(opened, LOT_KG + 1).status is SerialStatus.ACTIVE
    assert holding(opened).active_kg == ISSUED_KG - LOT_KG
    assert holding(opened).block_firsts == (1, LOT_KG + 1)
    record = lot(opened)
    assert record.ranges == ((1, LOT_KG),)
    assert (record.status, record.height, record.opened_by, record.bid_count) == (
        LotStatus.OPEN,
        opened.height,
        TOWNSHIP.public_key,
        0,
    )
    mark = load(opened.state, escrowed_block_key(BATCH_ID, 1), EscrowedBlock.from_json)
    assert mark == EscrowedBlock(lot_id=LOT_ID, last_serial=LOT_KG)
    assert opened.state.get(escrowed_block_key(BATCH_ID, LOT_KG + 1)) is None


def test_escrowed_kilograms_move_by_no_other_rule(opened: TestChain) -> None:
    assert opened.submit_step(PLEDGE_SETUP[0]).reason is None  # a lender to pledge to
    before = dict(opened.state.items())
    everything = ISSUED_KG
    assert township_moves(opened, NINGBO_BUYER, everything) == ["units_escrowed"] * 4
    pledge = submit(opened, PLEDGE_SETUP[-1], quantity_kg=everything)
    assert pledge == "units_escrowed"
    again = open_step(opened.height + 1)
    second = submit(opened, again, lot_id="second", quantity_kg=everything)
    assert second == "units_escrowed"
    changed = {k for k, v in opened.state.items() if before.get(k) != v}
    assert all(key.startswith("nonce/") for key in changed), changed
    # What is not escrowed still moves; one more kilogram does not.
    assert township_moves(opened, NINGBO_BUYER, ISSUED_KG - LOT_KG)[0] is None
    assert township_moves(opened, NINGBO_BUYER, 1) == ["units_escrowed"] * 4


def test_the_shortage_names_the_escrow_before_freezing(ready: TestChain) -> None:
    """When escrowed kilograms would cover the shortage, the refusal says so; else the
    codes of before (ADR 0034)."""
    escrowed = 100_000
    assert submit(ready, open_step(ready.height + 1), quantity_kg=escrowed) is None
    hold = {"account_id": TOWNSHIP_ACCOUNT, "batch_id": BATCH_ID, "reason": "x"}
    rest = ISSUED_KG - escrowed
    assert ready.submit("credits.freeze", COURT, hold | {"quantity_kg": rest}).reason is None
    transfer = {
        "from_account": TOWNSHIP_ACCOUNT,
        "to_account": NINGBO_BUYER,
        "batch_id": BATCH_ID,
        "broker": None,
    }
    for quantity_kg, reason in (
        (escrowed, "units_escrowed"),
        (escrowed + 1, "units_frozen"),
        (rest + 1, "insufficient_balance"),
    ):
        asked = transfer | {"quantity_kg": quantity_kg}
        assert ready.submit("credits.transfer", TOWNSHIP, asked).reason == reason, quantity_kg


def test_an_unsold_lot_returns_the_serials_to_the_seller(opened: TestChain) -> None:
    record = lot(opened)
    assert submit(opened, bid_step(XIAMEN_BUYER, RESERVE_FEN_PER_T - 1)) is None
    wait_until(opened, record.bid_end_height)
    assert submit(opened, reveal_step(XIAMEN_BUYER, RESERVE_FEN_PER_T - 1)) is None
    wait_until(opened, record.reveal_end_height)
    assert submit(opened, SETTLE_STEP) is None
    settled = lot(opened)
    assert (settled.status, settled.winner_account, settled.price_fen_per_t) == (
        LotStatus.UNSOLD,
        None,
        None,
    )
    assert settled.invalid == (InvalidBid(bidder_account=XIAMEN_BUYER, reason="below_reserve"),)
    assert block(opened).status is SerialStatus.ACTIVE
    assert block(opened).account_id == TOWNSHIP_ACCOUNT
    assert holding(opened).active_kg == ISSUED_KG
    assert opened.state.get(escrowed_block_key(BATCH_ID, 1)) is None
    assert opened.state.get(consideration_key(opened.log[-1][0].tx_id)) is None


def test_equal_prices_go_to_the_earlier_bid(opened: TestChain) -> None:
    record = lot(opened)
    for account in (ZHOUSHAN_BUYER, NINGBO_BUYER):
        assert submit(opened, bid_step(account, 9_000)) is None
    wait_until(opened, record.bid_end_height)
    for account in (NINGBO_BUYER, ZHOUSHAN_BUYER):
        assert submit(opened, reveal_step(account, 9_000)) is None
    wait_until(opened, record.reveal_end_height)
    assert submit(opened, SETTLE_STEP) is None
    assert lot(opened).winner_account == ZHOUSHAN_BUYER


def test_bid_refusals(opened: TestChain) -> None:
    step = BID_STEPS[0]
    assert submit(opened, step, lot_id="no-such-lot") == "unknown_lot"
    assert submit(opened, step, bidder_account="nobody") == "unknown_account"
    assert submit(opened, step, bidder_account=XIAMEN_BUYER) == "not_account_holder"
    own = bid_step(TOWNSHIP_ACCOUNT, 5_000)
    assert submit(opened, own) == "own_lot_bid"
    assert submit(opened, step) is None
    assert bid(opened, NINGBO_BUYER).seq == 0
    assert submit(opened, step) == "bid_exists"
    wait_until(opened, lot(opened).bid_end_height - 1)
    assert submit(opened, BID_STEPS[1]) is None  # at bid_end_height: still in time
    assert submit(opened, BID_STEPS[2]) == "bidding_closed"  # a late bid
    assert lot(opened).bid_count == 2
    assert opened.state.get(auction_bid_key(LOT_ID, ZHOUSHAN_BUYER)) is None


def test_reveal_refusals(opened: TestChain) -> None:
    record = lot(opened)
    for step in BID_STEPS:
        assert submit(opened, step) is None
    ningbo = REVEAL_STEPS[0]
    assert submit(opened, ningbo) == "reveal_not_open"
    wait_until(opened, record.bid_end_height)
    assert submit(opened, ningbo, lot_id="no-such-lot") == "unknown_lot"
    assert submit(opened, ningbo, bidder_account="nobody") == "unknown_account"
    assert submit(opened, ningbo, bidder_account=XIAMEN_BUYER) == "not_account_holder"
    assert submit(opened, reveal_step(TOWNSHIP_ACCOUNT, 1)) == "unknown_bid"
    assert submit(opened, ningbo, salt=bytes(32).hex()) == "bid_commitment_mismatch"
    assert submit(opened, ningbo, price_fen_per_t=10_601) == "bid_commitment_mismatch"
    assert bid(opened, NINGBO_BUYER).revealed_price_fen_per_t is None
    assert submit(opened, ningbo) is None
    revealed = bid(opened, NINGBO_BUYER)
    assert revealed.revealed_price_fen_per_t == WINNER.price_fen_per_t
    assert revealed.reveal_tx_id == opened.log[-1][0].tx_id
    assert submit(opened, ningbo) == "bid_already_revealed"
    wait_until(opened, record.reveal_end_height)
    assert submit(opened, REVEAL_STEPS[1]) == "reveal_closed"  # a late reveal
    assert bid(opened, XIAMEN_BUYER).revealed_price_fen_per_t is None
    assert submit(opened, SETTLE_STEP) is None
    assert lot(opened).unrevealed == (XIAMEN_BUYER, ZHOUSHAN_BUYER)
    assert submit(opened, REVEAL_STEPS[1]) == "lot_not_open"
    assert submit(opened, BID_STEPS[0]) == "lot_not_open"


def test_settle_refusals(opened: TestChain) -> None:
    record = lot(opened)
    assert submit(opened, SETTLE_STEP, lot_id="no-such-lot") == "unknown_lot"
    assert opened.submit("auction.settle", XIAMEN_PTC, SETTLE_STEP.body).reason == (
        "not_lot_operator"
    )
    assert opened.submit("auction.settle", TOWNSHIP, SETTLE_STEP.body).reason == (
        "not_lot_operator"
    )
    wait_until(opened, record.reveal_end_height - 1)
    assert submit(opened, SETTLE_STEP) == "auction_not_ended"  # at reveal_end_height
    assert submit(opened, SETTLE_STEP) is None
    assert lot(opened).status == LotStatus.UNSOLD
    assert submit(opened, SETTLE_STEP) == "lot_not_open"


def test_open_refusals(ready: TestChain) -> None:
    step = open_step(ready.height + 1, 100, 100)
    assert submit(ready, step, cosigners=()) == "operator_signature_missing"
    assert submit(ready, step, cosigners=("xiamen-ptc",)) == "operator_signature_missing"
    court = {"operator": "xiangshan-court"}
    assert submit(ready, step, cosigners=("xiangshan-court",), **court) == (
        "not_an_auction_operator"
    )
    assert submit(ready, step, operator="no-such-centre") == "not_an_auction_operator"
    assert submit(ready, step, account_id="nobody") == "unknown_account"
    body = dict(step.body)
    assert ready.submit(step.tx_type, NINGBO, body, (NINGBO,)).reason == "not_account_holder"
    assert submit(ready, step, batch_id="no-such-batch") == "unknown_batch"
    assert submit(ready, step, quantity_kg=ISSUED_KG + 1) == "insufficient_balance"
    for bid_window, reveal_window in (
        (0, 5),  # bidding must outlast the open's own block
        (5, 0),  # the reveal window is empty
        (5, -1),
        (10_001, 1),  # a bidding window too long
        (5, 10_001),  # a reveal window too long
    ):
        window = open_step(ready.height + 1, bid_window, reveal_window)
        assert submit(ready, window) == "bad_auction_window", (bid_window, reveal_window)
    assert submit(ready, open_step(ready.height + 1, 10_000, 10_000)) is None
    assert submit(ready, step, quantity_kg=1) == "lot_exists"


def test_the_outcome_rule() -> None:
    """Unrevealed, below reserve and too-large bids never win; ties go to the lowest seq."""
    body = open_step(10).body
    record = Lot.from_json(
        dict(body)
        | {"ranges": [[1, LOT_KG]], "opened_by": TOWNSHIP.public_key.hex(), "height": 10}
        | {"bid_count": 5, "bidders": ["a", "b", "c", "d", "e"], "status": "open"}
        | dict.fromkeys(
            ("winner_account", "price_fen_per_t", "total_fen", "settle_tx_id", "settled_height")
        )
        | {"unrevealed": [], "invalid": []}
    )

    def sealed(seq: int, account: str, price: int | None) -> Bid:
        return Bid(
            lot_id=LOT_ID,
            bidder_account=account,
            commitment=bid_commitment(LOT_ID, account, price or 0, SALT),
            seq=seq,
            tx_id=bytes(32),  # type: ignore[arg-type]
            height=11,
            revealed_price_fen_per_t=price,
            reveal_tx_id=None if price is None else bytes(32),  # type: ignore[arg-type]
        )

    huge = 10**9  # 10^10 kg at 10^9 fen/t is above TOTAL_FEN_MAX
    bids = [
        sealed(4, "e", 9_000),
        sealed(0, "a", None),
        sealed(1, "b", 2_999),
        sealed(2, "c", 9_000),
        sealed(3, "d", huge),
    ]
    outcome = auction_outcome(replace(record, quantity_kg=10**10), bids)
    assert (outcome.winner_account, outcome.price_fen_per_t, outcome.total_fen) == (
        "c",
        9_000,
        90_000_000_000,
    )
    assert outcome.unrevealed == ("a",)
    assert outcome.invalid == (("b", "below_reserve"), ("d", "total_too_large"))
    nobody = auction_outcome(record, bids[1:3])
    assert (nobody.winner_account, nobody.price_fen_per_t, nobody.total_fen) == (None,) * 3


def test_the_commitment_binds_every_field() -> None:
    base = bid_commitment(LOT_ID, NINGBO_BUYER, 10_600, SALT)
    assert len(base) == 32
    assert base == bid_commitment(LOT_ID, NINGBO_BUYER, 10_600, SALT)
    others = {
        bid_commitment("other-lot", NINGBO_BUYER, 10_600, SALT),
        bid_commitment(LOT_ID, XIAMEN_BUYER, 10_600, SALT),
        bid_commitment(LOT_ID, NINGBO_BUYER, 10_601, SALT),
        bid_commitment(LOT_ID, NINGBO_BUYER, 10_600, bytes(32)),
    }
    assert base not in others and len(others) == 4


def test_a_lot_takes_at_most_lot_bids_max_bids(
    opened: TestChain, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bound is read when a bid executes; lowered to 2 here so that the third of the
    example's bidders meets it (1,000 accounts would be needed otherwise)."""
    monkeypatch.setattr(auction_records, "LOT_BIDS_MAX", 2)
    assert submit(opened, BID_STEPS[0]) is None
    assert submit(opened, BID_STEPS[1]) is None
    assert submit(opened, BID_STEPS[2]) == "lot_bids_full"
    assert lot(opened).bid_count == 2
