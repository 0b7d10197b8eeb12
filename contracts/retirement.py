"""credits.retire and credits.retire_judicial: credits end for good (DESIGN.md §5). Pure.

Both retire the LOWEST ACTIVE serials of one account in one batch and write
`retirement/<tx_id>`. A judicial retirement is tied to a registered case, sent by the holder
or its custodian trading centre for the obligors, and takes effect only with the signature
of a key of the case's court: the procuratorate registers and sues, only the court confirms.
"""

from dataclasses import replace

from contracts.accounts import require_account
from contracts.bodies_credits import CreditsRetireBody, CreditsRetireJudicialBody
from contracts.case_lifecycle import require_case_open
from contracts.case_records import JUDICIAL_PURPOSE, Case, Retirement
from contracts.cases import require_case
from contracts.context import TxEnv
from contracts.credit_records import SerialStatus
from contracts.errors import TxRejectedError
from contracts.issuance import require_batch
from contracts.reasons import RejectReason
from contracts.records import Role
from contracts.roles import require_account_holder, require_holder_or_custodian, signers_with_role
from contracts.serials import load_holding, ranges_of, save_blocks, save_holding, take_lowest_active
from contracts.state_keys import batch_key, case_key, retirement_key
from contracts.store import save
from protocol.signing import PublicKey


def apply_credits_retire(env: TxEnv, body: CreditsRetireBody) -> None:
    account = require_account(env, body.account_id)
    require_account_holder(env, account)
    write_retirement(
        env,
        body,
        kind="voluntary",
        purpose=body.purpose,
        reason=body.reason,
        case=None,
        court_key=None,
    )


def apply_credits_retire_judicial(env: TxEnv, body: CreditsRetireJudicialBody) -> None:
    case = require_case(env, body.case_id)
    require_case_open(env.state, case.case_id)
    account = require_account(env, body.account_id)
    require_holder_or_custodian(env, account)
    court_key = require_court_confirmation(env, case)
    if case.retired_kg + body.quantity_kg > case.required_kg:
        left = case.required_kg - case.retired_kg
        raise TxRejectedError(RejectReason.EXCEEDS_CASE_REQUIREMENT, f"{left} kg left")
    reason = f"{case.case_type}: {case.case_number}"
    write_retirement(
        env,
        body,
        kind="judicial",
        purpose=JUDICIAL_PURPOSE,
        reason=reason,
        case=case,
        court_key=court_key,
    )
    retired_kg = case.retired_kg + body.quantity_kg
    ids = (*case.retirement_ids, env.tx_id)
    save(
        env.state, case_key(case.case_id), replace(case, retired_kg=retired_kg, retirement_ids=ids)
    )


def write_retirement(
    env: TxEnv,
    body: CreditsRetireBody | CreditsRetireJudicialBody,
    *,
    kind: str,
    purpose: str,
    reason: str,
    case: Case | None,
    court_key: PublicKey | None,
) -> None:
    """Retire the lowest ACTIVE serials and write `retirement/<tx_id>` (either kind)."""
    case_id = None if case is None else case.case_id
    ranges = retire_lowest(env, body.account_id, body.batch_id, body.quantity_kg, case_id=case_id)
    retirement = Retirement(
        retirement_id=env.tx_id,
        kind=kind,
        account_id=body.account_id,
        batch_id=body.batch_id,
        quantity_kg=body.quantity_kg,
        ranges=ranges,
        beneficiary=body.beneficiary,
        purpose=purpose,
        reason=reason,
        case_id=case_id,
        confirmed_by=court_key,
        height=env.ctx.height,
        time_ms=env.ctx.time_ms,
    )
    save(env.state, retirement_key(env.tx_id), retirement)


def require_court_confirmation(env: TxEnv, case: Case) -> PublicKey:
    """The signing key of the case's court; each way of missing it has its own reason."""
    courts = signers_with_role(env, Role.COURT)
    for public_key, institution in courts:
        if institution.institution_id == case.court:
            return public_key
    if courts:
        raise TxRejectedError(RejectReason.WRONG_COURT, courts[0][1].institution_id)
    if any(key != env.sender for key in env.signers):
        raise TxRejectedError(RejectReason.COSIGNER_NOT_COURT, case.court)
    raise TxRejectedError(RejectReason.COURT_SIGNATURE_MISSING, case.court)


def retire_lowest(
    env: TxEnv, account_id: str, batch_id: str, quantity_kg: int, *, case_id: str | None
) -> tuple[tuple[int, int], ...]:
    """Mark the lowest ACTIVE serials RETIRED under this tx's id; returns their ranges."""
    batch = require_batch(env, batch_id)
    holding = load_holding(env.state, account_id, batch_id)
    holding, taken = take_lowest_active(
        env.state, holding, quantity_kg, retired=RejectReason.ALREADY_RETIRED
    )
    holding = replace(holding, retired_kg=holding.retired_kg + quantity_kg)
    save_holding(env.state, holding)
    retired = tuple(
        replace(b, status=SerialStatus.RETIRED, retirement_id=env.tx_id, case_id=case_id)
        for b in taken
    )
    save_blocks(env.state, retired)
    save(env.state, batch_key(batch_id), replace(batch, retired_kg=batch.retired_kg + quantity_kg))
    return ranges_of(retired)
