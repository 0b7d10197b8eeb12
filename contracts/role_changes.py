"""role.grant and role.revoke: an institution's roles, changed by a validator quorum. Pure.

The quorum rule is validators.update's (contracts/roles.py require_validator_quorum): q
signatures of the current validator set. A change is effective for the next tx: roles are
read from `institution/<id>` whenever a tx is executed (ADR 0019).
"""

from dataclasses import replace

from contracts.bodies_governance import RoleChangeBody
from contracts.context import TxEnv
from contracts.errors import TxRejectedError
from contracts.governance import write_institution
from contracts.reasons import RejectReason
from contracts.records import Institution, Role
from contracts.roles import require_validator_quorum
from contracts.state_keys import institution_key
from contracts.store import require
from contracts.validator_sets import in_validator_sets


def apply_role_grant(env: TxEnv, body: RoleChangeBody) -> None:
    require_validator_quorum(env)
    institution = _require_institution(env, body.institution_id)
    if body.role in institution.roles:
        raise TxRejectedError(RejectReason.ROLE_ALREADY_HELD, f"{body.institution_id} {body.role}")
    roles = tuple(sorted({*institution.roles, body.role}))
    write_institution(env.state, replace(institution, roles=roles))


def apply_role_revoke(env: TxEnv, body: RoleChangeBody) -> None:
    require_validator_quorum(env)
    institution = _require_institution(env, body.institution_id)
    if body.role not in institution.roles:
        raise TxRejectedError(RejectReason.ROLE_NOT_HELD, f"{body.institution_id} {body.role}")
    if body.role == Role.VALIDATOR.value and any(
        in_validator_sets(env.state, key) for key in institution.public_keys
    ):
        # A set member whose institution lost the role would certify blocks that no rule
        # allows it to: take its key out with validators.update first.
        raise TxRejectedError(RejectReason.VALIDATOR_ROLE_IN_USE, body.institution_id)
    roles = tuple(role for role in institution.roles if role != body.role)
    write_institution(env.state, replace(institution, roles=roles))


def _require_institution(env: TxEnv, institution_id: str) -> Institution:
    key = institution_key(institution_id)
    return require(env.state, key, Institution.from_json, RejectReason.UNKNOWN_INSTITUTION)
