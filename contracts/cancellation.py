"""credits.cancel: the issuer voids ACTIVE credits, endorsed by q validators. Pure.

For error correction or reversal. Only the lowest ACTIVE serials are taken, so retired,
frozen and buffer units are never cancelled; CANCELLED is terminal.
"""

from dataclasses import replace

from contracts.accounts import require_account
from contracts.bodies_credits import CreditsHoldBody
from contracts.context import TxEnv
from contracts.credit_records import Project, SerialStatus
from contracts.errors import TxRejectedError
from contracts.issuance import require_batch
from contracts.reasons import RejectReason
from contracts.records import Role
from contracts.roles import require_sender_role, require_validator_quorum
from contracts.serials import load_holding, save_blocks, save_holding, take_lowest_active
from contracts.state_keys import batch_key, project_key
from contracts.store import load, save


def apply_credits_cancel(env: TxEnv, body: CreditsHoldBody) -> None:
    issuer = require_sender_role(env, Role.ISSUER)
    require_validator_quorum(env)
    require_account(env, body.account_id)
    batch = require_batch(env, body.batch_id)
    project = load(env.state, project_key(batch.project_id), Project.from_json)
    assert project is not None, batch
    if project.issuer != issuer.institution_id:
        raise TxRejectedError(RejectReason.NOT_PROJECT_ISSUER, project.project_id)
    holding = load_holding(env.state, body.account_id, body.batch_id)
    holding, taken = take_lowest_active(env.state, holding, body.quantity_kg)
    save_holding(env.state, holding)
    save_blocks(env.state, (replace(b, status=SerialStatus.CANCELLED) for b in taken))
    cancelled_kg = batch.cancelled_kg + body.quantity_kg
    save(env.state, batch_key(batch.batch_id), replace(batch, cancelled_kg=cancelled_kg))
