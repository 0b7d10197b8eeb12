"""credits.freeze and credits.unfreeze: preservation by a court or the issuer. Pure.

Freezing marks the lowest ACTIVE serials FROZEN and names the freezing institution; frozen
serials cannot move, retire or be cancelled. Only the institution that froze a block may
unfreeze it (a court's preservation order is not the issuer's to lift).
"""

from dataclasses import replace

from contracts.accounts import require_account
from contracts.bodies_credits import CreditsHoldBody
from contracts.context import TxEnv
from contracts.credit_records import SerialBlock, SerialStatus
from contracts.issuance import require_batch
from contracts.reasons import RejectReason
from contracts.records import Role
from contracts.roles import require_sender_role
from contracts.serials import (
    add_blocks,
    load_holding,
    save_blocks,
    save_holding,
    take_lowest,
    take_lowest_active,
)


def apply_credits_freeze(env: TxEnv, body: CreditsHoldBody) -> None:
    institution = require_sender_role(env, Role.COURT, Role.ISSUER)
    require_account(env, body.account_id)
    require_batch(env, body.batch_id)
    holding = load_holding(env.state, body.account_id, body.batch_id)
    holding, taken = take_lowest_active(env.state, holding, body.quantity_kg)
    frozen = tuple(
        replace(b, status=SerialStatus.FROZEN, frozen_by=institution.institution_id) for b in taken
    )
    save_blocks(env.state, frozen)
    save_holding(env.state, add_blocks(holding, frozen))


def apply_credits_unfreeze(env: TxEnv, body: CreditsHoldBody) -> None:
    institution = require_sender_role(env, Role.COURT, Role.ISSUER)
    require_account(env, body.account_id)
    require_batch(env, body.batch_id)

    def frozen_by_sender(block: SerialBlock) -> bool:
        return block.status is SerialStatus.FROZEN and block.frozen_by == institution.institution_id

    holding = load_holding(env.state, body.account_id, body.batch_id)
    holding, taken = take_lowest(
        env.state, holding, body.quantity_kg, frozen_by_sender, RejectReason.INSUFFICIENT_FROZEN
    )
    released = tuple(replace(b, status=SerialStatus.ACTIVE, frozen_by=None) for b in taken)
    save_blocks(env.state, released)
    save_holding(env.state, add_blocks(holding, released))
