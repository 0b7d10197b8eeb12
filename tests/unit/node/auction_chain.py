"""The Huangbi'ao auction (genesis/example/auction_case.py, ADR 0034) committed on a real
Ledger, one tx a block, with certified blocks: for the read side (API, pages, CSV, query)
and `lantan auction verify`'s tests.

After the first Xiangshan case steps (the batch issued to the Township) and the bidders'
accounts, the example lot runs to its settlement: three bids, two reveals, Ningbo wins at
106 yuan/t, Zhoushan never reveals. A late bid and a reveal with a wrong salt are refused
on the way. Then a second lot stays open, inside its reveal window, with one bid revealed:
its price must stay hidden on the page until the window closes.
"""

from dataclasses import dataclass, replace

from contracts.auction_records import bid_commitment
from genesis.example.auction_case import (
    AUCTION_SETUP,
    BID_STEPS,
    BIDDERS,
    CASE_STEPS_BEFORE,
    LOT_ID,
    OPERATOR,
    REVEAL_STEPS,
    SETTLE_STEP,
    open_step,
)
from genesis.example.xiangshan_case import CaseStep, xiangshan_case_steps
from genesis.network import ECOLOGICAL_ACCOUNT_ID
from node.ledger import Ledger
from protocol.encoding import JsonValue
from protocol.hashing import sha256
from protocol.tx import SignedTx
from tests.unit.node.case_chain import Signer, open_account, run_each
from tests.unit.node.chain_kit import build_and_commit

OPEN_LOT_ID = "huangbiao-2024-lot-02"
OPEN_LOT_KG = 10_000
OPEN_LOT_REVEAL_WINDOW = 1_000
OPEN_LOT_PRICE = 9_000
"""Xiamen's revealed price on the open lot: on chain, hidden on the page until the window ends."""
OPEN_LOT_SALT = sha256(b"auction chain: open lot salt")
BIDDER = BIDDERS[1]


@dataclass(frozen=True)
class AuctionTxs:
    """tx ids (hex) of the settled lot's txs, and heights that tests name."""

    open_tx: str
    bid_txs: tuple[str, ...]
    reveal_txs: tuple[str, ...]
    settle_tx: str
    open_height: int
    settle_height: int
    refused: tuple[str, ...]
    """The late bid's and the wrong reveal's tx ids."""


def _tx(signer: Signer, step: CaseStep) -> SignedTx:
    return signer.tx(step.sender, step.tx_type, dict(step.body), step.cosigners)


def _empty_blocks_to(ledger: Ledger, height: int) -> None:
    while ledger.height < height:
        build_and_commit(ledger)


def run_auction(ledger: Ledger) -> AuctionTxs:
    """The settled example lot and the open second lot on ledger (see the module doc)."""
    signer = Signer()
    eco = open_account(signer, ECOLOGICAL_ACCOUNT_ID, "xiangshan-county", "ecological")
    build_and_commit(ledger, (eco,))
    setup = (*xiangshan_case_steps()[:CASE_STEPS_BEFORE], *AUCTION_SETUP)
    run_each(ledger, tuple(_tx(signer, step) for step in setup))
    opening = open_step(ledger.height + 1)
    open_tx = _tx(signer, opening)
    run_each(ledger, (open_tx,))
    open_height = ledger.height
    bids = tuple(_tx(signer, step) for step in BID_STEPS)
    run_each(ledger, bids)
    bid_end = int(str(opening.body["bid_end_height"]))
    _empty_blocks_to(ledger, bid_end)
    late = _tx(signer, BID_STEPS[0])  # a second bid, and after bid_end: refused
    wrong = _tx(signer, _with_body(REVEAL_STEPS[1], salt=sha256(b"not the salt").hex()))
    for refused in (late, wrong):
        prepared = build_and_commit(ledger, (refused,))
        assert prepared.results[0].reason is not None, refused.tx.type
    reveals = tuple(_tx(signer, step) for step in REVEAL_STEPS)
    run_each(ledger, reveals)
    _empty_blocks_to(ledger, int(str(opening.body["reveal_end_height"])))
    settle = _tx(signer, SETTLE_STEP)
    run_each(ledger, (settle,))
    settle_height = ledger.height
    _open_second_lot(ledger, signer)
    return AuctionTxs(
        open_tx=open_tx.tx_id.hex(),
        bid_txs=tuple(bid.tx_id.hex() for bid in bids),
        reveal_txs=tuple(reveal.tx_id.hex() for reveal in reveals),
        settle_tx=settle.tx_id.hex(),
        open_height=open_height,
        settle_height=settle_height,
        refused=(late.tx_id.hex(), wrong.tx_id.hex()),
    )


def _with_body(step: CaseStep, **changes: JsonValue) -> CaseStep:
    return replace(step, body=dict(step.body) | changes)


def _open_second_lot(ledger: Ledger, signer: Signer) -> None:
    """OPEN_LOT_ID: 10,000 kg, bids for 2 heights, reveals for OPEN_LOT_REVEAL_WINDOW; Xiamen
    bids and reveals, and the chain stops inside the reveal window."""
    opening = open_step(ledger.height + 1)
    bid_end = ledger.height + 3
    body = dict(opening.body) | {
        "lot_id": OPEN_LOT_ID,
        "quantity_kg": OPEN_LOT_KG,
        "bid_end_height": bid_end,
        "reveal_end_height": bid_end + OPEN_LOT_REVEAL_WINDOW,
    }
    run_each(ledger, (signer.tx(opening.sender, "auction.open", body, (OPERATOR,)),))
    commitment = bid_commitment(OPEN_LOT_ID, BIDDER.account_id, OPEN_LOT_PRICE, OPEN_LOT_SALT)
    bid = {"lot_id": OPEN_LOT_ID, "bidder_account": BIDDER.account_id}
    run_each(
        ledger,
        (signer.tx(BIDDER.account_id, "auction.bid", bid | {"commitment": commitment.hex()}),),
    )
    _empty_blocks_to(ledger, bid_end)
    reveal = bid | {"price_fen_per_t": OPEN_LOT_PRICE, "salt": OPEN_LOT_SALT.hex()}
    run_each(ledger, (signer.tx(BIDDER.account_id, "auction.reveal", reveal),))
    build_and_commit(ledger)


__all__ = ["LOT_ID", "AuctionTxs", "run_auction"]
