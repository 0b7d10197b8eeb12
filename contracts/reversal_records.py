"""Reversal and insurance-claim records and bodies (ADR 0033). Pure.

A reversal is a loss of a project's sink (a storm, disease, a change of land use) that an
accredited verifier reports against one issuance batch. It draws on the batch's BUFFER
serials, lowest first, and records what the buffer could not cover as `uncovered_kg`; it
never cancels a holder's credits and never touches a retired serial. An insurance claim
links a reversal to a policy attested with insurance.attest; the registry records the claim,
never the money.
"""

from dataclasses import dataclass
from typing import Annotated, Final

from contracts.body_fields import Amount, Body, Date, Slug, choice
from protocol.codec import JsonCodec, integer
from protocol.hashing import Hash32
from protocol.signing import PublicKey

REVERSAL_CAUSES: Final = frozenset({"storm", "disease", "land_use_change", "other"})
"""What a reversal report may name as the cause of the loss."""
CLAIM_STATUS_FILED: Final = "filed"
"""The one status insurance.claim writes; later statuses join by addition (ADR 0033)."""
CLAIM_STATUSES: Final = frozenset({CLAIM_STATUS_FILED, "accepted", "rejected", "paid"})
"""filed, then the statuses insurance.claim_decide moves a claim to (ADR 0035; the moves are
contracts/claim_decision_records.py CLAIM_MOVES)."""
CLAIMED_FEN_MAX: Final = 10**15
"""Ten trillion yuan, as the case lifecycle's compensation (ADR 0029)."""
Serial = Annotated[int, integer(minimum=1)]


@dataclass(frozen=True, slots=True, kw_only=True)
class ReversalFields(JsonCodec):
    """A reversal as reversal.report names it: the body's fields and the record's, once."""

    reversal_id: Slug
    project_id: Slug
    batch_id: Slug
    """The batch whose sink was lost: it must be a batch of project_id."""
    event_date: Date
    """When the loss happened (the storm's landfall), YYYY-MM-DD."""
    cause: Annotated[str, choice(REVERSAL_CAUSES)]
    lost_kg: Amount
    """The verified loss of sink, in kg CO2e, as the report states it."""
    report_hash: Hash32
    """SHA-256 of the verifier's reversal report as filed; the report stays off chain."""
    verifier: Slug
    """Institution id of the verifier: the sender's institution."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ReversalReportBody(ReversalFields, Body):
    """reversal.report: an accredited verifier reports a loss of a batch's sink."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Reversal(ReversalFields, what="reversal"):
    """`reversal/<id>`: a reported loss and what it drew on the batch's buffer (ADR 0033)."""

    reported_by: PublicKey
    """The verifier's key that sent reversal.report."""
    height: int
    buffer_drawn_kg: int
    """BUFFER serials this reversal cancelled: min(lost_kg, the buffer left)."""
    drawn_first_serial: Serial | None
    drawn_last_serial: Serial | None
    """The closed range of buffer serials it cancelled; both None when it drew nothing."""
    uncovered_kg: int
    """lost_kg - buffer_drawn_kg: the loss the buffer could not cover, recorded, not cancelled."""


@dataclass(frozen=True, slots=True, kw_only=True)
class BatchReversals(JsonCodec, what="batch reversals"):
    """`batch_reversal/<batch id>`: the running totals of a batch's reversals (ADR 0033).

    `batch/<id>` keeps its v1 bytes; this record says how much of its buffer is drawn, so
    the lowest BUFFER serial left is quantity_kg + buffer_drawn_kg + 1.
    """

    batch_id: Slug
    lost_kg: int
    """Sum of the lost_kg of the batch's reversals; never above quantity_kg + buffer_kg."""
    buffer_drawn_kg: int
    """BUFFER serials cancelled so far, lowest first; never above buffer_kg."""
    uncovered_kg: int
    """lost_kg - buffer_drawn_kg."""
    reversal_ids: tuple[Slug, ...]
    """The batch's reversals, in commit order."""


@dataclass(frozen=True, slots=True, kw_only=True)
class InsuranceClaimFields(JsonCodec):
    """A claim as insurance.claim names it: the body's fields and the record's, once."""

    claim_id: Slug
    policy_id: Slug
    """The `insurance/<policy id>` the claim is made under."""
    reversal_id: Slug
    """The `reversal/<id>` whose loss is claimed."""
    claimed_fen: Annotated[int, integer(minimum=1, maximum=CLAIMED_FEN_MAX)]
    """The amount claimed, in CNY fen; never above the policy's sum_insured_fen."""
    claim_hash: Hash32
    """SHA-256 of the claim document as filed with the insurer."""


@dataclass(frozen=True, slots=True, kw_only=True)
class InsuranceClaimBody(InsuranceClaimFields, Body):
    """insurance.claim: a trading centre or issuer records a claim for a reversal's loss."""


@dataclass(frozen=True, slots=True, kw_only=True)
class InsuranceClaim(InsuranceClaimFields, what="insurance claim"):
    """`insurance_claim/<id>`: a claim recorded against a policy for a reversal (ADR 0033)."""

    project_id: Slug
    """The reversal's project, copied so a reader needs no second record."""
    status: Annotated[str, choice(CLAIM_STATUSES)]
    """`filed` when made; insurance.claim_decide moves it to accepted or rejected, then an
    accepted claim to paid (ADR 0035). The registry records the settlement, never makes it."""
    claimed_by: PublicKey
    height: int
