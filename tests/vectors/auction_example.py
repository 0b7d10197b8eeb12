"""The worked example of a sealed-bid auction, docs/STATE.md "Sealed-bid auctions" (ADR 0034).

`python -m tests.vectors.auction_example --rewrite` writes it into docs/STATE.md (between its
own markers) and tests/vectors/auction-v1.json; test_single_examples.py fails when either is
stale. The txs are genesis/example/auction_case.py's (a Huangbi'ao lot of 234,010 kg, three
bidders, Zhoushan never reveals), signed with the §13 example keys of the same names; chain
id and time are those of docs/PROTOCOL.md §13, whose bytes this leaves alone. The heights
are those the sequence commits at on the example chain after the Xiangshan case's first
four steps (test_auction_example.py runs it).
"""

import sys
from dataclasses import replace

from contracts.auction_records import (
    AuctionOpenBody,
    Bid,
    EscrowedBlock,
    Lot,
    LotStatus,
    auction_outcome,
)
from contracts.consideration_records import Consideration
from contracts.credit_records import SerialBlock, SerialStatus
from contracts.state_keys import (
    auction_bid_key,
    auction_key,
    consideration_key,
    escrowed_block_key,
    serial_block_key,
)
from genesis.example.auction_case import (
    BID_STEPS,
    BIDDERS,
    LOT_ID,
    LOT_KG,
    OPERATOR,
    REVEAL_STEPS,
    SETTLE_STEP,
    WINNER,
    open_step,
)
from genesis.example.xiangshan_case import BATCH_ID, TOWNSHIP_ACCOUNT
from protocol.codec import copy_fields
from protocol.encoding import encode
from protocol.hashing import TAG_AUCTION_BID
from protocol.tx import SignedTx, sign_tx
from tests.vectors.protocol_examples import Section, example_key
from tests.vectors.state_examples import (
    add_signed_tx,
    add_state_record,
    signed_example_tx,
    state_example,
)

EXAMPLE = state_example("auction", "Sealed-bid auctions")
OPEN_HEIGHT = 8
BID_HEIGHTS = (9, 10, 11)
REVEAL_HEIGHTS = (14, 15)
SETTLE_HEIGHT = 19
OPEN_STEP = open_step(OPEN_HEIGHT)


def example_txs() -> tuple[SignedTx, tuple[SignedTx, ...], tuple[SignedTx, ...], SignedTx]:
    """The Township's auction.open co-signed by Ningbo PTC, the three bids, the two reveals
    (each bidder's nonces 1 and 2) and Ningbo PTC's auction.settle (nonce 1)."""
    opening = signed_example_tx(TOWNSHIP_ACCOUNT, "auction.open", 1, OPEN_STEP.body)
    opening = sign_tx(opening, example_key(OPERATOR))
    bids = tuple(signed_example_tx(step.sender, step.tx_type, 1, step.body) for step in BID_STEPS)
    reveals = tuple(
        signed_example_tx(step.sender, step.tx_type, 2, step.body) for step in REVEAL_STEPS
    )
    settle = signed_example_tx(OPERATOR, SETTLE_STEP.tx_type, 1, SETTLE_STEP.body)
    return opening, bids, reveals, settle


def example_records() -> tuple[Lot, tuple[Bid, ...], Lot, Consideration]:
    """The lot as opened, the bids as settlement reads them, the settled lot and the
    settlement's consideration record."""
    opening, bids, reveals, settle = example_txs()
    lot = copy_fields(
        Lot,
        AuctionOpenBody.from_json(opening.tx.body),
        ranges=((1, LOT_KG),),
        opened_by=opening.tx.sender,
        height=OPEN_HEIGHT,
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
    revealed = {tx.tx.body["bidder_account"]: tx for tx in reveals}
    final_bids = tuple(
        Bid(
            lot_id=LOT_ID,
            bidder_account=bidder.account_id,
            commitment=bidder.commitment,  # type: ignore[arg-type]
            seq=seq,
            tx_id=bid.tx_id,
            height=height,
            revealed_price_fen_per_t=bidder.price_fen_per_t if bidder.reveals else None,
            reveal_tx_id=revealed[bidder.account_id].tx_id if bidder.reveals else None,
        )
        for seq, (bidder, bid, height) in enumerate(zip(BIDDERS, bids, BID_HEIGHTS, strict=True))
    )
    outcome = auction_outcome(lot, final_bids)
    assert outcome.winner_account == WINNER.account_id and outcome.total_fen is not None
    assert outcome.price_fen_per_t is not None
    settled = replace(
        lot,
        bid_count=len(final_bids),
        bidders=tuple(b.account_id for b in BIDDERS),
        status=LotStatus.SETTLED,
        winner_account=outcome.winner_account,
        price_fen_per_t=outcome.price_fen_per_t,
        total_fen=outcome.total_fen,
        settle_tx_id=settle.tx_id,
        settled_height=SETTLE_HEIGHT,
        unrevealed=outcome.unrevealed,
    )
    paid = Consideration(
        from_account=TOWNSHIP_ACCOUNT,
        to_account=outcome.winner_account,
        batch_id=BATCH_ID,
        quantity_kg=LOT_KG,
        broker=OPERATOR,
        unit_price_fen_per_t=outcome.price_fen_per_t,
        currency=lot.currency,
        agreement_hash=lot.terms_hash,
        tx_id=settle.tx_id,
        total_fen=outcome.total_fen,
        height=SETTLE_HEIGHT,
    )
    return lot, final_bids, settled, paid


def block_json(status: SerialStatus, account_id: str) -> SerialBlock:
    return SerialBlock.from_json(
        {"batch_id": BATCH_ID, "first_serial": 1, "last_serial": LOT_KG}
        | {"status": status.value, "account_id": account_id}
        | dict.fromkeys(("frozen_by", "retirement_id", "case_id"))
    )


def build_section() -> Section:
    opening, bids, reveals, settle = example_txs()
    lot, final_bids, settled, paid = example_records()
    winner = WINNER
    section = Section(
        "A worked example",
        f"{TOWNSHIP_ACCOUNT} puts the lowest {LOT_KG:,} kg of batch {BATCH_ID} up for "
        f"auction as lot {LOT_ID} at height {OPEN_HEIGHT}, {OPERATOR} (Ningbo PTC, role "
        f"`trading_centre`) co-signing as operator: reserve {lot.reserve_fen_per_t:,} fen/t "
        f"(30 yuan/t, the county's 2023 starting price), bids until height "
        f"{lot.bid_end_height}, reveals until {lot.reveal_end_height}. Three enterprises bid "
        f"at heights {', '.join(map(str, BID_HEIGHTS))} (seq 0, 1, 2): "
        + ", ".join(f"{b.account_id} {b.price_fen_per_t:,} fen/t" for b in BIDDERS)
        + f". The first two reveal at heights {REVEAL_HEIGHTS[0]} and {REVEAL_HEIGHTS[1]}; "
        f"{BIDDERS[2].account_id} never reveals, so its higher price cannot win. At height "
        f"{SETTLE_HEIGHT} Ningbo PTC settles: {winner.account_id} wins at "
        f"{winner.price_fen_per_t:,} fen/t (106 yuan/t), {paid.total_fen:,} fen in all "
        "(total_fen: kg x fen/t / 1000, half up); the block turns `active` in the winner's "
        "account and `consideration/<settle tx_id>` records the price. The first lines show "
        "the commitment of the winning bid byte for byte. Keys are the §13 example keys of "
        'those names; salts are SHA-256("lantan example salt: " || account) '
        "(`genesis/example/auction_case.py`; a bidder draws 32 random bytes). Chain id and "
        "time as in docs/PROTOCOL.md §13.",
    )
    preimage = encode(
        {
            "bidder_account": winner.account_id,
            "lot_id": LOT_ID,
            "price_fen_per_t": winner.price_fen_per_t,
            "salt": winner.salt.hex(),
        }
    )
    section.add("commitment tag", TAG_AUCTION_BID.hex())
    section.add("JCS(committed bid)", preimage.decode())
    section.add("commitment = SHA-256(tag || JCS(committed bid))", winner.commitment)
    add_signed_tx(section, opening, "auction.open")
    add_state_record(section, auction_key(LOT_ID), lot.to_json())
    mark = EscrowedBlock(lot_id=LOT_ID, last_serial=LOT_KG)
    add_state_record(section, escrowed_block_key(BATCH_ID, 1), mark.to_json())
    escrowed = block_json(SerialStatus.ESCROWED, TOWNSHIP_ACCOUNT)
    add_state_record(section, serial_block_key(BATCH_ID, 1), escrowed.to_json())
    for bidder, bid in zip(BIDDERS, bids, strict=True):
        add_signed_tx(section, bid, f"auction.bid ({bidder.account_id})")
    sealed = replace(final_bids[0], revealed_price_fen_per_t=None, reveal_tx_id=None)
    add_state_record(section, auction_bid_key(LOT_ID, winner.account_id), sealed.to_json())
    for reveal in reveals:
        add_signed_tx(section, reveal, f"auction.reveal ({reveal.tx.body['bidder_account']})")
    add_state_record(section, auction_bid_key(LOT_ID, winner.account_id), final_bids[0].to_json())
    add_signed_tx(section, settle, "auction.settle")
    add_state_record(section, auction_key(LOT_ID), settled.to_json())
    add_state_record(section, consideration_key(settle.tx_id), paid.to_json())
    won = block_json(SerialStatus.ACTIVE, winner.account_id)
    add_state_record(section, serial_block_key(BATCH_ID, 1), won.to_json())
    return section


if __name__ == "__main__":
    sys.exit(EXAMPLE.main(sys.argv[1:], build_section()))
