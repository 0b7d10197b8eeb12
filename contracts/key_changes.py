"""key.rotate and key.revoke: an institution key replaced or withdrawn (ADR 0019). Pure.

Both keep `key/<old hex>` with status ROTATED or REVOKED and the height of the block that
changed it, and take the key off `institution/<id>`. From the next tx on, admission
refuses any tx the key signs (key_rotated, key_revoked); txs it signed before stay valid.
key.revoke of a key in the current or next validator set is refused (key_in_validator_set):
consensus votes are checked against the set, not `key/`, so the set must drop it first.
key.rotate of a validator key replaces it in the next set instead (ADR 0022): the node
holding it switches keys at the height that set takes effect; admission takes one such
rotation per institution per 24 h of block time (contracts/validator_rotation.py).
"""

from dataclasses import replace

from contracts.bodies_governance import KeyRevokeBody, KeyRotateBody
from contracts.context import TxEnv
from contracts.errors import TxRejectedError
from contracts.governance import replace_validator_key, write_institution
from contracts.reasons import RejectReason
from contracts.records import Institution, KeyRecord, KeyStatus
from contracts.roles import require_validator_quorum
from contracts.state_keys import institution_key, signing_key_key
from contracts.store import load, require, save
from contracts.validator_rotation import record_validator_rotation
from contracts.validator_sets import in_validator_sets
from protocol.signing import PublicKey


def apply_key_rotate(env: TxEnv, body: KeyRotateBody) -> None:
    if body.public_key not in env.signers:
        raise TxRejectedError(RejectReason.OLD_KEY_SIGNATURE_MISSING, body.public_key.hex())
    if body.new_public_key not in env.signers:
        raise TxRejectedError(RejectReason.NEW_KEY_SIGNATURE_MISSING, body.new_public_key.hex())
    record, institution = _require_changeable(env, body.public_key, in_sets_allowed=True)
    # The new key is new: registered to no institution (this one included), in no status.
    if env.state.get(signing_key_key(body.new_public_key)) is not None:
        raise TxRejectedError(RejectReason.KEY_IN_USE, body.new_public_key.hex())
    keys = tuple(sorted({*institution.public_keys, body.new_public_key} - {body.public_key}))
    write_institution(env.state, replace(institution, public_keys=keys))
    _retire(env, record, KeyStatus.ROTATED)
    if replace_validator_key(env, body.public_key, body.new_public_key):
        # Admission let it in only once a day per institution (validator_rotation.py).
        record_validator_rotation(env, institution.institution_id)


def apply_key_revoke(env: TxEnv, body: KeyRevokeBody) -> None:
    record = _require_key(env, body.public_key)
    if body.public_key not in env.signers:
        # The holder has lost the key (or it was stolen): q validators act instead.
        require_validator_quorum(env)
    record, institution = _require_changeable(env, body.public_key, record)
    keys = tuple(key for key in institution.public_keys if key != body.public_key)
    write_institution(env.state, replace(institution, public_keys=keys))
    _retire(env, record, KeyStatus.REVOKED)


def _require_key(env: TxEnv, public_key: PublicKey) -> KeyRecord:
    key = signing_key_key(public_key)
    return require(env.state, key, KeyRecord.from_json, RejectReason.UNKNOWN_KEY)


def _require_changeable(
    env: TxEnv,
    public_key: PublicKey,
    record: KeyRecord | None = None,
    *,
    in_sets_allowed: bool = False,
) -> tuple[KeyRecord, Institution]:
    """An active institution key (outside the validator sets unless in_sets_allowed), with
    its institution."""
    record = record or _require_key(env, public_key)
    if not record.active:
        raise TxRejectedError(
            RejectReason.KEY_NOT_ACTIVE, f"{public_key.hex()} {record.status.value}"
        )
    if not in_sets_allowed and in_validator_sets(env.state, public_key):
        raise TxRejectedError(RejectReason.KEY_IN_VALIDATOR_SET, public_key.hex())
    institution = load(env.state, institution_key(record.institution_id), Institution.from_json)
    assert institution is not None, record
    return record, institution


def _retire(env: TxEnv, record: KeyRecord, status: KeyStatus) -> None:
    changed = replace(record, status=status, status_height=env.ctx.height)
    save(env.state, signing_key_key(record.public_key), changed)
