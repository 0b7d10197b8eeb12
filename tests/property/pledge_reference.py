"""The reference model of credits.pledge, credits.pledge_release and credits.pledge_enforce
(ADR 0032), mixed into ReferenceLedger.

Naive on purpose: a pledge is a list of the indices of its kilograms, which turn status
"pledged"; release turns them "active" again, enforcement "active" in the lender's account.
Shares no code with contracts/ beyond the reason and status strings.
"""

from typing import TYPE_CHECKING, Any

from tests.property.ledger_hooks import LedgerHooks

if TYPE_CHECKING:
    from tests.property.contracts_reference import Op

ROLE_LENDER = "lender"
ENFORCER_ROLES = ("trading_centre", "court")


class PledgeReference(LedgerHooks):
    """Pledged kilograms move only by their lender's release or by enforcement."""

    pledges: dict[str, list[Any]]
    """pledge -> [lender, account, batch, kg indices, status]."""
    unpledged: set[tuple[str, int]]
    """(batch, index) of kg released or enforced since the machine last cleared it."""

    def _lender_signed(self, op: "Op", lender: str) -> None:
        self._cosigned(op, lender, (ROLE_LENDER,), "not_a_lender", "lender_signature_missing")

    def _credits_pledge(self, op: "Op") -> None:
        body = op.body
        self._holder_sent(op, body["account_id"])
        self._lender_signed(op, body["lender"])
        self._batch(body["batch_id"])
        self._require(body["pledge_id"] not in self.pledges, "pledge_exists")
        picked = self._take_active(op, body["account_id"], body["batch_id"], "units_retired")
        units = self.units[body["batch_id"]]
        for i in picked:
            units[i] = type(units[i])(account=units[i].account, status="pledged")
        self.pledges[body["pledge_id"]] = [
            body["lender"],
            body["account_id"],
            body["batch_id"],
            picked,
            "active",
        ]

    def _active_pledge_of_sender(self, op: "Op") -> list[Any]:
        pledge_id = op.body["pledge_id"]
        self._require(pledge_id in self.pledges, "unknown_pledge")
        pledge = self.pledges[pledge_id]
        self._require(self.key_owner.get(op.sender) == pledge[0], "not_pledge_lender")
        self._require(pledge[4] == "active", "pledge_not_active")
        return pledge

    def _unpledge(self, pledge: list[Any], account: str, status: str) -> None:
        lender, _, batch, indices, _ = pledge
        units = self.units[batch]
        for i in indices:
            assert units[i].status == "pledged", (lender, batch, i)
            units[i] = type(units[i])(account=account, status="active")
            self.unpledged.add((batch, i))
        pledge[4] = status

    def _credits_pledge_release(self, op: "Op") -> None:
        pledge = self._active_pledge_of_sender(op)
        self._unpledge(pledge, pledge[1], "released")

    def _credits_pledge_enforce(self, op: "Op") -> None:
        body = op.body
        pledge = self._active_pledge_of_sender(op)
        self._lender_signed(op, pledge[0])
        lacks, missing = "not_an_enforcer", "enforcer_signature_missing"
        self._cosigned(op, body["enforcer"], ENFORCER_ROLES, lacks, missing)
        holder, _ = self._account(body["to_account"])
        self._require(self.key_owner.get(holder) == pledge[0], "not_lender_account")
        self._require(body["to_account"] != pledge[1], "same_account")
        self._unpledge(pledge, body["to_account"], "enforced")
