"""Case lifecycle records and bodies (ADR 0029), and the one rule of a case's status. Pure.

`case/<id>` keeps its v1 bytes. The court that a case names adds, by new txs, a judgment
(`case_judgment/<id>`: the judgment document's hash and date, the compensation ordered in
fen, the harm site and its ecosystem) and a closure (`case_closure/<id>`: the outcome and
the closing document's hash). A case's status is not stored: `case_status` derives it from
the case and these two records, so any proof of the three records proves the status.
"""

from dataclasses import dataclass
from typing import Annotated, Final

from contracts.body_fields import Body, Date, Slug, choice, text
from contracts.case_records import Case
from contracts.credit_records import ECOSYSTEMS
from contracts.state import StateView
from contracts.state_keys import case_closure_key, case_judgment_key
from contracts.store import load
from protocol.codec import JsonCodec, integer
from protocol.hashing import Hash32
from protocol.signing import PublicKey

COMPENSATION_FEN_MAX: Final = 10**15
"""Ten trillion yuan: above any court order, far below 2**53."""
HARM_SITE_LENGTH_MAX: Final = 128


class CaseStatus:
    """A case's status as case_status derives it (ADR 0029); never stored on chain."""

    REGISTERED: Final = "registered"
    """case/<id> exists; no judgment, not satisfied, not closed."""
    JUDGMENT: Final = "judgment"
    """The court recorded its judgment; the judicial retirements fall short of required_kg."""
    SATISFIED: Final = "satisfied"
    """The case's judicial retirements reach its required_kg (with or without a judgment)."""
    CLOSED: Final = "closed"
    """The court closed the case (case_closure/<id>): no further judicial retirement."""


CASE_STATUSES: Final = (
    CaseStatus.REGISTERED,
    CaseStatus.JUDGMENT,
    CaseStatus.SATISFIED,
    CaseStatus.CLOSED,
)
"""Every status, in lifecycle order."""


class CaseOutcome:
    """Why the court closed a case (case.close)."""

    SATISFIED: Final = "satisfied"
    """The obligation is met: the case's judicial retirements reach its required_kg."""
    WITHDRAWN: Final = "withdrawn"
    """The suit was withdrawn (撤诉) or settled outside the chain."""
    TERMINATED: Final = "terminated"
    """Enforcement was terminated (终结执行) or the judgment set aside."""


CASE_OUTCOMES: Final = frozenset(
    {CaseOutcome.SATISFIED, CaseOutcome.WITHDRAWN, CaseOutcome.TERMINATED}
)


@dataclass(frozen=True, slots=True, kw_only=True)
class CaseJudgmentFields(JsonCodec):
    """A judgment as case.judgment names it: the body's fields and the record's, once."""

    case_id: Slug
    judgment_hash: Hash32
    """SHA-256 of the judgment document (判决书) as filed; the document stays off chain."""
    judgment_date: Date
    """The date of the judgment, YYYY-MM-DD."""
    compensation_fen: Annotated[int, integer(minimum=0, maximum=COMPENSATION_FEN_MAX)]
    """The compensation ordered, in fen: 122,366 yuan = 12,236,600. 0 when none is ordered."""
    harm_site: Annotated[str, text(HARM_SITE_LENGTH_MAX)]
    """Where the ecological harm was done, as the judgment names it."""
    ecosystem: Annotated[str, choice(ECOSYSTEMS)]
    """The harmed ecosystem, from the project ecosystems."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CaseJudgmentBody(CaseJudgmentFields, Body):
    """case.judgment: the case's court records its judgment."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CaseJudgment(CaseJudgmentFields, what="case judgment"):
    """`case_judgment/<case id>`: the court's judgment in the case (ADR 0029), recorded at
    `height` by the court's key `judged_by` that sent case.judgment."""

    judged_by: PublicKey
    height: int


@dataclass(frozen=True, slots=True, kw_only=True)
class CaseCloseFields(JsonCodec):
    """A closure as case.close names it: the body's fields and the record's, once."""

    case_id: Slug
    outcome: Annotated[str, choice(CASE_OUTCOMES)]
    document_hash: Hash32
    """SHA-256 of the closing document (结案 notice, ruling, withdrawal) as filed."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CaseCloseBody(CaseCloseFields, Body):
    """case.close: the case's court closes the case."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CaseClosure(CaseCloseFields, what="case closure"):
    """`case_closure/<case id>`: the court closed the case (ADR 0029) at `height`, by the
    court's key `closed_by` that sent case.close."""

    closed_by: PublicKey
    height: int


def case_status(case: Case, judgment: CaseJudgment | None, closure: CaseClosure | None) -> str:
    """The case's status (ADR 0029): closed > satisfied > judgment > registered.

    Satisfied means the judicial retirements reach required_kg; credits.retire_judicial
    refuses more, so retired_kg never exceeds it.
    """
    if closure is not None:
        return CaseStatus.CLOSED
    if case.retired_kg >= case.required_kg:
        return CaseStatus.SATISFIED
    if judgment is not None:
        return CaseStatus.JUDGMENT
    return CaseStatus.REGISTERED


def case_status_in(view: StateView, case: Case) -> str:
    """case_status of a case with the judgment and closure the state holds for it."""
    judgment = load(view, case_judgment_key(case.case_id), CaseJudgment.from_json)
    closure = load(view, case_closure_key(case.case_id), CaseClosure.from_json)
    return case_status(case, judgment, closure)
