"""Pledge records and bodies (ADR 0032). Pure.

A holder pledges the lowest ACTIVE serials of one holding to a lender institution (role
`lender`) as security for a loan; the serials' blocks turn PLEDGED and each carries an index
key `pledged/<batch>/<first>` naming the pledge. `pledge/<id>` keeps who, what and why; its
status moves once, from active to released (the lender lets go) or enforced (the serials
went to the lender's account).
"""

from dataclasses import dataclass
from typing import Annotated, Final

from contracts.body_fields import Amount, Body, Slug, choice
from contracts.case_records import SerialRanges
from protocol.codec import JsonCodec
from protocol.hashing import Hash32
from protocol.signing import PublicKey


class PledgeStatus:
    """Where a pledge stands; it leaves ACTIVE once and for good."""

    ACTIVE: Final = "active"
    """Its serials are PLEDGED: nothing moves them but release or enforcement."""
    RELEASED: Final = "released"
    """The lender released it: the serials are ACTIVE again in the pledgor's account."""
    ENFORCED: Final = "enforced"
    """Enforced: the serials are ACTIVE in the lender's account."""


PLEDGE_STATUSES: Final = (PledgeStatus.ACTIVE, PledgeStatus.RELEASED, PledgeStatus.ENFORCED)


@dataclass(frozen=True, slots=True, kw_only=True)
class PledgeFields(JsonCodec):
    """A pledge as credits.pledge names it: the body's fields and the record's, once."""

    pledge_id: Slug
    account_id: Slug
    """The pledgor's account; its holder key signs credits.pledge."""
    batch_id: Slug
    quantity_kg: Amount
    """The lowest ACTIVE kilograms of the holding are pledged."""
    lender: Slug
    """Institution id of the lender (role `lender`); an active key of it co-signs."""
    agreement_hash: Hash32
    """SHA-256 of the pledge agreement (质押合同) as signed; the document stays off chain."""
    loan_reference_hash: Hash32
    """SHA-256 of the loan contract or its registration reference (e.g. in the movable
    property financing registry); the reference stays off chain."""


@dataclass(frozen=True, slots=True, kw_only=True)
class PledgeBody(PledgeFields, Body):
    """credits.pledge: the holder pledges kilograms of a holding; the lender co-signs."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Pledge(PledgeFields, what="pledge"):
    """`pledge/<id>`: serials pledged to a lender, and what became of them (ADR 0032)."""

    ranges: SerialRanges
    """The pledged serials as closed [first, last] ranges, ascending."""
    pledged_by: PublicKey
    """The holder key that sent credits.pledge."""
    height: int
    """The block that recorded the pledge."""
    status: Annotated[str, choice(frozenset(PLEDGE_STATUSES))]
    closed_height: int | None
    """The block that released or enforced it; None while active."""
    enforced_to: Slug | None
    """The lender's account the serials went to; None unless enforced."""
    enforced_with: Slug | None
    """The trading centre or court that co-signed the enforcement; None unless enforced."""


@dataclass(frozen=True, slots=True, kw_only=True)
class PledgeReleaseBody(Body):
    """credits.pledge_release: the lender releases a pledge; its serials turn ACTIVE again."""

    pledge_id: Slug


@dataclass(frozen=True, slots=True, kw_only=True)
class PledgeEnforceBody(Body):
    """credits.pledge_enforce: the lender, with a trading centre or a court co-signing, takes
    the pledged serials into its own account."""

    pledge_id: Slug
    to_account: Slug
    """The lender's account: its holder key is an active key of the lender institution."""
    enforcer: Slug
    """Institution id of the trading centre or court that co-signs."""


@dataclass(frozen=True, slots=True, kw_only=True)
class PledgedBlock(JsonCodec, what="pledged block"):
    """`pledged/<batch>/<first>`: the PLEDGED serial block starting at first belongs to this
    pledge. Present exactly while the block is PLEDGED, so its absence next to a proof of the
    block itself shows the block is not pledged (ADR 0032)."""

    pledge_id: Slug
    last_serial: int
