"""project.tenure and project.tenure_release: a project's boundary and tenure certificate
(ADR 0027). Pure.

Only the issuer that registered a project records its tenure, once. The certificate's index
key `tenure/<kind>/<number>` names the one active project it backs: a second project
claiming it is refused. Releasing the tenure (the certificate is lost, expired or handed
back) deletes the index key, so the certificate is free and provably backs nothing, and
marks the project's tenure ended: credits.issue then refuses new batches of that project.
"""

from dataclasses import replace

from contracts.context import TxEnv
from contracts.credit_records import Project
from contracts.errors import TxRejectedError
from contracts.reasons import RejectReason
from contracts.records import Role
from contracts.roles import require_sender_role
from contracts.state import StateView
from contracts.state_keys import project_key, project_tenure_key, tenure_claim_key
from contracts.store import load, require, save
from contracts.tenure_records import (
    ProjectTenure,
    ProjectTenureBody,
    ProjectTenureReleaseBody,
    TenureClaim,
    TenureStatus,
)
from protocol.codec import copy_fields


def apply_project_tenure(env: TxEnv, body: ProjectTenureBody) -> None:
    _require_own_project(env, body.project_id)
    key = project_tenure_key(body.project_id)
    if env.state.get(key) is not None:
        raise TxRejectedError(RejectReason.TENURE_ALREADY_RECORDED, key)
    claim_key = tenure_claim_key(body.certificate_kind, body.certificate_number)
    claim = load(env.state, claim_key, TenureClaim.from_json)
    if claim is not None:
        raise TxRejectedError(RejectReason.CERTIFICATE_CLAIMED, f"{claim_key} {claim.project_id}")
    record = copy_fields(
        ProjectTenure,
        body,
        recorded_by=env.sender,
        height=env.ctx.height,
        status=TenureStatus.ACTIVE,
        ended_height=None,
    )
    save(env.state, key, record)
    save(env.state, claim_key, copy_fields(TenureClaim, body))


def apply_project_tenure_release(env: TxEnv, body: ProjectTenureReleaseBody) -> None:
    _require_own_project(env, body.project_id)
    key = project_tenure_key(body.project_id)
    tenure = load(env.state, key, ProjectTenure.from_json)
    if tenure is None or tenure.status != TenureStatus.ACTIVE:
        raise TxRejectedError(RejectReason.NO_ACTIVE_TENURE, key)
    save(env.state, key, replace(tenure, status=TenureStatus.ENDED, ended_height=env.ctx.height))
    env.state.delete(tenure_claim_key(tenure.certificate_kind, tenure.certificate_number))


def require_tenure_not_ended(view: StateView, project_id: str) -> None:
    """TENURE_ENDED when the project's tenure was released; a project with no tenure record
    (registered before ADR 0027, or not yet recorded) issues as before."""
    tenure = load(view, project_tenure_key(project_id), ProjectTenure.from_json)
    if tenure is not None and tenure.status == TenureStatus.ENDED:
        raise TxRejectedError(RejectReason.TENURE_ENDED, project_id)


def _require_own_project(env: TxEnv, project_id: str) -> None:
    issuer = require_sender_role(env, Role.ISSUER).institution_id
    key = project_key(project_id)
    project = require(env.state, key, Project.from_json, RejectReason.UNKNOWN_PROJECT)
    if project.issuer != issuer:
        raise TxRejectedError(RejectReason.NOT_PROJECT_ISSUER, project_id)
