"""account.open: a trading centre, as custodian, binds a holder key to an account. Pure.

`holder/<hex>` indexes the accounts of each holder key, so admission knows the key (a
key that is neither an institution's nor a holder's may not send txs).
"""

from contracts.bodies_registry import AccountOpenBody
from contracts.context import TxEnv
from contracts.reasons import RejectReason
from contracts.records import Account, HolderRecord, Role
from contracts.roles import require_sender_role
from contracts.state import StateOverlay
from contracts.state_keys import account_key, holder_key
from contracts.store import load, require, require_absent, save
from protocol.codec import copy_fields


def apply_account_open(env: TxEnv, body: AccountOpenBody) -> None:
    custodian = require_sender_role(env, Role.TRADING_CENTRE)
    require_absent(env.state, account_key(body.account_id))
    account = copy_fields(Account, body, custodian=custodian.institution_id)
    write_account(env.state, account)


def write_account(overlay: StateOverlay, account: Account) -> None:
    """Write the account and add it to its holder key's index."""
    save(overlay, account_key(account.account_id), account)
    key = holder_key(account.holder_key)
    holder = load(overlay, key, HolderRecord.from_json)
    accounts = () if holder is None else holder.account_ids
    ids = tuple(sorted({*accounts, account.account_id}))
    save(overlay, key, HolderRecord(public_key=account.holder_key, account_ids=ids))


def require_account(env: TxEnv, account_id: str) -> Account:
    key = account_key(account_id)
    return require(env.state, key, Account.from_json, RejectReason.UNKNOWN_ACCOUNT)
