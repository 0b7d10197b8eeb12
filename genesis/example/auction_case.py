"""A sealed-bid auction of a Huangbi'ao lot (ADR 0034), as fixed tx steps shared by the
contract tests, the worked example, the demo and `lantan auction verify`'s tests.

After the Xiangshan case's first four steps (the batch issued to the Township account),
Ningbo PTC opens the accounts of three bidders (illustrative enterprises of Ningbo, Xiamen
and Zhoushan). The Township puts 234,010 kg (234.01 t, a tenth of the 2,340.1 t the county
auctioned in 2023) up for auction with Ningbo PTC as operator, at the county's 2023
starting price, 30 yuan/t (3,000 fen/t). Ningbo bids 106 yuan/t, Xiamen 88 yuan/t,
Zhoushan 120 yuan/t; Zhoushan never reveals, so Ningbo wins at 10,600 fen/t, 2,480,506 fen
(24,805.06 yuan) in all. Salts are fixed (SHA-256 of a label) so every run has the same
bytes; a real bidder draws 32 random bytes.

The windows are heights, so the open step is built for the height it will commit at
(`open_step`); the bids, reveals and settlement are fixed.
"""

from dataclasses import dataclass, replace

from contracts.auction_records import bid_commitment
from genesis.example.chain import ExampleChain
from genesis.example.parties import party_key
from genesis.example.xiangshan_case import (
    BATCH_ID,
    TOWNSHIP_ACCOUNT,
    XIANGSHAN_CASE_STEPS,
    CaseStep,
)
from protocol.hashing import sha256
from protocol.results import TxResult

OPERATOR = "ningbo-ptc"
LOT_ID = "huangbiao-2024-lot-01"
LOT_KG = 234_010
RESERVE_FEN_PER_T = 3_000
"""30 yuan/t: Xiangshan's 2023 starting price."""
WINNING_FEN_PER_T = 10_600
"""106 yuan/t: the 2023 closing price."""
BID_WINDOW = 5
"""bid_end_height = the open height + BID_WINDOW."""
REVEAL_WINDOW = 5
"""reveal_end_height = bid_end_height + REVEAL_WINDOW."""
CASE_STEPS_BEFORE = 4
"""How many Xiangshan case steps run first: up to the issuance to the Township account."""
TERMS = "象山县黄避岙乡蓝碳拍卖公告 2024-01（示例 illustrative）".encode()
"""The published auction terms (off chain); the lot keeps their SHA-256."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Bidder:
    account_id: str
    display_name: str
    price_fen_per_t: int
    reveals: bool

    @property
    def salt(self) -> bytes:
        """Fixed for the example: SHA-256("lantan example salt: " || account)."""
        return sha256(b"lantan example salt: " + self.account_id.encode())

    @property
    def commitment(self) -> bytes:
        return bid_commitment(LOT_ID, self.account_id, self.price_fen_per_t, self.salt)


BIDDERS: tuple[Bidder, ...] = (
    Bidder(
        account_id="ningbo-haiyang-dev",
        display_name="宁波某海洋开发企业（示例）Ningbo marine enterprise (illustrative)",
        price_fen_per_t=WINNING_FEN_PER_T,
        reveals=True,
    ),
    Bidder(
        account_id="xiamen-lanhai-trade",
        display_name="厦门某贸易企业（示例）Xiamen trading enterprise (illustrative)",
        price_fen_per_t=8_800,
        reveals=True,
    ),
    Bidder(
        account_id="zhoushan-yuye-group",
        display_name="舟山某渔业集团（示例）Zhoushan fishery group (illustrative)",
        price_fen_per_t=12_000,
        reveals=False,
    ),
)
"""In bid order (seq 0, 1, 2). Zhoushan's higher bid is never revealed, so it cannot win."""
WINNER = BIDDERS[0]
UNREVEALED = BIDDERS[2]

AUCTION_SETUP: tuple[CaseStep, ...] = tuple(
    replace(
        XIANGSHAN_CASE_STEPS[0],  # the Township's account.open, for a bidder
        label=f"Ningbo PTC opens the bidder account {bidder.account_id}",
        body=dict(XIANGSHAN_CASE_STEPS[0].body)
        | {"account_id": bidder.account_id}
        | {"holder_key": party_key(bidder.account_id).public_key.hex()}
        | {"display_name": bidder.display_name, "kind": "enterprise"},
    )
    for bidder in BIDDERS
)


def open_step(
    open_height: int, bid_window: int = BID_WINDOW, reveal_window: int = REVEAL_WINDOW
) -> CaseStep:
    """auction.open as it commits at open_height: bidding until open_height + bid_window,
    reveals for reveal_window heights after that."""
    bid_end = open_height + bid_window
    return CaseStep(
        label="The Township puts 234,010 kg up for auction; Ningbo PTC co-signs as operator",
        tx_type="auction.open",
        sender=TOWNSHIP_ACCOUNT,
        body={
            "lot_id": LOT_ID,
            "account_id": TOWNSHIP_ACCOUNT,
            "batch_id": BATCH_ID,
            "quantity_kg": LOT_KG,
            "operator": OPERATOR,
            "reserve_fen_per_t": RESERVE_FEN_PER_T,
            "currency": "CNY",
            "bid_end_height": bid_end,
            "reveal_end_height": bid_end + reveal_window,
            "terms_hash": sha256(TERMS).hex(),
        },
        cosigners=(OPERATOR,),
    )


BID_STEPS: tuple[CaseStep, ...] = tuple(
    CaseStep(
        label=f"{bidder.account_id} commits a sealed bid",
        tx_type="auction.bid",
        sender=bidder.account_id,
        body={
            "lot_id": LOT_ID,
            "bidder_account": bidder.account_id,
            "commitment": bidder.commitment.hex(),
        },
    )
    for bidder in BIDDERS
)
REVEAL_STEPS: tuple[CaseStep, ...] = tuple(
    CaseStep(
        label=f"{bidder.account_id} reveals {bidder.price_fen_per_t:,} fen/t",
        tx_type="auction.reveal",
        sender=bidder.account_id,
        body={
            "lot_id": LOT_ID,
            "bidder_account": bidder.account_id,
            "price_fen_per_t": bidder.price_fen_per_t,
            "salt": bidder.salt.hex(),
        },
    )
    for bidder in BIDDERS
    if bidder.reveals
)
SETTLE_STEP = CaseStep(
    label="Ningbo PTC settles the lot: Ningbo wins at 106 yuan/t",
    tx_type="auction.settle",
    sender=OPERATOR,
    body={"lot_id": LOT_ID},
)


def run_auction_case(chain: ExampleChain) -> tuple[tuple[CaseStep, TxResult], ...]:
    """The whole example on chain (after the first CASE_STEPS_BEFORE Xiangshan steps): the
    bidder accounts, the open, the bids, empty blocks to the reveal window, the reveals,
    empty blocks past it, the settlement; each step with its result."""
    done = [(step, chain.submit_step(step)) for step in AUCTION_SETUP]
    opening = open_step(chain.height + 1)
    done.append((opening, chain.submit_step(opening)))
    done += [(step, chain.submit_step(step)) for step in BID_STEPS]
    while chain.height < opening.body["bid_end_height"]:  # type: ignore[operator]
        chain.apply(())
    done += [(step, chain.submit_step(step)) for step in REVEAL_STEPS]
    while chain.height < opening.body["reveal_end_height"]:  # type: ignore[operator]
        chain.apply(())
    done.append((SETTLE_STEP, chain.submit_step(SETTLE_STEP)))
    return tuple(done)
