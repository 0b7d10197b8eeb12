"""The initial state: institutions, keys, genesis accounts, validator sets, params. Pure.

genesis/ calls genesis_state with what a genesis document lists and commits to the
returned writes as the height-0 state_root. The chain_id is not part of the state (it is
the hash of the genesis document, which may then commit to this state without a cycle).
"""

from collections.abc import Sequence

from contracts.accounts import write_account
from contracts.errors import GenesisStateError, TxRejectedError
from contracts.governance import write_institution
from contracts.records import ROLE_NAMES, Account, Institution, Params, Role
from contracts.roles import institution_of_key
from contracts.state import MemoryState, StateOverlay
from contracts.state_keys import (
    PARAMS_KEY,
    VALIDATORS_CURRENT_KEY,
    account_key,
    institution_key,
    is_slug,
)
from contracts.store import load, save
from contracts.validator_sets import write_next_validator_set
from protocol.encoding import encode
from protocol.validators import ValidatorSet


def genesis_state(
    *,
    institutions: Sequence[Institution],
    validators: ValidatorSet,
    params: Params | None = None,
    accounts: Sequence[Account] = (),
) -> dict[str, bytes]:
    """The state writes of height 0, in sorted key order.

    Requires every validator key to belong to an institution with the validator role, and
    every account's custodian to be a trading centre.
    """
    overlay = StateOverlay(MemoryState())
    save(overlay, PARAMS_KEY, params or Params())
    for institution in sorted(institutions, key=lambda i: i.institution_id):
        _add_institution(overlay, institution)
    for validator in validators.validators:
        owner = institution_of_key(overlay, validator.public_key)
        if owner is None or not owner.has_role(Role.VALIDATOR):
            raise GenesisStateError(f"validator {validator.name}: key of no validator institution")
    for account in sorted(accounts, key=lambda a: a.account_id):
        _add_account(overlay, account)
    overlay.set(VALIDATORS_CURRENT_KEY, encode(validators.to_json()))
    write_next_validator_set(overlay, validators)
    writes = overlay.writes()
    return {key: value for key, value in writes.items() if value is not None}


def _add_institution(overlay: StateOverlay, institution: Institution) -> None:
    if overlay.get(institution_key(institution.institution_id)) is not None:
        raise GenesisStateError(f"institution {institution.institution_id} listed twice")
    if not is_slug(institution.institution_id):
        raise GenesisStateError(f"institution id {institution.institution_id!r} is not a slug")
    roles = tuple(sorted(set(institution.roles)))
    if roles != institution.roles or not set(roles) <= ROLE_NAMES:
        raise GenesisStateError(f"institution {institution.institution_id}: roles {roles}")
    if tuple(sorted(set(institution.public_keys))) != institution.public_keys:
        raise GenesisStateError(f"institution {institution.institution_id}: keys not sorted")
    try:
        write_institution(overlay, institution)
    except TxRejectedError as error:
        raise GenesisStateError(f"institution {institution.institution_id}: {error}") from None


def _add_account(overlay: StateOverlay, account: Account) -> None:
    custodian = load(overlay, institution_key(account.custodian), Institution.from_json)
    if custodian is None or not custodian.has_role(Role.TRADING_CENTRE):
        raise GenesisStateError(f"account {account.account_id}: custodian is no trading centre")
    if overlay.get(account_key(account.account_id)) is not None:
        raise GenesisStateError(f"account {account.account_id} listed twice")
    write_account(overlay, account)
