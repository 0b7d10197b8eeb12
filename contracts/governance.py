"""Governance txs: institutions, their keys, and the validator set (DESIGN.md §4, §5). Pure.

Each needs q signatures of the current validator set. Removing a validator needs, in
addition, the signature of every other current validator or recorded evidence against it.
The new set is written to `validators/next` and certifies blocks from the next height on;
key.rotate of a validator key writes it by the same path (replace_validator_key, ADR 0022).
"""

from dataclasses import replace

from contracts.bodies_registry import InstitutionRegisterBody, KeyRegisterBody, ValidatorsUpdateBody
from contracts.context import TxEnv
from contracts.errors import TxRejectedError
from contracts.evidence import load_evidence
from contracts.reasons import RejectReason
from contracts.records import INSTITUTION_KEYS_MAX, Institution, KeyRecord, Role
from contracts.roles import institution_of_key, require_validator_quorum
from contracts.state import StateOverlay
from contracts.state_keys import institution_key, signing_key_key
from contracts.store import load, require, require_absent, save
from contracts.validator_sets import (
    current_validator_set,
    next_validator_set,
    write_next_validator_set,
)
from protocol.codec import copy_fields
from protocol.hashing import Hash32
from protocol.note import verifier_key_string
from protocol.signing import PublicKey
from protocol.validators import Validator, ValidatorSet


def apply_institution_register(env: TxEnv, body: InstitutionRegisterBody) -> None:
    require_validator_quorum(env)
    require_absent(env.state, institution_key(body.institution_id))
    write_institution(env.state, copy_fields(Institution, body))


def apply_key_register(env: TxEnv, body: KeyRegisterBody) -> None:
    require_validator_quorum(env)
    key = institution_key(body.institution_id)
    institution = require(env.state, key, Institution.from_json, RejectReason.UNKNOWN_INSTITUTION)
    keys = tuple(sorted({*institution.public_keys, body.public_key}))
    if len(keys) > INSTITUTION_KEYS_MAX:
        raise TxRejectedError(RejectReason.TOO_MANY_KEYS, body.institution_id)
    write_institution(env.state, replace(institution, public_keys=keys))


def write_institution(overlay: StateOverlay, institution: Institution) -> None:
    """Write the institution and a `key/<hex>` record for each of its new keys.

    A key signs for one institution only, so a key already registered is refused.
    """
    for public_key in institution.public_keys:
        record = KeyRecord(public_key=public_key, institution_id=institution.institution_id)
        existing = load(overlay, signing_key_key(public_key), KeyRecord.from_json)
        if existing is None:
            save(overlay, signing_key_key(public_key), record)
        elif existing != record:
            raise TxRejectedError(RejectReason.KEY_IN_USE, public_key.hex())
    save(overlay, institution_key(institution.institution_id), institution)


def apply_validators_update(env: TxEnv, body: ValidatorsUpdateBody) -> None:
    current = current_validator_set(env.state)
    require_validator_quorum(env)
    _require_registered_validators(env, body.validators)
    offenders = {_evidence_offender(env, h) for h in body.evidence_hashes}
    for removed in _removed(current, body.validators):
        _require_removal_endorsed(env, current, removed, offenders)
    write_next_validator_set(env.state, body.validators)


def replace_validator_key(env: TxEnv, old: PublicKey, new: PublicKey) -> bool:
    """key.rotate of a validator key (ADR 0022): the next set holds new where it held old.

    The same name, the same quorum, the verifier key derived anew; written by the one
    set-change path of validators.update, so the header's next_validators_hash announces
    it and consensus switches keys at the next height. A no-op when old is not in the next
    set (a key leaving the set at the next height signs nothing there). True when the set
    changed.
    Requires new to be an active key of old's institution already.
    """
    scheduled = next_validator_set(env.state)
    member = scheduled.by_key(old)
    if member is None:
        return False
    replacement = Validator(
        name=member.name, public_key=new, note_verifier_key=verifier_key_string(member.name, new)
    )
    others = [v for v in scheduled.validators if v.public_key != old]
    validators = ValidatorSet.create([*others, replacement], scheduled.quorum)
    _require_registered_validators(env, validators)
    write_next_validator_set(env.state, validators)
    return True


def _require_registered_validators(env: TxEnv, validators: ValidatorSet) -> None:
    for validator in validators.validators:
        _require_registered_validator(env, validator)


def _require_registered_validator(env: TxEnv, validator: Validator) -> None:
    institution = institution_of_key(env.state, validator.public_key)
    if institution is None or not institution.has_role(Role.VALIDATOR):
        raise TxRejectedError(RejectReason.VALIDATOR_NOT_REGISTERED, validator.name)


def _removed(current: ValidatorSet, new: ValidatorSet) -> tuple[Validator, ...]:
    return tuple(v for v in current.validators if not new.contains(v.public_key))


def _require_removal_endorsed(
    env: TxEnv, current: ValidatorSet, removed: Validator, offenders: set[PublicKey]
) -> None:
    """Every other current validator signed, or cited evidence names the removed one."""
    others = {v.public_key for v in current.validators} - {removed.public_key}
    if others <= set(env.signers):
        return
    if removed.public_key in offenders:
        return
    raise TxRejectedError(RejectReason.REMOVAL_NOT_ENDORSED, removed.name)


def _evidence_offender(env: TxEnv, evidence_hash: Hash32) -> PublicKey:
    record = load_evidence(env.state, evidence_hash)
    if record is None:
        raise TxRejectedError(RejectReason.EVIDENCE_UNKNOWN, evidence_hash.hex())
    return record.offender
