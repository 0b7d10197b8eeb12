"""case.judgment and case.close: the court records a case's judgment and closes it (ADR 0029).
Pure.

Only an active key of the court the case names sends either. A case takes one judgment and
one closure; a closed case takes nothing more: no judgment, no second closure, and no
judicial retirement. A closure with outcome "satisfied" needs the case's judicial
retirements to reach its required_kg. The case record itself is never rewritten here.
"""

from contracts import case_lifecycle_records as lifecycle
from contracts.case_records import Case
from contracts.cases import require_case
from contracts.context import TxEnv
from contracts.errors import TxRejectedError
from contracts.reasons import RejectReason
from contracts.records import Role
from contracts.roles import require_sender_role
from contracts.state import StateView
from contracts.state_keys import case_closure_key, case_judgment_key
from contracts.store import save
from protocol.codec import copy_fields


def apply_case_judgment(env: TxEnv, body: lifecycle.CaseJudgmentBody) -> None:
    case = _require_open_case_of_sender(env, body.case_id)
    key = case_judgment_key(case.case_id)
    if env.state.get(key) is not None:
        raise TxRejectedError(RejectReason.CASE_ALREADY_JUDGED, key)
    judgment = copy_fields(
        lifecycle.CaseJudgment, body, judged_by=env.sender, height=env.ctx.height
    )
    save(env.state, key, judgment)


def apply_case_close(env: TxEnv, body: lifecycle.CaseCloseBody) -> None:
    case = _require_open_case_of_sender(env, body.case_id)
    if body.outcome == lifecycle.CaseOutcome.SATISFIED and case.retired_kg < case.required_kg:
        detail = f"{case.retired_kg} of {case.required_kg} kg retired"
        raise TxRejectedError(RejectReason.CASE_NOT_SATISFIED, detail)
    closure = copy_fields(lifecycle.CaseClosure, body, closed_by=env.sender, height=env.ctx.height)
    save(env.state, case_closure_key(case.case_id), closure)


def require_case_open(view: StateView, case_id: str) -> None:
    """CASE_CLOSED when the court closed the case; a case with no closure record (every
    case before ADR 0029) takes judicial retirements as before."""
    if view.get(case_closure_key(case_id)) is not None:
        raise TxRejectedError(RejectReason.CASE_CLOSED, case_id)


def _require_open_case_of_sender(env: TxEnv, case_id: str) -> Case:
    """The case, sent about by an active key of its own court, and not closed."""
    court = require_sender_role(env, Role.COURT)
    case = require_case(env, case_id)
    if court.institution_id != case.court:
        raise TxRejectedError(RejectReason.WRONG_COURT, court.institution_id)
    require_case_open(env.state, case.case_id)
    return case
