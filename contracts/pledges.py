"""credits.pledge, credits.pledge_release and credits.pledge_enforce (ADR 0032). Pure.

The holder pledges the lowest ACTIVE serials of one holding to a lender, whose active key
co-signs; the blocks turn PLEDGED (the split of contracts/serials.py, as freezing does) and
every rule that takes credits takes ACTIVE serials only, so nothing else moves them. The
lender alone releases them (back to ACTIVE in the same account, the same blocks), or, with
a trading centre or a court co-signing, enforces the pledge: the blocks turn ACTIVE in the
lender's own account.
"""

from dataclasses import replace

from contracts import pledge_records as pledging
from contracts import serials
from contracts.accounts import require_account
from contracts.context import TxEnv
from contracts.credit_records import SerialBlock, SerialStatus
from contracts.errors import TxRejectedError
from contracts.issuance import require_batch
from contracts.reasons import RejectReason
from contracts.records import Role
from contracts.roles import institution_of_key, require_account_holder, require_cosigner
from contracts.state_keys import pledge_key, pledged_block_key
from contracts.store import require, save
from protocol.codec import copy_fields


def apply_credits_pledge(env: TxEnv, body: pledging.PledgeBody) -> None:
    account = require_account(env, body.account_id)
    require_account_holder(env, account)
    _require_lender_signature(env, body.lender)
    require_batch(env, body.batch_id)
    key = pledge_key(body.pledge_id)
    if env.state.get(key) is not None:
        raise TxRejectedError(RejectReason.PLEDGE_EXISTS, key)
    pledged = serials.hold_lowest_active(
        env.state, body.account_id, body.batch_id, body.quantity_kg, SerialStatus.PLEDGED
    )
    for block in pledged:
        mark = pledging.PledgedBlock(pledge_id=body.pledge_id, last_serial=block.last_serial)
        save(env.state, pledged_block_key(block.batch_id, block.first_serial), mark)
    pledge = copy_fields(
        pledging.Pledge,
        body,
        ranges=serials.ranges_of(pledged),
        pledged_by=env.sender,
        height=env.ctx.height,
        status=pledging.PledgeStatus.ACTIVE,
        closed_height=None,
        enforced_to=None,
        enforced_with=None,
    )
    save(env.state, key, pledge)


def apply_credits_pledge_release(env: TxEnv, body: pledging.PledgeReleaseBody) -> None:
    pledge = _require_active_pledge_of_sender(env, body.pledge_id)
    serials.hand_over(env.state, _unpledge(env, pledge), pledge.account_id)
    closed = replace(pledge, status=pledging.PledgeStatus.RELEASED, closed_height=env.ctx.height)
    save(env.state, pledge_key(pledge.pledge_id), closed)


def apply_credits_pledge_enforce(env: TxEnv, body: pledging.PledgeEnforceBody) -> None:
    pledge = _require_active_pledge_of_sender(env, body.pledge_id)
    _require_lender_signature(env, pledge.lender)
    require_cosigner(
        env,
        body.enforcer,
        (Role.TRADING_CENTRE, Role.COURT),
        RejectReason.NOT_AN_ENFORCER,
        RejectReason.ENFORCER_SIGNATURE_MISSING,
    )
    target = require_account(env, body.to_account)
    owner = institution_of_key(env.state, target.holder_key)
    if owner is None or owner.institution_id != pledge.lender:
        raise TxRejectedError(RejectReason.NOT_LENDER_ACCOUNT, body.to_account)
    if body.to_account == pledge.account_id:
        raise TxRejectedError(RejectReason.SAME_ACCOUNT, body.to_account)
    serials.hand_over(env.state, _unpledge(env, pledge), body.to_account)
    closed = replace(
        pledge,
        status=pledging.PledgeStatus.ENFORCED,
        closed_height=env.ctx.height,
        enforced_to=body.to_account,
        enforced_with=body.enforcer,
    )
    save(env.state, pledge_key(pledge.pledge_id), closed)


def _require_lender_signature(env: TxEnv, lender: str) -> None:
    require_cosigner(
        env,
        lender,
        (Role.LENDER,),
        RejectReason.NOT_A_LENDER,
        RejectReason.LENDER_SIGNATURE_MISSING,
    )


def _require_active_pledge_of_sender(env: TxEnv, pledge_id: str) -> pledging.Pledge:
    """The pledge, active, sent about by an active key of its lender."""
    pledge = require(
        env.state, pledge_key(pledge_id), pledging.Pledge.from_json, RejectReason.UNKNOWN_PLEDGE
    )
    sender = institution_of_key(env.state, env.sender)
    if sender is None or sender.institution_id != pledge.lender:
        raise TxRejectedError(RejectReason.NOT_PLEDGE_LENDER, pledge_id)
    if pledge.status != pledging.PledgeStatus.ACTIVE:
        raise TxRejectedError(RejectReason.PLEDGE_NOT_ACTIVE, pledge.status)
    return pledge


def _unpledge(env: TxEnv, pledge: pledging.Pledge) -> tuple[SerialBlock, ...]:
    """Take the pledge's PLEDGED blocks out of the pledgor's holding and drop their index
    keys; returns the blocks as they were (the caller writes their new form)."""
    blocks = serials.unhold(
        env.state, pledge.account_id, pledge.batch_id, pledge.ranges, SerialStatus.PLEDGED
    )
    for block in blocks:
        env.state.delete(pledged_block_key(block.batch_id, block.first_serial))
    return blocks
