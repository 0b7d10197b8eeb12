"""case.register: a court case whose obligors may restore ecology with credits. Pure.

The court or the procuratorate registers; a court only its own cases. The named court must
hold the court role: only its keys may confirm a judicial retirement for the case.
"""

from contracts.bodies_registry import CaseRegisterBody
from contracts.case_records import Case
from contracts.context import TxEnv
from contracts.errors import TxRejectedError
from contracts.reasons import RejectReason
from contracts.records import Institution, Role
from contracts.roles import require_sender_role
from contracts.state_keys import case_key, institution_key
from contracts.store import require, require_absent, save
from protocol.codec import copy_fields


def apply_case_register(env: TxEnv, body: CaseRegisterBody) -> None:
    registrar = require_sender_role(env, Role.COURT, Role.PROCURATORATE)
    court = _require_institution(env, body.court)
    if not court.has_role(Role.COURT):
        raise TxRejectedError(RejectReason.NOT_A_COURT, body.court)
    if registrar.has_role(Role.COURT) and registrar.institution_id != body.court:
        raise TxRejectedError(RejectReason.WRONG_COURT, registrar.institution_id)
    if body.plaintiff is not None:
        _require_institution(env, body.plaintiff)
    require_absent(env.state, case_key(body.case_id))
    case = copy_fields(
        Case, body, registered_by=registrar.institution_id, retired_kg=0, retirement_ids=()
    )
    save(env.state, case_key(body.case_id), case)


def require_case(env: TxEnv, case_id: str) -> Case:
    return require(env.state, case_key(case_id), Case.from_json, RejectReason.UNKNOWN_CASE)


def _require_institution(env: TxEnv, institution_id: str) -> Institution:
    key = institution_key(institution_id)
    return require(env.state, key, Institution.from_json, RejectReason.UNKNOWN_INSTITUTION)
