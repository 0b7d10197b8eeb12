"""The reference model of credits.transfer_priced (ADR 0031), mixed into ReferenceLedger.

Naive on purpose: the priced transfer runs the reference's own credits.transfer rule, so the
kilograms it moves are the unpriced transfer's by construction, and the machine compares
them with the chain's after every block. The total is re-derived here by long division,
not by contracts/' formula: the quotient, plus one fen when the remainder is half a fen or
more. Shares no code with contracts/ beyond the reason strings.
"""

from typing import TYPE_CHECKING

from tests.property.ledger_hooks import LedgerHooks

if TYPE_CHECKING:
    from tests.property.contracts_reference import Op

TOTAL_FEN_MAX = 10**15


def reference_total_fen(quantity_kg: int, unit_price_fen_per_t: int) -> int:
    """kg x fen/t / 1000 to the nearest fen, half a fen up."""
    fen, remainder_milli_fen = divmod(quantity_kg * unit_price_fen_per_t, 1000)
    return fen + 1 if remainder_milli_fen * 2 >= 1000 else fen


class ConsiderationReference(LedgerHooks):
    """credits.transfer_priced: the total's bound, then credits.transfer, then the record."""

    def _credits_transfer_priced(self, op: "Op") -> None:
        body = op.body
        total = reference_total_fen(body["quantity_kg"], body["unit_price_fen_per_t"])
        self._require(total <= TOTAL_FEN_MAX, "consideration_too_large")
        self._credits_transfer(op)
        self.considerations[op.tx_id] = body | {"tx_id": op.tx_id.hex(), "total_fen": total}
