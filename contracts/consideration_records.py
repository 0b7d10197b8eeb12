"""Consideration: the price a priced transfer names, and its record (ADR 0031). Pure.

credits.transfer_priced carries credits.transfer's fields, declared once in
contracts/bodies_credits.py, plus the unit price in fen per tonne CO2e, the currency and
the hash of the sale or subscription agreement. The registry records the money, never
settles it: `consideration/<tx_id>` holds the body's fields, the total in fen and the
height. The total is integer arithmetic only (`total_fen`): kg x fen/t / 1000, rounded to
the nearest fen, half up (四舍五入), so 2,340,100 kg at 10,600 fen/t (106 yuan/t) is
24,805,060 fen and 1 kg at 10,600 fen/t is 11 fen.
"""

from dataclasses import dataclass
from typing import Annotated, Final

from contracts.bodies_credits import CreditsTransferBody
from contracts.body_fields import choice
from protocol.codec import integer
from protocol.hashing import Hash32

KG_PER_TONNE: Final = 1000
UNIT_PRICE_FEN_PER_T_MAX: Final = 10**9
"""Ten million yuan per tonne: far above any carbon price."""
TOTAL_FEN_MAX: Final = 10**15
"""Ten trillion yuan: a larger total is refused (consideration_too_large); below 2**53."""


class Currency:
    """The currencies a consideration may name; more join by addition (ADR 0031)."""

    CNY: Final = "CNY"


CURRENCIES: Final = frozenset({Currency.CNY})


def total_fen(quantity_kg: int, unit_price_fen_per_t: int) -> int:
    """The total in fen of quantity_kg at unit_price_fen_per_t: integers only, rounded to
    the nearest fen, half a fen up (ADR 0031)."""
    return (quantity_kg * unit_price_fen_per_t + KG_PER_TONNE // 2) // KG_PER_TONNE


@dataclass(frozen=True, slots=True, kw_only=True)
class CreditsTransferPricedBody(CreditsTransferBody):
    """credits.transfer_priced: credits.transfer's fields and the price of the trade."""

    unit_price_fen_per_t: Annotated[int, integer(minimum=0, maximum=UNIT_PRICE_FEN_PER_T_MAX)]
    """Fen (1/100 yuan) per tonne CO2e: 106 yuan/t = 10,600. 0 records a transfer for no
    money (a gift, a transfer inside one group)."""
    currency: Annotated[str, choice(CURRENCIES)]
    agreement_hash: Hash32
    """SHA-256 of the sale or subscription agreement as signed; it stays off chain."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Consideration(CreditsTransferPricedBody, what="consideration"):
    """`consideration/<tx_id>`: what the priced transfer `tx_id` moved, at which price, and
    its total in fen by `total_fen`, recorded at `height` (ADR 0031)."""

    tx_id: Hash32
    total_fen: Annotated[int, integer(minimum=0, maximum=TOTAL_FEN_MAX)]
    height: int
