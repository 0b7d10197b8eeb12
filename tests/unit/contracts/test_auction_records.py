"""The auction's window and refusal rules (ADR 0034), the ones the contract refuses by and
`lantan auction verify` replays by, at each boundary height: a boundary moved by one
height fails here."""

from dataclasses import replace

import pytest

from contracts.auction_records import (
    AuctionBidBody,
    AuctionOpenBody,
    AuctionPhase,
    AuctionRevealBody,
    Bid,
    Lot,
    LotStatus,
    auction_phase,
    bid_commitment,
    bid_refusal,
    new_lot,
    placed_bid,
    reveal_refusal,
    settle_refusal,
)
from contracts.reasons import RejectReason
from genesis.example.auction_case import BIDDERS, LOT_ID, open_step
from genesis.example.parties import party_key
from genesis.example.xiangshan_case import TOWNSHIP_ACCOUNT
from protocol.hashing import Hash32

OPEN_HEIGHT, BID_END, REVEAL_END = 10, 20, 30
BIDDER = BIDDERS[0].account_id
SALT = bytes(range(32))
PRICE = 10_600
TX_ID = Hash32(bytes(32))


def open_lot() -> Lot:
    step = open_step(
        OPEN_HEIGHT, bid_window=BID_END - OPEN_HEIGHT, reveal_window=REVEAL_END - BID_END
    )
    body = AuctionOpenBody.from_json(dict(step.body))
    assert (body.bid_end_height, body.reveal_end_height) == (BID_END, REVEAL_END)
    return new_lot(
        body, ((1, body.quantity_kg),), party_key(TOWNSHIP_ACCOUNT).public_key, OPEN_HEIGHT
    )


def bid_on(lot: Lot) -> tuple[Lot, Bid, AuctionRevealBody]:
    """lot with BIDDER's sealed bid placed at BID_END, the bid, and the reveal that opens it."""
    commitment = bid_commitment(LOT_ID, BIDDER, PRICE, SALT)
    body = AuctionBidBody(lot_id=LOT_ID, bidder_account=BIDDER, commitment=commitment)
    counted, bid = placed_bid(lot, body, TX_ID, BID_END)
    reveal = AuctionRevealBody(
        lot_id=LOT_ID, bidder_account=BIDDER, price_fen_per_t=PRICE, salt=SALT
    )
    return counted, bid, reveal


@pytest.mark.parametrize(
    ("height", "phase"),
    [
        (OPEN_HEIGHT, AuctionPhase.BIDDING),
        (BID_END, AuctionPhase.BIDDING),
        (BID_END + 1, AuctionPhase.REVEALING),
        (REVEAL_END, AuctionPhase.REVEALING),
        (REVEAL_END + 1, AuctionPhase.ENDED),
    ],
)
def test_the_phase_turns_just_after_each_window_end(height: int, phase: AuctionPhase) -> None:
    assert auction_phase(open_lot(), height) is phase


@pytest.mark.parametrize(
    ("height", "bid", "reveal", "settle"),
    [
        (BID_END, None, RejectReason.REVEAL_NOT_OPEN, RejectReason.AUCTION_NOT_ENDED),
        (BID_END + 1, RejectReason.BIDDING_CLOSED, None, RejectReason.AUCTION_NOT_ENDED),
        (REVEAL_END, RejectReason.BIDDING_CLOSED, None, RejectReason.AUCTION_NOT_ENDED),
        (REVEAL_END + 1, RejectReason.BIDDING_CLOSED, RejectReason.REVEAL_CLOSED, None),
    ],
)
def test_each_tx_is_refused_outside_its_window(
    height: int,
    bid: RejectReason | None,
    reveal: RejectReason | None,
    settle: RejectReason | None,
) -> None:
    lot = open_lot()
    counted, sealed, reveal_body = bid_on(lot)
    assert bid_refusal(lot, BIDDERS[1].account_id, height) is bid
    assert reveal_refusal(counted, sealed, reveal_body, height) is reveal
    assert settle_refusal(counted, height) is settle


def test_the_refusals_come_in_the_contracts_order() -> None:
    lot = open_lot()
    counted, sealed, reveal = bid_on(lot)
    closed = replace(counted, status=LotStatus.SETTLED)
    late = REVEAL_END + 1
    assert bid_refusal(closed, TOWNSHIP_ACCOUNT, late) is RejectReason.OWN_LOT_BID
    assert bid_refusal(closed, BIDDER, late) is RejectReason.LOT_NOT_OPEN
    assert bid_refusal(counted, BIDDER, BID_END) is RejectReason.BID_EXISTS
    assert reveal_refusal(closed, None, reveal, late) is RejectReason.LOT_NOT_OPEN
    assert reveal_refusal(counted, None, reveal, BID_END + 1) is RejectReason.UNKNOWN_BID
    opened = replace(sealed, revealed_price_fen_per_t=PRICE)
    assert reveal_refusal(counted, opened, reveal, BID_END + 1) is RejectReason.BID_ALREADY_REVEALED
    wrong = replace(reveal, salt=bytes(32))
    assert (
        reveal_refusal(counted, sealed, wrong, BID_END + 1) is RejectReason.BID_COMMITMENT_MISMATCH
    )
    assert settle_refusal(closed, BID_END) is RejectReason.LOT_NOT_OPEN
