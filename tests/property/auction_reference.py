"""The reference model of auction.open, auction.bid, auction.reveal and auction.settle
(ADR 0034), mixed into ReferenceLedger.

Naive on purpose: a lot is a dict holding the indices of its kilograms, which turn status
"escrowed", and its bids as a list in commit order; the commitment is re-derived here with
hashlib and json (for these ASCII fields and integers the same bytes as JCS), and the
winner by a plain max over (price, -seq). Shares no code with contracts/ beyond the reason
and status strings.
"""

import hashlib
import json
from typing import TYPE_CHECKING, Any

from contracts.auction_records import LOT_BIDS_MAX
from tests.property.ledger_hooks import LedgerHooks

if TYPE_CHECKING:
    from tests.property.contracts_reference import Op

WINDOW_MAX = 10_000
TOTAL_FEN_MAX = 10**15
TAG = b"lantan/v1/auction-bid\x00"


def reference_commitment(lot: str, account: str, price: int, salt_hex: str) -> str:
    """SHA-256(tag || the committed object with sorted keys, no spaces), as hex."""
    committed = {"bidder_account": account, "lot_id": lot, "price_fen_per_t": price}
    committed["salt"] = salt_hex
    text = json.dumps(committed, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(TAG + text.encode()).hexdigest()


def reference_total(kg: int, price: int) -> int:
    fen, milli = divmod(kg * price, 1000)
    return fen + (1 if 2 * milli >= 1000 else 0)


def reference_outcome(lot: dict[str, Any]) -> tuple[str | None, int | None, list[str], list[Any]]:
    """(winner, price, unrevealed accounts, [[account, reason]]) from the lot's bids."""
    unrevealed = [b["account"] for b in lot["bids"] if b["price"] is None]
    invalid: list[Any] = []
    valid = []
    for seq, b in enumerate(lot["bids"]):
        if b["price"] is None:
            continue
        if b["price"] < lot["reserve"]:
            invalid.append([b["account"], "below_reserve"])
        elif reference_total(lot["kg"], b["price"]) > TOTAL_FEN_MAX:
            invalid.append([b["account"], "total_too_large"])
        else:
            valid.append((b["price"], -seq, b["account"]))
    if not valid:
        return None, None, unrevealed, invalid
    price, _, winner = max(valid)
    return winner, price, unrevealed, invalid


class AuctionReference(LedgerHooks):
    """Escrowed kilograms move only at their lot's settlement, to the reference's winner."""

    height: int
    lots: dict[str, dict[str, Any]]
    """lot -> seller, batch, operator, reserve, kg, bid_end, reveal_end, terms, indices,
    bids ([{account, commitment, price}] in seq order), status, winner, price."""
    unescrowed: set[tuple[str, int]]
    """(batch, index) of kg settled since the machine last cleared it."""

    def _auction_open(self, op: "Op") -> None:
        body = op.body
        self._holder_sent(op, body["account_id"])
        operator = body["operator"]
        lacks, missing = "not_an_auction_operator", "operator_signature_missing"
        self._cosigned(op, operator, ("trading_centre",), lacks, missing)
        self._batch(body["batch_id"])
        self._require(body["lot_id"] not in self.lots, "lot_exists")
        bid_end, reveal_end = body["bid_end_height"], body["reveal_end_height"]
        self._require(
            self.height < bid_end < reveal_end
            and bid_end - self.height <= WINDOW_MAX
            and reveal_end - bid_end <= WINDOW_MAX,
            "bad_auction_window",
        )
        picked = self._take_active(op, body["account_id"], body["batch_id"], "units_retired")
        units = self.units[body["batch_id"]]
        for i in picked:
            units[i] = type(units[i])(account=units[i].account, status="escrowed")
        self.lots[body["lot_id"]] = {
            "seller": body["account_id"],
            "batch": body["batch_id"],
            "operator": operator,
            "reserve": body["reserve_fen_per_t"],
            "kg": body["quantity_kg"],
            "currency": body["currency"],
            "bid_end": bid_end,
            "reveal_end": reveal_end,
            "terms": body["terms_hash"],
            "indices": picked,
            "bids": [],
            "status": "open",
            "winner": None,
            "price": None,
        }

    def _lot_and_bidder(self, op: "Op") -> dict[str, Any]:
        self._require(op.body["lot_id"] in self.lots, "unknown_lot")
        self._holder_sent(op, op.body["bidder_account"])
        return self.lots[op.body["lot_id"]]

    def _auction_bid(self, op: "Op") -> None:
        lot = self._lot_and_bidder(op)
        account = op.body["bidder_account"]
        self._require(account != lot["seller"], "own_lot_bid")
        self._require(lot["status"] == "open", "lot_not_open")
        self._require(self.height <= lot["bid_end"], "bidding_closed")
        self._require(all(b["account"] != account for b in lot["bids"]), "bid_exists")
        self._require(len(lot["bids"]) < LOT_BIDS_MAX, "lot_bids_full")
        lot["bids"].append({"account": account, "commitment": op.body["commitment"]})
        lot["bids"][-1]["price"] = None

    def _auction_reveal(self, op: "Op") -> None:
        lot = self._lot_and_bidder(op)
        body = op.body
        self._require(lot["status"] == "open", "lot_not_open")
        self._require(self.height > lot["bid_end"], "reveal_not_open")
        self._require(self.height <= lot["reveal_end"], "reveal_closed")
        bids = [b for b in lot["bids"] if b["account"] == body["bidder_account"]]
        self._require(bool(bids), "unknown_bid")
        self._require(bids[0]["price"] is None, "bid_already_revealed")
        opened = reference_commitment(
            body["lot_id"], body["bidder_account"], body["price_fen_per_t"], body["salt"]
        )
        self._require(opened == bids[0]["commitment"], "bid_commitment_mismatch")
        bids[0]["price"] = body["price_fen_per_t"]

    def _auction_settle(self, op: "Op") -> None:
        self._require(op.body["lot_id"] in self.lots, "unknown_lot")
        lot = self.lots[op.body["lot_id"]]
        self._require(self.key_owner.get(op.sender) == lot["operator"], "not_lot_operator")
        self._require(lot["status"] == "open", "lot_not_open")
        self._require(self.height > lot["reveal_end"], "auction_not_ended")
        winner, price, _, _ = reference_outcome(lot)
        units = self.units[lot["batch"]]
        for i in lot["indices"]:
            assert units[i].status == "escrowed", (lot, i)
            units[i] = type(units[i])(account=winner or lot["seller"], status="active")
            self.unescrowed.add((lot["batch"], i))
        lot |= {"status": "unsold" if winner is None else "settled"}
        lot |= {"winner": winner, "price": price}
        if winner is not None and price is not None:
            self.considerations[op.tx_id] = {
                "from_account": lot["seller"],
                "to_account": winner,
                "batch_id": lot["batch"],
                "quantity_kg": lot["kg"],
                "broker": lot["operator"],
                "unit_price_fen_per_t": price,
                "currency": lot["currency"],
                "agreement_hash": lot["terms"],
                "tx_id": op.tx_id.hex(),
                "total_fen": reference_total(lot["kg"], price),
            }
