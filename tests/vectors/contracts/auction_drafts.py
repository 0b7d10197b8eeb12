"""Drafts of auction.open, auction.bid, auction.reveal and auction.settle for the contracts
property test (ADR 0034), mixed into tests/vectors/contracts/tx_generators.py's TxGenerator.

Windows are a few heights long so lots open, collect bids, reveal and settle within one
run; bids keep their price and salt here so reveals can be right or wrong on purpose (a
wrong salt or price, an early or late reveal), bids can come late, settlements early, and
the other drafts keep trying to move every kilogram, escrowed ones included.
"""

import random
from typing import Any

from contracts.auction_records import bid_commitment
from protocol.signing import SigningKey
from tests.property.contracts_reference import ReferenceLedger
from tests.vectors.contracts.drafts import Draft

OPERATORS = ("ningbo-ptc", "xiamen-ptc")


class AuctionDrafts:
    """Mixed into TxGenerator, whose views and drafts it uses (declared here, defined there)."""

    ref: ReferenceLedger
    sealed: dict[tuple[str, str], tuple[int, bytes]]
    """(lot, account) -> the price and salt its bid committed to."""

    def holdings(self, status: str) -> list[tuple[str, str, int]]:
        raise NotImplementedError

    def holder_of(self, account: str) -> SigningKey:
        raise NotImplementedError

    def signing_accounts(self) -> set[str]:
        raise NotImplementedError

    def key(self, name: str) -> SigningKey:
        raise NotImplementedError

    def fresh(self, prefix: str) -> str:
        raise NotImplementedError

    def _credits_issue(self, rng: random.Random, mistake: bool) -> Draft:
        raise NotImplementedError

    def _account_open(self, rng: random.Random, mistake: bool) -> Draft:
        raise NotImplementedError

    def active_key(self, institution: str) -> SigningKey | None:
        raise NotImplementedError

    def lots_where(self, test: Any) -> list[str]:
        return sorted(lot for lot, entry in self.ref.lots.items() if test(entry))

    def _auction_open(self, rng: random.Random, mistake: bool) -> Draft:
        pairs = self.holdings("active") or self.holdings("escrowed")
        if not pairs:
            return self._credits_issue(rng, False)
        account, batch, held = rng.choice(pairs)
        operator = rng.choice(OPERATORS)
        operator_key = self.active_key(operator)
        if operator_key is None:  # its keys were rotated away from the generator's reach
            return self._credits_issue(rng, False)
        cosigners: tuple[SigningKey, ...] = (operator_key,)
        bid_end = self.ref.height + rng.randint(1, 4)
        body: dict[str, Any] = {
            "lot_id": self.fresh("lot"),
            "account_id": account,
            "batch_id": batch,
            "quantity_kg": rng.randint(1, held),
            "operator": operator,
            "reserve_fen_per_t": rng.choice([0, 3_000, 10_000]),
            "currency": "CNY",
            "bid_end_height": bid_end,
            "reveal_end_height": bid_end + rng.randint(2, 6),
            "terms_hash": bytes([rng.randrange(256)] * 32).hex(),
        }
        if mistake:
            variant = rng.randrange(5)
            if variant == 0:  # operator_signature_missing
                cosigners = ()
            elif variant == 1:  # not_an_auction_operator
                body["operator"] = "xiangshan-court"
            elif variant == 2 and self.ref.lots:  # lot_exists
                body["lot_id"] = rng.choice(sorted(self.ref.lots))
            elif variant == 3:  # bad_auction_window
                body["bid_end_height"] = self.ref.height
            else:  # units_escrowed or another shortage
                body["quantity_kg"] = held + rng.randint(1, 50)
        return Draft("auction.open", self.holder_of(account), cosigners, body)

    def _auction_bid(self, rng: random.Random, mistake: bool) -> Draft:
        height = self.ref.height
        open_ = self.lots_where(lambda e: e["status"] == "open" and height <= e["bid_end"])
        if mistake:  # a late bid, when a lot has closed its bidding
            open_ = self.lots_where(lambda e: height > e["bid_end"]) or open_
        if not open_:
            return self._auction_open(rng, False)
        lot = rng.choice(open_)
        entry = self.ref.lots[lot]
        bidders = sorted(self.signing_accounts() - {entry["seller"]})
        if mistake and rng.randrange(3) == 0 and entry["seller"] in self.signing_accounts():
            bidders = [entry["seller"]]  # own_lot_bid
        if not bidders:  # the seller holds the only account: open a bidder's
            return self._account_open(rng, False)
        account = rng.choice(bidders)
        # Few distinct prices, so equal prices (ties to the earlier bid) happen often.
        price = entry["reserve"] + rng.choice([0, 0, 500, 1_000, rng.randint(1, 9_000)])
        if rng.randrange(5) == 0 and entry["reserve"]:  # below the reserve: invalid
            price = entry["reserve"] - 1
        salt = bytes(rng.randrange(256) for _ in range(32))
        self.sealed[(lot, account)] = (price, salt)
        commitment = bid_commitment(lot, account, price, salt).hex()
        body = {"lot_id": lot, "bidder_account": account, "commitment": commitment}
        return Draft("auction.bid", self.holder_of(account), (), body)

    def _auction_reveal(self, rng: random.Random, mistake: bool) -> Draft:
        height = self.ref.height
        revealing = [
            (lot, b["account"])
            for lot in self.lots_where(lambda e: e["bid_end"] < height <= e["reveal_end"])
            for b in self.ref.lots[lot]["bids"]
            if b["price"] is None
        ]
        if mistake:  # early, late or already revealed, when there are any
            revealing = [(lot, b["account"]) for lot, e in self.ref.lots.items() for b in e["bids"]]
        signing = self.signing_accounts()
        revealing = [(lot, account) for lot, account in revealing if account in signing]
        if not revealing:  # a step toward a reveal window: a bid, or a lot to bid on
            return self._auction_bid(rng, False)
        lot, account = rng.choice(sorted(revealing))
        price, salt = self.sealed.get((lot, account), (0, bytes(32)))
        if mistake and rng.randrange(2):  # bid_commitment_mismatch
            price, salt = rng.choice([(price + 1, salt), (price, bytes(32))])
        body = {"lot_id": lot, "bidder_account": account, "price_fen_per_t": price}
        body |= {"salt": salt.hex()}
        return Draft("auction.reveal", self.holder_of(account), (), body)

    def _auction_settle(self, rng: random.Random, mistake: bool) -> Draft:
        height = self.ref.height
        ended = self.lots_where(lambda e: e["status"] == "open" and height > e["reveal_end"])
        if mistake or not ended:  # before the end, or a second settlement
            ended = self.lots_where(lambda e: True) if mistake else ended
        if not ended:
            return self._auction_reveal(rng, False)
        lot = rng.choice(ended)
        operator = self.ref.lots[lot]["operator"]
        if mistake and rng.randrange(3) == 0:  # not_lot_operator
            operator = next(o for o in OPERATORS if o != operator)
        key = self.active_key(operator)
        if key is None:  # its keys were rotated away from the generator's reach
            return self._auction_reveal(rng, False)
        return Draft("auction.settle", key, (), {"lot_id": lot})
