"""Bodies of the tx types that create, move or end credits (DESIGN.md §5). Pure.

Every quantity is a positive integer number of kilograms CO2e; every operation takes the
LOWEST matching serials of one account in one batch (contracts/serials.py).
"""

from dataclasses import dataclass

from contracts.body_fields import (
    read_amount,
    read_optional_slug,
    read_slug,
    read_text,
)
from protocol.encoding import JsonObject
from protocol.errors import FieldTypeError
from protocol.fields import expect_object, read_int

VINTAGE_MIN = 1990
VINTAGE_MAX = 2200


@dataclass(frozen=True, slots=True, kw_only=True)
class CreditsIssueBody:
    """credits.issue: a vintage batch from a verification, plus its BUFFER set-aside."""

    batch_id: str
    verification_id: str
    vintage: int
    quantity_kg: int
    buffer_kg: int
    to_account: str

    def to_json(self) -> JsonObject:
        return {
            "batch_id": self.batch_id,
            "verification_id": self.verification_id,
            "vintage": self.vintage,
            "quantity_kg": self.quantity_kg,
            "buffer_kg": self.buffer_kg,
            "to_account": self.to_account,
        }

    @classmethod
    def from_json(cls, obj: JsonObject) -> "CreditsIssueBody":
        fields = ("batch_id", "verification_id", "vintage", "quantity_kg", "buffer_kg")
        expect_object(obj, "body", (*fields, "to_account"))
        vintage = read_int(obj, "vintage", minimum=VINTAGE_MIN)
        if vintage > VINTAGE_MAX:
            raise FieldTypeError(f"vintage: {vintage} > {VINTAGE_MAX}")
        return cls(
            batch_id=read_slug(obj, "batch_id"),
            verification_id=read_slug(obj, "verification_id"),
            vintage=vintage,
            quantity_kg=read_amount(obj, "quantity_kg"),
            # Zero only passes the business rule when params set buffer_min_bps = 0.
            buffer_kg=read_amount(obj, "buffer_kg", allow_zero=True),
            to_account=read_slug(obj, "to_account"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class CreditsTransferBody:
    """credits.transfer: the holder moves the lowest ACTIVE serials; a broker co-signs."""

    from_account: str
    to_account: str
    batch_id: str
    quantity_kg: int
    broker: str | None
    """Institution id of the trading centre brokering the trade; its key must co-sign."""

    def to_json(self) -> JsonObject:
        return {
            "from_account": self.from_account,
            "to_account": self.to_account,
            "batch_id": self.batch_id,
            "quantity_kg": self.quantity_kg,
            "broker": self.broker,
        }

    @classmethod
    def from_json(cls, obj: JsonObject) -> "CreditsTransferBody":
        fields = ("from_account", "to_account", "batch_id", "quantity_kg", "broker")
        expect_object(obj, "body", fields)
        return cls(
            from_account=read_slug(obj, "from_account"),
            to_account=read_slug(obj, "to_account"),
            batch_id=read_slug(obj, "batch_id"),
            quantity_kg=read_amount(obj, "quantity_kg"),
            broker=read_optional_slug(obj, "broker"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class CreditsRetireBody:
    """credits.retire: the holder ends credits for good for a beneficiary."""

    account_id: str
    batch_id: str
    quantity_kg: int
    beneficiary: str
    purpose: str
    reason: str

    def to_json(self) -> JsonObject:
        return {
            "account_id": self.account_id,
            "batch_id": self.batch_id,
            "quantity_kg": self.quantity_kg,
            "beneficiary": self.beneficiary,
            "purpose": self.purpose,
            "reason": self.reason,
        }

    @classmethod
    def from_json(cls, obj: JsonObject) -> "CreditsRetireBody":
        fields = ("account_id", "batch_id", "quantity_kg", "beneficiary", "purpose", "reason")
        expect_object(obj, "body", fields)
        return cls(
            account_id=read_slug(obj, "account_id"),
            batch_id=read_slug(obj, "batch_id"),
            quantity_kg=read_amount(obj, "quantity_kg"),
            beneficiary=read_text(obj, "beneficiary"),
            purpose=read_text(obj, "purpose"),
            reason=read_text(obj, "reason"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class CreditsRetireJudicialBody:
    """credits.retire_judicial: retirement for a registered case, confirmed by its court."""

    case_id: str
    account_id: str
    batch_id: str
    quantity_kg: int
    beneficiary: str
    """The ecological account the restoration benefits, e.g. 象山县蓝碳生态碳账户."""

    def to_json(self) -> JsonObject:
        return {
            "case_id": self.case_id,
            "account_id": self.account_id,
            "batch_id": self.batch_id,
            "quantity_kg": self.quantity_kg,
            "beneficiary": self.beneficiary,
        }

    @classmethod
    def from_json(cls, obj: JsonObject) -> "CreditsRetireJudicialBody":
        fields = ("case_id", "account_id", "batch_id", "quantity_kg", "beneficiary")
        expect_object(obj, "body", fields)
        return cls(
            case_id=read_slug(obj, "case_id"),
            account_id=read_slug(obj, "account_id"),
            batch_id=read_slug(obj, "batch_id"),
            quantity_kg=read_amount(obj, "quantity_kg"),
            beneficiary=read_text(obj, "beneficiary"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class CreditsHoldBody:
    """credits.freeze, credits.unfreeze and credits.cancel: an amount of one holding."""

    account_id: str
    batch_id: str
    quantity_kg: int
    reason: str

    def to_json(self) -> JsonObject:
        return {
            "account_id": self.account_id,
            "batch_id": self.batch_id,
            "quantity_kg": self.quantity_kg,
            "reason": self.reason,
        }

    @classmethod
    def from_json(cls, obj: JsonObject) -> "CreditsHoldBody":
        expect_object(obj, "body", ("account_id", "batch_id", "quantity_kg", "reason"))
        return cls(
            account_id=read_slug(obj, "account_id"),
            batch_id=read_slug(obj, "batch_id"),
            quantity_kg=read_amount(obj, "quantity_kg"),
            reason=read_text(obj, "reason"),
        )
