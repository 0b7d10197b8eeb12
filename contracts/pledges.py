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
from contracts.records import Institution, Role
from contracts.roles import institution_of_key, require_account_holder
from contracts.state_keys import institution_key, pledge_key, pledged_block_key
from contracts.store import load, require, save
from protocol.codec import copy_fields


def apply_credits_pledge(env: TxEnv, body: pledging.PledgeBody) -> None:
    account = require_account(env, body.account_id)
    require_account_holder(env, account)
    _require_signers_of(env, body.lender, (Role.LENDER,), RejectReason.NOT_A_LENDER)
    require_batch(env, body.batch_id)
    key = pledge_key(body.pledge_id)
    if env.state.get(key) is not None:
        raise TxRejectedError(RejectReason.PLEDGE_EXISTS, key)
    holding = serials.load_holding(env.state, body.account_id, body.batch_id)
    holding, taken = serials.take_lowest_active(env.state, holding, body.quantity_kg)
    pledged = tuple(replace(b, status=SerialStatus.PLEDGED) for b in taken)
    serials.save_blocks(env.state, pledged)
    serials.save_holding(env.state, serials.add_blocks(holding, pledged))
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
    released = tuple(replace(b, status=SerialStatus.ACTIVE) for b in _unpledge(env, pledge))
    serials.save_blocks(env.state, released)
    holding = serials.load_holding(env.state, pledge.account_id, pledge.batch_id)
    serials.save_holding(env.state, serials.add_blocks(holding, released))
    closed = replace(pledge, status=pledging.PledgeStatus.RELEASED, closed_height=env.ctx.height)
    save(env.state, pledge_key(pledge.pledge_id), closed)


def apply_credits_pledge_enforce(env: TxEnv, body: pledging.PledgeEnforceBody) -> None:
    pledge = _require_active_pledge_of_sender(env, body.pledge_id)
    _require_signers_of(env, pledge.lender, (Role.LENDER,), RejectReason.NOT_A_LENDER)
    _require_signers_of(
        env, body.enforcer, (Role.TRADING_CENTRE, Role.COURT), RejectReason.NOT_AN_ENFORCER
    )
    target = require_account(env, body.to_account)
    owner = institution_of_key(env.state, target.holder_key)
    if owner is None or owner.institution_id != pledge.lender:
        raise TxRejectedError(RejectReason.NOT_LENDER_ACCOUNT, body.to_account)
    if body.to_account == pledge.account_id:
        raise TxRejectedError(RejectReason.SAME_ACCOUNT, body.to_account)
    moved = tuple(
        replace(b, status=SerialStatus.ACTIVE, account_id=body.to_account)
        for b in _unpledge(env, pledge)
    )
    serials.save_blocks(env.state, moved)
    holding = serials.load_holding(env.state, body.to_account, pledge.batch_id)
    serials.save_holding(env.state, serials.add_blocks(holding, moved))
    closed = replace(
        pledge,
        status=pledging.PledgeStatus.ENFORCED,
        closed_height=env.ctx.height,
        enforced_to=body.to_account,
        enforced_with=body.enforcer,
    )
    save(env.state, pledge_key(pledge.pledge_id), closed)


def _require_signers_of(
    env: TxEnv, institution_id: str, roles: tuple[Role, ...], lacks: RejectReason
) -> Institution:
    """The named institution holds one of roles (else lacks), and an active key of it signed."""
    key = institution_key(institution_id)
    institution = load(env.state, key, Institution.from_json)
    if institution is None or not any(institution.has_role(role) for role in roles):
        raise TxRejectedError(lacks, institution_id)
    for public_key in env.signers:
        signer = institution_of_key(env.state, public_key)
        if signer is not None and signer.institution_id == institution_id:
            return institution
    missing = (
        RejectReason.LENDER_SIGNATURE_MISSING
        if lacks is RejectReason.NOT_A_LENDER
        else RejectReason.ENFORCER_SIGNATURE_MISSING
    )
    raise TxRejectedError(missing, institution_id)


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
    blocks = tuple(
        serials.load_block(env.state, pledge.batch_id, first) for first, _ in pledge.ranges
    )
    assert all(b.status is SerialStatus.PLEDGED for b in blocks), pledge
    holding = serials.load_holding(env.state, pledge.account_id, pledge.batch_id)
    serials.save_holding(env.state, serials.remove_blocks(holding, blocks))
    for block in blocks:
        env.state.delete(pledged_block_key(block.batch_id, block.first_serial))
    return blocks
