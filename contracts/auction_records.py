"""Sealed-bid auction records and bodies, the bid commitment and the outcome rule (ADR 0034).
Pure.

A holder puts the lowest ACTIVE kilograms of one holding up for auction, run by a trading
centre (the lot's operator). The blocks turn ESCROWED and each carries an index key
`escrowed/<batch>/<first>` naming the lot. Bidders commit to a price during the bidding
window (`bid_commitment`), reveal it during the reveal window, and the operator settles
after it: `auction_outcome` picks the winner. The windows (`auction_phase`), which bids and
reveals count (`bid_refusal`, `reveal_refusal`, `settle_refusal`) and what they write are
decided here once: the contract refuses by them, `lantan auction verify` replays by them.
"""

import enum
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Annotated, Final

from contracts.body_fields import Amount, Body, Slug, choice
from contracts.case_records import SerialRanges
from contracts.consideration_records import (
    CURRENCIES,
    TOTAL_FEN_MAX,
    UNIT_PRICE_FEN_PER_T_MAX,
    Consideration,
    total_fen,
)
from contracts.reasons import RejectReason
from protocol.codec import JsonCodec, copy_fields, hex_bytes, integer
from protocol.encoding import encode
from protocol.hashing import TAG_AUCTION_BID, Hash32, tagged_hash
from protocol.signing import PublicKey

AUCTION_WINDOW_MAX: Final = 10_000
"""The most heights a bidding window or a reveal window may span (ADR 0034)."""
LOT_BIDS_MAX: Final = 1_000
"""The most bids a lot takes (ADR 0034): every bid rewrites the lot record, which lists its
bidders, so the record and the cost of a bid stay bounded."""
SALT_SIZE: Final = 32

UnitPrice = Annotated[int, integer(minimum=0, maximum=UNIT_PRICE_FEN_PER_T_MAX)]
"""Fen per tonne CO2e, as ADR 0031's unit price."""
Height = Annotated[int, integer(minimum=1)]
Salt = Annotated[bytes, hex_bytes(SALT_SIZE)]
"""32 random bytes, 64 lowercase hex characters on the wire."""


class LotStatus:
    """Where a lot stands; it leaves OPEN once and for good."""

    OPEN: Final = "open"
    """Its serials are ESCROWED: nothing moves them but settlement."""
    SETTLED: Final = "settled"
    """Awarded: the serials are ACTIVE in the winner's account."""
    UNSOLD: Final = "unsold"
    """No valid bid: the serials are ACTIVE again in the seller's account."""


LOT_STATUSES: Final = (LotStatus.OPEN, LotStatus.SETTLED, LotStatus.UNSOLD)


class InvalidBidReason:
    """Why a revealed bid cannot win."""

    BELOW_RESERVE: Final = "below_reserve"
    """Its price is under the lot's reserve."""
    TOTAL_TOO_LARGE: Final = "total_too_large"
    """The lot's quantity at its price totals more than TOTAL_FEN_MAX fen (ADR 0031)."""


INVALID_BID_REASONS: Final = frozenset(
    {InvalidBidReason.BELOW_RESERVE, InvalidBidReason.TOTAL_TOO_LARGE}
)


@dataclass(frozen=True, slots=True, kw_only=True)
class LotFields(JsonCodec):
    """A lot as auction.open names it: the body's fields and the record's, once."""

    lot_id: Slug
    account_id: Slug
    """The seller's account; its holder key signs auction.open."""
    batch_id: Slug
    quantity_kg: Amount
    """The lowest ACTIVE kilograms of the holding go into escrow."""
    operator: Slug
    """Institution id of the trading centre that runs the auction; an active key co-signs."""
    reserve_fen_per_t: UnitPrice
    """The lowest price that can win (the starting price 起拍价), fen per tonne."""
    currency: Annotated[str, choice(CURRENCIES)]
    bid_end_height: Height
    """The last height at which auction.bid is accepted."""
    reveal_end_height: Height
    """The last height at which auction.reveal is accepted; settlement comes after it."""
    terms_hash: Hash32
    """SHA-256 of the auction announcement and terms (竞拍公告) as published; off chain. It
    becomes the agreement_hash of the settlement's consideration record."""


@dataclass(frozen=True, slots=True, kw_only=True)
class AuctionOpenBody(LotFields, Body):
    """auction.open: the holder escrows kilograms of a holding; the operator co-signs."""


@dataclass(frozen=True, slots=True, kw_only=True)
class InvalidBid(JsonCodec, what="invalid bid"):
    """A revealed bid that cannot win, and why."""

    bidder_account: Slug
    reason: Annotated[str, choice(INVALID_BID_REASONS)]


@dataclass(frozen=True, slots=True, kw_only=True)
class Lot(LotFields, what="lot"):
    """`auction/<lot_id>`: a lot in escrow, its bids' count, and its outcome (ADR 0034)."""

    ranges: SerialRanges
    """The escrowed serials as closed [first, last] ranges, ascending."""
    opened_by: PublicKey
    """The holder key that sent auction.open."""
    height: int
    """The block that opened the lot."""
    bid_count: int
    """Bids accepted so far; the next bid's seq."""
    bidders: tuple[Slug, ...]
    """The bidder accounts, by seq (bidders[seq]): the state has no range scan, so settlement
    finds the bids `auction_bid/<lot>/<account>` through this list."""
    status: Annotated[str, choice(frozenset(LOT_STATUSES))]
    winner_account: Slug | None
    price_fen_per_t: int | None
    """The winning price; None unless settled."""
    total_fen: int | None
    """consideration.total_fen of quantity_kg at the winning price; None unless settled."""
    settle_tx_id: Hash32 | None
    """The auction.settle tx (also names `consideration/<tx_id>`); None while open."""
    settled_height: int | None
    unrevealed: tuple[Slug, ...]
    """Bidder accounts whose bid was never revealed, by seq; empty while open."""
    invalid: tuple[InvalidBid, ...]
    """Revealed bids that could not win, by seq; empty while open."""


def new_lot(
    body: AuctionOpenBody, ranges: tuple[tuple[int, int], ...], opened_by: PublicKey, height: int
) -> Lot:
    """The lot auction.open writes: open, no bids, no outcome yet."""
    return copy_fields(
        Lot,
        body,
        ranges=ranges,
        opened_by=opened_by,
        height=height,
        bid_count=0,
        bidders=(),
        status=LotStatus.OPEN,
        winner_account=None,
        price_fen_per_t=None,
        total_fen=None,
        settle_tx_id=None,
        settled_height=None,
        unrevealed=(),
        invalid=(),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class AuctionBidBody(Body):
    """auction.bid: a sealed bid, sent by the holder key of bidder_account."""

    lot_id: Slug
    bidder_account: Slug
    commitment: Hash32
    """bid_commitment(lot_id, bidder_account, price_fen_per_t, salt)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Bid(JsonCodec, what="bid"):
    """`auction_bid/<lot_id>/<bidder_account>`: one account's sealed bid and its reveal."""

    lot_id: Slug
    bidder_account: Slug
    commitment: Hash32
    seq: int
    """The lot's bid_count before this bid: the commit order, which breaks ties."""
    tx_id: Hash32
    height: int
    revealed_price_fen_per_t: int | None
    """The price the reveal opened; None until revealed."""
    reveal_tx_id: Hash32 | None


@dataclass(frozen=True, slots=True, kw_only=True)
class AuctionRevealBody(Body):
    """auction.reveal: opens a sealed bid; the commitment must match."""

    lot_id: Slug
    bidder_account: Slug
    price_fen_per_t: UnitPrice
    salt: Salt


@dataclass(frozen=True, slots=True, kw_only=True)
class AuctionSettleBody(Body):
    """auction.settle: the operator closes the lot after its reveal window."""

    lot_id: Slug


@dataclass(frozen=True, slots=True, kw_only=True)
class EscrowedBlock(JsonCodec, what="escrowed block"):
    """`escrowed/<batch>/<first>`: the ESCROWED serial block starting at first belongs to
    this lot. Present exactly while the block is ESCROWED (ADR 0034)."""

    lot_id: Slug
    last_serial: int


def bid_commitment(lot_id: str, bidder_account: str, price_fen_per_t: int, salt: bytes) -> Hash32:
    """SHA-256("lantan/v1/auction-bid" 0x00 || JCS({bidder_account, lot_id,
    price_fen_per_t, salt: 64 lowercase hex})) (ADR 0034)."""
    assert len(salt) == SALT_SIZE, len(salt)
    committed = {
        "bidder_account": bidder_account,
        "lot_id": lot_id,
        "price_fen_per_t": price_fen_per_t,
        "salt": salt.hex(),
    }
    return tagged_hash(TAG_AUCTION_BID, encode(committed))


class AuctionPhase(enum.Enum):
    """Where a height falls in a lot's windows (ADR 0034)."""

    BIDDING = "bidding"
    """height <= bid_end_height: auction.bid is accepted."""
    REVEALING = "revealing"
    """bid_end_height < height <= reveal_end_height: auction.reveal is accepted."""
    ENDED = "ended"
    """height > reveal_end_height: auction.settle is accepted."""


def auction_phase(lot: LotFields, height: int) -> AuctionPhase:
    """The phase of lot at height. Requires bid_end_height < reveal_end_height, as
    auction.open's window rule ensures."""
    if height <= lot.bid_end_height:
        return AuctionPhase.BIDDING
    if height <= lot.reveal_end_height:
        return AuctionPhase.REVEALING
    return AuctionPhase.ENDED


def bid_refusal(lot: Lot, bidder_account: str, height: int) -> RejectReason | None:
    """Why auction.bid of bidder_account at height cannot be accepted on lot, in the
    contract's order (None: it can). The sender's holder key is the caller's to check."""
    if bidder_account == lot.account_id:
        return RejectReason.OWN_LOT_BID
    if lot.status != LotStatus.OPEN:
        return RejectReason.LOT_NOT_OPEN
    if auction_phase(lot, height) is not AuctionPhase.BIDDING:
        return RejectReason.BIDDING_CLOSED
    if bidder_account in lot.bidders:
        return RejectReason.BID_EXISTS
    if lot.bid_count >= LOT_BIDS_MAX:
        return RejectReason.LOT_BIDS_FULL
    return None


def placed_bid(lot: Lot, body: AuctionBidBody, tx_id: Hash32, height: int) -> tuple[Lot, Bid]:
    """What an accepted auction.bid writes: the lot counting it, and the sealed bid, whose
    seq is the count before it."""
    bid = copy_fields(
        Bid,
        body,
        seq=lot.bid_count,
        tx_id=tx_id,
        height=height,
        revealed_price_fen_per_t=None,
        reveal_tx_id=None,
    )
    counted = replace(lot, bid_count=lot.bid_count + 1, bidders=(*lot.bidders, bid.bidder_account))
    return counted, bid


def reveal_refusal(
    lot: Lot, bid: Bid | None, body: AuctionRevealBody, height: int
) -> RejectReason | None:
    """Why auction.reveal body at height cannot open bid (None: no bid of that account) on
    lot, in the contract's order (None: it can)."""
    if lot.status != LotStatus.OPEN:
        return RejectReason.LOT_NOT_OPEN
    phase = auction_phase(lot, height)
    if phase is AuctionPhase.BIDDING:
        return RejectReason.REVEAL_NOT_OPEN
    if phase is AuctionPhase.ENDED:
        return RejectReason.REVEAL_CLOSED
    if bid is None:
        return RejectReason.UNKNOWN_BID
    if bid.revealed_price_fen_per_t is not None:
        return RejectReason.BID_ALREADY_REVEALED
    opened = bid_commitment(body.lot_id, body.bidder_account, body.price_fen_per_t, body.salt)
    if opened != bid.commitment:
        return RejectReason.BID_COMMITMENT_MISMATCH
    return None


def revealed(bid: Bid, body: AuctionRevealBody, tx_id: Hash32) -> Bid:
    """The bid an accepted auction.reveal writes: its price opened."""
    return replace(bid, revealed_price_fen_per_t=body.price_fen_per_t, reveal_tx_id=tx_id)


def settle_refusal(lot: Lot, height: int) -> RejectReason | None:
    """Why auction.settle at height cannot close lot, after the operator's signature
    (the caller's to check), in the contract's order (None: it can)."""
    if lot.status != LotStatus.OPEN:
        return RejectReason.LOT_NOT_OPEN
    if auction_phase(lot, height) is not AuctionPhase.ENDED:
        return RejectReason.AUCTION_NOT_ENDED
    return None


@dataclass(frozen=True, slots=True, kw_only=True)
class AuctionOutcome:
    """What settlement decides: the winner and price (None: unsold), and the bids that could
    not win."""

    winner_account: str | None
    price_fen_per_t: int | None
    total_fen: int | None
    unrevealed: tuple[str, ...]
    """Bidder accounts that never revealed, by seq."""
    invalid: tuple[tuple[str, str], ...]
    """(bidder_account, reason) of revealed bids that cannot win, by seq."""


def auction_outcome(lot: LotFields, bids: Sequence[Bid]) -> AuctionOutcome:
    """The outcome of lot given all its bids (ADR 0034): among revealed bids whose price is at
    least the reserve and whose total is at most TOTAL_FEN_MAX, the highest price wins; equal
    prices go to the lowest seq (the earlier commitment)."""
    unrevealed: list[str] = []
    invalid: list[tuple[str, str]] = []
    best: Bid | None = None
    for bid in sorted(bids, key=lambda b: b.seq):
        assert bid.lot_id == lot.lot_id, (bid, lot.lot_id)
        price = bid.revealed_price_fen_per_t
        if price is None:
            unrevealed.append(bid.bidder_account)
        elif price < lot.reserve_fen_per_t:
            invalid.append((bid.bidder_account, InvalidBidReason.BELOW_RESERVE))
        elif total_fen(lot.quantity_kg, price) > TOTAL_FEN_MAX:
            invalid.append((bid.bidder_account, InvalidBidReason.TOTAL_TOO_LARGE))
        elif best is None or price > (best.revealed_price_fen_per_t or 0):
            best = bid
    if best is None or best.revealed_price_fen_per_t is None:
        return AuctionOutcome(
            winner_account=None,
            price_fen_per_t=None,
            total_fen=None,
            unrevealed=tuple(unrevealed),
            invalid=tuple(invalid),
        )
    price = best.revealed_price_fen_per_t
    return AuctionOutcome(
        winner_account=best.bidder_account,
        price_fen_per_t=price,
        total_fen=total_fen(lot.quantity_kg, price),
        unrevealed=tuple(unrevealed),
        invalid=tuple(invalid),
    )


def settled(
    lot: Lot, outcome: AuctionOutcome, tx_id: Hash32, height: int
) -> tuple[Lot, Consideration | None]:
    """What auction.settle `tx_id` at `height` writes for the open `lot` given `outcome`: the
    lot settled (or unsold) and, with a winner, `consideration/<tx_id>` (ADR 0031's record).
    The contract writes these; `lantan auction verify` compares a node's records with them."""
    winner = outcome.winner_account
    lot = replace(
        lot,
        status=LotStatus.UNSOLD if winner is None else LotStatus.SETTLED,
        winner_account=winner,
        price_fen_per_t=outcome.price_fen_per_t,
        total_fen=outcome.total_fen,
        settle_tx_id=tx_id,
        settled_height=height,
        unrevealed=outcome.unrevealed,
        invalid=tuple(
            InvalidBid(bidder_account=account, reason=reason) for account, reason in outcome.invalid
        ),
    )
    if winner is None:
        return lot, None
    assert outcome.price_fen_per_t is not None and outcome.total_fen is not None
    consideration = Consideration(
        from_account=lot.account_id,
        to_account=winner,
        batch_id=lot.batch_id,
        quantity_kg=lot.quantity_kg,
        broker=lot.operator,
        unit_price_fen_per_t=outcome.price_fen_per_t,
        currency=lot.currency,
        agreement_hash=lot.terms_hash,
        tx_id=tx_id,
        total_fen=outcome.total_fen,
        height=height,
    )
    return lot, consideration
