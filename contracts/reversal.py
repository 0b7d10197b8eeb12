"""reversal.report and insurance.claim: a verifier reports a sink loss, which draws on the
batch's buffer; a claim for it is recorded against an insurance policy (ADR 0033). Pure.

A reversal cancels BUFFER serials of its batch, lowest first, up to the buffer left; what
the buffer cannot cover is recorded as uncovered_kg on the reversal and the batch totals,
and cancels nothing else: holders' credits are taken only by credits.cancel (the issuer
with a validator quorum), and retired serials never change. The losses reported against a
batch never exceed its issued and buffer kg together.
"""

from dataclasses import replace

from contracts import reversal_records
from contracts.attestation import require_independent_verifier
from contracts.context import TxEnv
from contracts.credit_records import IssuanceBatch, SerialBlock, SerialStatus
from contracts.errors import TxRejectedError
from contracts.insurance import InsurancePolicy
from contracts.issuance import require_batch
from contracts.reasons import RejectReason
from contracts.records import Role
from contracts.roles import require_sender_role
from contracts.serials import load_block, save_blocks, split_block
from contracts.state import StateView
from contracts.state_keys import (
    batch_reversal_key,
    holding_key,
    insurance_claim_key,
    insurance_key,
    reversal_key,
)
from contracts.store import load, require, require_absent, save
from protocol.codec import copy_fields


def apply_reversal_report(env: TxEnv, body: reversal_records.ReversalReportBody) -> None:
    project = require_independent_verifier(env, body.verifier, body.project_id)
    batch = require_batch(env, body.batch_id)
    if batch.project_id != project.project_id:
        raise TxRejectedError(RejectReason.BATCH_NOT_OF_PROJECT, batch.batch_id)
    require_absent(env.state, reversal_key(body.reversal_id))
    totals = batch_reversals(env.state, batch.batch_id)
    if totals.lost_kg + body.lost_kg > batch.last_serial:
        detail = f"{totals.lost_kg} + {body.lost_kg} kg > {batch.last_serial} kg issued"
        raise TxRejectedError(RejectReason.REVERSAL_EXCEEDS_BATCH, detail)
    drawn = _draw_buffer(env, batch, totals.buffer_drawn_kg, body.lost_kg)
    drawn_kg = 0 if drawn is None else drawn.quantity_kg
    reversal = copy_fields(
        reversal_records.Reversal,
        body,
        reported_by=env.sender,
        height=env.ctx.height,
        buffer_drawn_kg=drawn_kg,
        drawn_first_serial=None if drawn is None else drawn.first_serial,
        drawn_last_serial=None if drawn is None else drawn.last_serial,
        uncovered_kg=body.lost_kg - drawn_kg,
    )
    save(env.state, reversal_key(body.reversal_id), reversal)
    totals = reversal_records.BatchReversals(
        batch_id=batch.batch_id,
        lost_kg=totals.lost_kg + body.lost_kg,
        buffer_drawn_kg=totals.buffer_drawn_kg + drawn_kg,
        uncovered_kg=totals.uncovered_kg + reversal.uncovered_kg,
        reversal_ids=(*totals.reversal_ids, body.reversal_id),
    )
    save(env.state, batch_reversal_key(batch.batch_id), totals)


def batch_reversals(view: StateView, batch_id: str) -> reversal_records.BatchReversals:
    """The batch's reversal totals; all zero when it has none (absent == none)."""
    totals = load(view, batch_reversal_key(batch_id), reversal_records.BatchReversals.from_json)
    if totals is None:
        return reversal_records.BatchReversals(
            batch_id=batch_id, lost_kg=0, buffer_drawn_kg=0, uncovered_kg=0, reversal_ids=()
        )
    return totals


def _draw_buffer(
    env: TxEnv, batch: IssuanceBatch, drawn_kg: int, lost_kg: int
) -> SerialBlock | None:
    """Cancel min(lost_kg, buffer left) of the lowest BUFFER serials; the cancelled block.

    The buffer left is one block, serials quantity_kg + drawn_kg + 1 .. last_serial: every
    earlier draw took its lowest serials, so a draw splits it at most once.
    """
    take = min(lost_kg, batch.buffer_kg - drawn_kg)
    if take == 0:
        return None
    block = load_block(env.state, batch.batch_id, batch.quantity_kg + drawn_kg + 1)
    assert block.status is SerialStatus.BUFFER and block.last_serial == batch.last_serial, block
    if block.quantity_kg > take:
        block, upper = split_block(block, take)
        save_blocks(env.state, (upper,))
    cancelled = replace(block, status=SerialStatus.CANCELLED)
    save_blocks(env.state, (cancelled,))
    return cancelled


def apply_insurance_claim(env: TxEnv, body: reversal_records.InsuranceClaimBody) -> None:
    require_sender_role(env, Role.TRADING_CENTRE, Role.ISSUER)
    policy = require(
        env.state,
        insurance_key(body.policy_id),
        InsurancePolicy.from_json,
        RejectReason.UNKNOWN_POLICY,
    )
    reversal = require(
        env.state,
        reversal_key(body.reversal_id),
        reversal_records.Reversal.from_json,
        RejectReason.UNKNOWN_REVERSAL,
    )
    require_absent(env.state, insurance_claim_key(body.claim_id))
    _require_covers(env.state, policy, reversal)
    if body.claimed_fen > policy.body.sum_insured_fen:
        detail = f"{body.claimed_fen} > {policy.body.sum_insured_fen} fen"
        raise TxRejectedError(RejectReason.CLAIM_EXCEEDS_SUM_INSURED, detail)
    claim = copy_fields(
        reversal_records.InsuranceClaim,
        body,
        project_id=reversal.project_id,
        status=reversal_records.CLAIM_STATUS_FILED,
        claimed_by=env.sender,
        height=env.ctx.height,
    )
    save(env.state, insurance_claim_key(body.claim_id), claim)


def _require_covers(
    view: StateView, policy: InsurancePolicy, reversal: reversal_records.Reversal
) -> None:
    """POLICY_NOT_COVERING unless the loss falls in the policy's period and its subject is
    the reversal's project, or an account that holds or held credits of its batch."""
    terms = policy.body
    if not terms.period_start <= reversal.event_date <= terms.period_end:
        period = f"{terms.period_start}..{terms.period_end}"
        raise TxRejectedError(RejectReason.POLICY_NOT_COVERING, f"{reversal.event_date} {period}")
    if terms.subject_kind == "project":
        covered = terms.subject_id == reversal.project_id
    else:
        covered = view.get(holding_key(terms.subject_id, reversal.batch_id)) is not None
    if not covered:
        detail = f"{terms.subject_kind} {terms.subject_id}"
        raise TxRejectedError(RejectReason.POLICY_NOT_COVERING, detail)
