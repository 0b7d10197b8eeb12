"""Bodies of the tx types that create, move or end credits (DESIGN.md §5). Pure.

Every quantity is a positive integer number of kilograms CO2e; every operation takes the
LOWEST matching serials of one account in one batch (contracts/serials.py). Each body names
its fields once; protocol/codec.py reads and writes them (strictly: unknown or missing
fields are admission errors).
"""

from dataclasses import dataclass
from typing import Annotated

from contracts.body_fields import Amount, AmountOrZero, Body, Slug, Text
from protocol.codec import integer

VINTAGE_MIN = 1990
VINTAGE_MAX = 2200


@dataclass(frozen=True, slots=True, kw_only=True)
class CreditsIssueBody(Body):
    """credits.issue: a vintage batch from a verification, plus its BUFFER set-aside."""

    batch_id: Slug
    verification_id: Slug
    vintage: Annotated[int, integer(minimum=VINTAGE_MIN, maximum=VINTAGE_MAX)]
    quantity_kg: Amount
    buffer_kg: AmountOrZero
    """Zero only passes the business rule when params set buffer_min_bps = 0."""
    to_account: Slug


@dataclass(frozen=True, slots=True, kw_only=True)
class CreditsTransferBody(Body):
    """credits.transfer: the holder moves the lowest ACTIVE serials; a broker co-signs."""

    from_account: Slug
    to_account: Slug
    batch_id: Slug
    quantity_kg: Amount
    broker: Slug | None
    """Institution id of the trading centre brokering the trade; its key must co-sign."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CreditsRetireBody(Body):
    """credits.retire: the holder ends credits for good for a beneficiary."""

    account_id: Slug
    batch_id: Slug
    quantity_kg: Amount
    beneficiary: Text
    purpose: Text
    reason: Text


@dataclass(frozen=True, slots=True, kw_only=True)
class CreditsRetireJudicialBody(Body):
    """credits.retire_judicial: retirement for a registered case, confirmed by its court."""

    case_id: Slug
    account_id: Slug
    batch_id: Slug
    quantity_kg: Amount
    beneficiary: Text
    """The ecological account the restoration benefits, e.g. 象山县蓝碳生态碳账户."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CreditsHoldBody(Body):
    """credits.freeze, credits.unfreeze and credits.cancel: an amount of one holding."""

    account_id: Slug
    batch_id: Slug
    quantity_kg: Amount
    reason: Text
