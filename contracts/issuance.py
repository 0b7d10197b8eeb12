"""Projects, verifications and issuance (DESIGN.md §5). Pure.

Only the issuer that registered a project records its verifications and issues from them.
A batch of quantity_kg plus its buffer never exceeds what the verification has left; the
buffer is at least params.buffer_min_bps of the whole and is written as a BUFFER block
that no tx can move. A batch may also draw on a verifier's attested verification
(contracts/attestation.py, ADR 0026); then its vintage year lies within the attested
monitoring period's years as well.
"""

from dataclasses import replace

from contracts.attestation import require_verification_id_free
from contracts.bodies_credits import CreditsIssueBody
from contracts.bodies_registry import ProjectRegisterBody, VerificationRecordBody
from contracts.context import TxEnv
from contracts.credit_records import (
    AttestedVerification,
    IssuanceBatch,
    Project,
    SerialBlock,
    SerialStatus,
    Verification,
)
from contracts.errors import TxRejectedError
from contracts.reasons import RejectReason
from contracts.records import Account, Institution, Role
from contracts.roles import require_sender_role
from contracts.serials import add_blocks, load_holding, save_blocks, save_holding
from contracts.state_keys import (
    account_key,
    attested_verification_key,
    batch_key,
    project_key,
    verification_key,
)
from contracts.store import load, read_params, require, require_absent, save
from contracts.tenure import require_tenure_not_ended
from protocol.codec import copy_fields

BPS = 10_000


def apply_project_register(env: TxEnv, body: ProjectRegisterBody) -> None:
    issuer = require_sender_role(env, Role.ISSUER)
    require_absent(env.state, project_key(body.project_id))
    project = copy_fields(Project, body, issuer=issuer.institution_id)
    save(env.state, project_key(body.project_id), project)


def apply_verification_record(env: TxEnv, body: VerificationRecordBody) -> None:
    issuer = require_sender_role(env, Role.ISSUER)
    project = _require_project(env, body.project_id)
    _require_project_issuer(project, issuer)
    require_verification_id_free(env.state, body.verification_id)
    verification = copy_fields(Verification, body, issued_kg=0)
    save(env.state, verification_key(body.verification_id), verification)


def apply_credits_issue(env: TxEnv, body: CreditsIssueBody) -> None:
    issuer = require_sender_role(env, Role.ISSUER)
    key, verification = _issue_source(env, body.verification_id)
    _require_project_issuer(_require_project(env, verification.project_id), issuer)
    require_tenure_not_ended(env.state, verification.project_id)
    require(
        env.state, account_key(body.to_account), Account.from_json, RejectReason.UNKNOWN_ACCOUNT
    )
    require_absent(env.state, batch_key(body.batch_id))
    if isinstance(verification, AttestedVerification) and body.vintage not in verification.vintages:
        period = f"{verification.period_start}..{verification.period_end}"
        raise TxRejectedError(RejectReason.VINTAGE_OUTSIDE_PERIOD, f"{body.vintage} {period}")
    _require_within_verified(env, verification, body)
    issued = verification.issued_kg + body.quantity_kg + body.buffer_kg
    save(env.state, key, replace(verification, issued_kg=issued))
    batch = copy_fields(
        IssuanceBatch,
        body,
        project_id=verification.project_id,
        retired_kg=0,
        cancelled_kg=0,
        tx_id=env.tx_id,
    )
    save(env.state, batch_key(body.batch_id), batch)
    _write_initial_blocks(env, batch, body.to_account)


def _issue_source(
    env: TxEnv, verification_id: str
) -> tuple[str, Verification | AttestedVerification]:
    """The verification a batch draws on: issuer-recorded, else attested (ADR 0026)."""
    key = verification_key(verification_id)
    recorded = load(env.state, key, Verification.from_json)
    if recorded is not None:
        return key, recorded
    key = attested_verification_key(verification_id)
    reason = RejectReason.UNKNOWN_VERIFICATION
    return key, require(env.state, key, AttestedVerification.from_json, reason)


def _require_within_verified(
    env: TxEnv, verification: Verification | AttestedVerification, body: CreditsIssueBody
) -> None:
    total_kg = body.quantity_kg + body.buffer_kg
    if verification.issued_kg + total_kg > verification.verified_kg:
        left = verification.verified_kg - verification.issued_kg
        raise TxRejectedError(RejectReason.EXCEEDS_VERIFIED, f"{total_kg} kg > {left} kg left")
    # buffer / total >= bps / 10000, in integers (no division: every node computes the same).
    if body.buffer_kg * BPS < total_kg * read_params(env.state).buffer_min_bps:
        raise TxRejectedError(RejectReason.BUFFER_TOO_SMALL, f"{body.buffer_kg} kg")


def _write_initial_blocks(env: TxEnv, batch: IssuanceBatch, to_account: str) -> None:
    """Serials 1..quantity go ACTIVE to the account; the rest is one BUFFER block."""
    active = SerialBlock(
        batch_id=batch.batch_id,
        first_serial=1,
        last_serial=batch.quantity_kg,
        status=SerialStatus.ACTIVE,
        account_id=to_account,
        frozen_by=None,
        retirement_id=None,
        case_id=None,
    )
    save_blocks(env.state, (active,))
    if batch.buffer_kg:
        buffer = replace(
            active,
            first_serial=batch.quantity_kg + 1,
            last_serial=batch.last_serial,
            status=SerialStatus.BUFFER,
            account_id=None,
        )
        save_blocks(env.state, (buffer,))
    holding = load_holding(env.state, to_account, batch.batch_id)
    save_holding(env.state, add_blocks(holding, (active,)))


def _require_project(env: TxEnv, project_id: str) -> Project:
    key = project_key(project_id)
    return require(env.state, key, Project.from_json, RejectReason.UNKNOWN_PROJECT)


def _require_project_issuer(project: Project, issuer: Institution) -> None:
    if project.issuer != issuer.institution_id:
        raise TxRejectedError(RejectReason.NOT_PROJECT_ISSUER, project.project_id)


def require_batch(env: TxEnv, batch_id: str) -> IssuanceBatch:
    key = batch_key(batch_id)
    return require(env.state, key, IssuanceBatch.from_json, RejectReason.UNKNOWN_BATCH)
