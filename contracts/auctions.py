"""auction.open, auction.bid, auction.reveal and auction.settle (ADR 0034). Pure.

The holder escrows the lowest ACTIVE serials of one holding, with the trading centre that
runs the auction co-signing; the blocks turn ESCROWED (as a pledge's turn PLEDGED), so no
other rule takes them. Bidders commit to sealed prices until bid_end_height and open them
until reveal_end_height; then the operator settles: auction_outcome names the winner, whose
account receives the blocks ACTIVE, and consideration/<tx_id> records the price. With no
valid bid the blocks turn ACTIVE again in the seller's account.
"""

from contracts import auction_records as auctioning
from contracts import serials
from contracts.accounts import require_account
from contracts.context import TxEnv
from contracts.credit_records import SerialStatus
from contracts.errors import TxRejectedError
from contracts.issuance import require_batch
from contracts.reasons import RejectReason
from contracts.records import Role
from contracts.roles import institution_of_key, require_account_holder, require_cosigner
from contracts.state_keys import (
    auction_bid_key,
    auction_key,
    consideration_key,
    escrowed_block_key,
)
from contracts.store import load, require, save


def apply_auction_open(env: TxEnv, body: auctioning.AuctionOpenBody) -> None:
    account = require_account(env, body.account_id)
    require_account_holder(env, account)
    require_cosigner(
        env,
        body.operator,
        (Role.TRADING_CENTRE,),
        RejectReason.NOT_AN_AUCTION_OPERATOR,
        RejectReason.OPERATOR_SIGNATURE_MISSING,
    )
    require_batch(env, body.batch_id)
    key = auction_key(body.lot_id)
    if env.state.get(key) is not None:
        raise TxRejectedError(RejectReason.LOT_EXISTS, key)
    height = env.ctx.height
    if not (
        height < body.bid_end_height < body.reveal_end_height
        and body.bid_end_height - height <= auctioning.AUCTION_WINDOW_MAX
        and body.reveal_end_height - body.bid_end_height <= auctioning.AUCTION_WINDOW_MAX
    ):
        detail = f"{height} < {body.bid_end_height} < {body.reveal_end_height}"
        raise TxRejectedError(RejectReason.BAD_AUCTION_WINDOW, detail)
    escrowed = serials.hold_lowest_active(
        env.state, body.account_id, body.batch_id, body.quantity_kg, SerialStatus.ESCROWED
    )
    for block in escrowed:
        mark = auctioning.EscrowedBlock(lot_id=body.lot_id, last_serial=block.last_serial)
        save(env.state, escrowed_block_key(block.batch_id, block.first_serial), mark)
    lot = auctioning.new_lot(body, serials.ranges_of(escrowed), env.sender, height)
    save(env.state, key, lot)


def apply_auction_bid(env: TxEnv, body: auctioning.AuctionBidBody) -> None:
    lot = _require_open_lot_of_bidder(env, body.lot_id, body.bidder_account)
    key = auction_bid_key(body.lot_id, body.bidder_account)
    _refuse(auctioning.bid_refusal(lot, body.bidder_account, env.ctx.height), lot, key)
    # bid_refusal's BID_EXISTS reads the lot's bidders: each bid key is written with them.
    assert env.state.get(key) is None, key
    counted, bid = auctioning.placed_bid(lot, body, env.tx_id, env.ctx.height)
    save(env.state, key, bid)
    save(env.state, auction_key(lot.lot_id), counted)


def apply_auction_reveal(env: TxEnv, body: auctioning.AuctionRevealBody) -> None:
    lot = _require_open_lot_of_bidder(env, body.lot_id, body.bidder_account)
    key = auction_bid_key(body.lot_id, body.bidder_account)
    bid = load(env.state, key, auctioning.Bid.from_json)
    _refuse(auctioning.reveal_refusal(lot, bid, body, env.ctx.height), lot, key)
    assert bid is not None  # reveal_refusal's UNKNOWN_BID
    save(env.state, key, auctioning.revealed(bid, body, env.tx_id))


def apply_auction_settle(env: TxEnv, body: auctioning.AuctionSettleBody) -> None:
    lot = _require_lot(env, body.lot_id)
    sender = institution_of_key(env.state, env.sender)
    if sender is None or sender.institution_id != lot.operator:
        raise TxRejectedError(RejectReason.NOT_LOT_OPERATOR, lot.lot_id)
    _refuse(auctioning.settle_refusal(lot, env.ctx.height), lot, auction_key(lot.lot_id))
    outcome = auctioning.auction_outcome(lot, lot_bids(env, lot))
    blocks = serials.unhold(
        env.state, lot.account_id, lot.batch_id, lot.ranges, SerialStatus.ESCROWED
    )
    for block in blocks:
        env.state.delete(escrowed_block_key(block.batch_id, block.first_serial))
    winner = outcome.winner_account
    serials.hand_over(env.state, blocks, lot.account_id if winner is None else winner)
    settled, consideration = auctioning.settled(lot, outcome, env.tx_id, env.ctx.height)
    if consideration is not None:
        save(env.state, consideration_key(env.tx_id), consideration)
    save(env.state, auction_key(lot.lot_id), settled)


def lot_bids(env: TxEnv, lot: auctioning.Lot) -> tuple[auctioning.Bid, ...]:
    """The lot's bids, by seq."""
    return tuple(
        require(
            env.state,
            auction_bid_key(lot.lot_id, account_id),
            auctioning.Bid.from_json,
            RejectReason.UNKNOWN_BID,
        )
        for account_id in lot.bidders
    )


def _refuse(reason: RejectReason | None, lot: auctioning.Lot, key: str) -> None:
    """Reject with reason, if any, and the detail that reason names: the lot's state or
    window end, or the bid key."""
    if reason is None:
        return
    if reason is RejectReason.OWN_LOT_BID:
        detail = lot.account_id
    elif reason is RejectReason.LOT_NOT_OPEN:
        detail = lot.status
    elif reason in (RejectReason.BIDDING_CLOSED, RejectReason.REVEAL_NOT_OPEN):
        detail = f"after {lot.bid_end_height}"
    elif reason in (RejectReason.REVEAL_CLOSED, RejectReason.AUCTION_NOT_ENDED):
        detail = f"after {lot.reveal_end_height}"
    elif reason is RejectReason.LOT_BIDS_FULL:
        detail = f"{lot.bid_count} bids"
    else:
        detail = key
    raise TxRejectedError(reason, detail)


def _require_lot(env: TxEnv, lot_id: str) -> auctioning.Lot:
    return require(
        env.state, auction_key(lot_id), auctioning.Lot.from_json, RejectReason.UNKNOWN_LOT
    )


def _require_open_lot_of_bidder(env: TxEnv, lot_id: str, bidder_account: str) -> auctioning.Lot:
    """The lot (unknown_lot), and the bidder's account, whose holder key sent the tx."""
    lot = _require_lot(env, lot_id)
    require_account_holder(env, require_account(env, bidder_account))
    return lot
