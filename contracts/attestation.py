"""verification.attest: an accredited verifier signs a verification (ADR 0026). Pure.

The sender must be an active key of an institution holding `verifier`; revoking that role
(role.revoke, the validator quorum) suspends the verifier: what it attested before stays
valid and issuable, what it sends after is refused. A verifier never attests a project its
own institution registered. One verification id names at most one record, a
`verification/` (issuer-recorded) or an `attested_verification/` one.
"""

from contracts.bodies_registry import VerificationAttestBody
from contracts.context import TxEnv
from contracts.credit_records import AttestedVerification, Project
from contracts.errors import TxRejectedError
from contracts.reasons import RejectReason
from contracts.records import Role
from contracts.roles import require_sender_role
from contracts.state import StateView
from contracts.state_keys import attested_verification_key, project_key, verification_key
from contracts.store import require, require_absent, save
from protocol.codec import copy_fields


def apply_verification_attest(env: TxEnv, body: VerificationAttestBody) -> None:
    require_independent_verifier(env, body.verifier, body.project_id)
    require_verification_id_free(env.state, body.verification_id)
    record = copy_fields(
        AttestedVerification, body, attested_by=env.sender, height=env.ctx.height, issued_kg=0
    )
    save(env.state, attested_verification_key(body.verification_id), record)


def require_independent_verifier(env: TxEnv, verifier: str, project_id: str) -> Project:
    """The project, when the sender is an active key of an accredited verifier (holding
    `verifier`), the institution the body names as `verifier`, and not the project's issuer
    (ADR 0026; reversal reports too, ADR 0033). Refusals in that order."""
    sender = require_sender_role(
        env, Role.VERIFIER, reason=RejectReason.VERIFIER_NOT_ACCREDITED
    ).institution_id
    if verifier != sender:
        raise TxRejectedError(RejectReason.VERIFIER_NOT_SENDER, f"{verifier} != {sender}")
    key = project_key(project_id)
    project = require(env.state, key, Project.from_json, RejectReason.UNKNOWN_PROJECT)
    if project.issuer == sender:
        raise TxRejectedError(RejectReason.VERIFIER_NOT_INDEPENDENT, project_id)
    return project


def require_verification_id_free(view: StateView, verification_id: str) -> None:
    """ALREADY_EXISTS when either kind of verification record holds the id."""
    require_absent(view, verification_key(verification_id))
    require_absent(view, attested_verification_key(verification_id))
