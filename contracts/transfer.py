"""credits.transfer: the holder moves the lowest ACTIVE serials of one batch. Pure.

A brokered trade (body.broker set) also needs the signature of a key of that trading
centre: in the Xiangshan case Ningbo PTC brokers the subscription into the Ecological
Account.
"""

from dataclasses import replace

from contracts.accounts import require_account
from contracts.bodies_credits import CreditsTransferBody
from contracts.context import TxEnv
from contracts.errors import TxRejectedError
from contracts.issuance import require_batch
from contracts.reasons import RejectReason
from contracts.records import Role
from contracts.roles import require_account_holder, signers_with_role
from contracts.serials import (
    add_blocks,
    load_holding,
    save_blocks,
    save_holding,
    take_lowest_active,
)


def apply_credits_transfer(env: TxEnv, body: CreditsTransferBody) -> None:
    source = require_account(env, body.from_account)
    require_account(env, body.to_account)
    require_account_holder(env, source)
    if body.broker is not None:
        require_broker_signature(env, body.broker)
    if body.from_account == body.to_account:
        raise TxRejectedError(RejectReason.SAME_ACCOUNT, body.from_account)
    require_batch(env, body.batch_id)
    holding = load_holding(env.state, body.from_account, body.batch_id)
    holding, taken = take_lowest_active(env.state, holding, body.quantity_kg)
    save_holding(env.state, holding)
    moved = tuple(replace(block, account_id=body.to_account) for block in taken)
    save_blocks(env.state, moved)
    target = load_holding(env.state, body.to_account, body.batch_id)
    save_holding(env.state, add_blocks(target, moved))


def require_broker_signature(env: TxEnv, broker: str) -> None:
    """Some signer is a key of the broker institution, which holds the trading_centre role."""
    centres = signers_with_role(env, Role.TRADING_CENTRE)
    if not any(institution.institution_id == broker for _, institution in centres):
        raise TxRejectedError(RejectReason.BROKER_SIGNATURE_MISSING, broker)
