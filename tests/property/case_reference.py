"""The reference model of case.judgment and case.close (ADR 0029), mixed into
ReferenceLedger.

Naive on purpose: the judged cases are a set, the closures one dict from case to outcome,
and a case's status is re-derived here from them and the case's kg, not taken from
contracts/. Shares no code with contracts/ beyond the reason and status strings.
"""

from typing import TYPE_CHECKING, Any

from tests.property.ledger_hooks import LedgerHooks

if TYPE_CHECKING:
    from tests.property.contracts_reference import Op


class CaseLifecycleReference(LedgerHooks):
    """case.judgment and case.close: the case's own court judges it once and closes it once."""

    cases: dict[str, list[Any]]
    """case -> [court, required kg, retired kg] (ReferenceLedger)."""
    judged: set[str]
    closures: dict[str, str]

    def status_of(self, case: str) -> str:
        _, required, retired = self.cases[case]
        if case in self.closures:
            return "closed"
        if retired == required:
            return "satisfied"
        return "judgment" if case in self.judged else "registered"

    def _open_case_of_sender(self, op: "Op") -> str:
        court = self._role(op, "court")
        case = op.body["case_id"]
        self._require(case in self.cases, "unknown_case")
        self._require(self.cases[case][0] == court, "wrong_court")
        self._require(case not in self.closures, "case_closed")
        return str(case)

    def _case_judgment(self, op: "Op") -> None:
        case = self._open_case_of_sender(op)
        self._require(case not in self.judged, "case_already_judged")
        self.judged.add(case)

    def _case_close(self, op: "Op") -> None:
        case = self._open_case_of_sender(op)
        _, required, retired = self.cases[case]
        satisfied = retired == required
        self._require(op.body["outcome"] != "satisfied" or satisfied, "case_not_satisfied")
        self.closures[case] = op.body["outcome"]
